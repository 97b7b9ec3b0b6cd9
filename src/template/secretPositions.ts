/**
 * Where a prepared template may hold `secretref:NAME`: the container group's secure env
 * values, registry passwords and Azure Files storage keys — places Azure keeps secret and a
 * run cannot read back. Everywhere else (image, command, tags, names, outputs, plain env
 * `value`s, deployment parameters) a reference could carry a secret somewhere visible, so
 * it is refused, both when the template is prepared and again when the worker resolves.
 * Pure: the resolver that reads values is passed in.
 */
import { ConfigError } from '../config/errors';
import {
  isSecretRef,
  misplacedRefMessage,
  malformedRefMessage,
  pathsMentioningSecretRefs,
  secretRefName,
  whereToProvideSecret,
} from '../config/secretReferences';
import type { DeploymentRequest } from '../template/deployment';
import { CONTAINER_GROUP_RESOURCE_TYPE } from '../config/defaultArmTemplate';

export type JsonPath = Array<string | number>;
type SecretResolver = (name: string) => string | undefined;

/** Paths inside the container group resource; `*` stands for any list index. */
const SECRET_POSITIONS: ReadonlyArray<readonly string[]> = [
  ['properties', 'containers', '*', 'properties', 'environmentVariables', '*', 'secureValue'],
  ['properties', 'imageRegistryCredentials', '*', 'password'],
  ['properties', 'volumes', '*', 'azureFile', 'storageAccountKey'],
];

export interface SecretReferenceScan {
  /** References in secret positions, to be resolved. */
  slots: Array<{ path: JsonPath; ref: string }>;
  /** Text mentioning `secretref:` anywhere else, or not a whole valid reference. */
  refused: Array<{ path: JsonPath; problem: string }>;
}

export function scanSecretReferences(template: Record<string, unknown>): SecretReferenceScan {
  const scan: SecretReferenceScan = { slots: [], refused: [] };
  for (const path of pathsMentioningSecretRefs(template)) {
    const value = valueAt(template, path) as string;
    if (!isSecretPosition(template, path)) scan.refused.push({ path, problem: misplacedRefMessage() });
    else if (!isSecretRef(value)) scan.refused.push({ path, problem: malformedRefMessage(value) });
    else scan.slots.push({ path, ref: value });
  }
  return scan;
}

/** Fails with the first refused reference, the field named as `<prefix><path>`. */
export function requireSecretReferencesInPlace(template: Record<string, unknown>, describe: (path: JsonPath) => string): void {
  const [first] = scanSecretReferences(template).refused;
  if (first) throw new ConfigError(describe(first.path), first.problem);
}

/**
 * Names of the deployment parameters that carry resolved secrets (`aciFlowSecret0`, ...).
 * Reserved: a template or patch that mentions one is refused (runBoundary.ts), so nothing but
 * a secret position can read them.
 */
export const SECRET_PARAMETER_PREFIX = 'aciFlowSecret';

/**
 * A copy of the deployment with each reference in a secret position replaced by
 * `[parameters('aciFlowSecretN')]`, and the value passed as the deployment's secureString
 * parameter: ARM keeps a deployment's template in its history, readable by anyone who can
 * read the resource group, but never a secure parameter's value. A reference anywhere else
 * fails the run instead of being resolved, whatever client sent it.
 */
export function resolveSecretReferences<T extends DeploymentRequest>(deployment: T, resolve: SecretResolver): T {
  const [parameter] = pathsMentioningSecretRefs(deployment.parameters, ['parameters']);
  if (parameter) throw new ConfigError(jsonPointer(parameter), misplacedRefMessage());
  requireSecretReferencesInPlace(deployment.template, (path) => `template${jsonPointer(path)}`);
  const template = JSON.parse(JSON.stringify(deployment.template)) as Record<string, unknown>;
  const declared: Record<string, unknown> = { ...(template.parameters as Record<string, unknown> | undefined) };
  const parameters: Record<string, { value: unknown }> = { ...deployment.parameters };
  scanSecretReferences(template).slots.forEach(({ path, ref }, index) => {
    const name = secretRefName(ref);
    const value = resolve(name);
    if (value === undefined) throw new ConfigError(ref, `cannot be resolved on this worker: ${whereToProvideSecret(name)}`);
    const parameterName = `${SECRET_PARAMETER_PREFIX}${index}`;
    const parent = valueAt(template, path.slice(0, -1)) as Record<string | number, unknown>;
    // A slot lies inside the template: its path is never empty.
    parent[path[path.length - 1]!] = `[parameters('${parameterName}')]`;
    // Spelled as the published deployment template schema's parameterTypes enum has it (ARM itself ignores case).
    declared[parameterName] = { type: 'securestring' };
    // A parameter's value is never evaluated by ARM: the secret arrives exactly as stored.
    parameters[parameterName] = { value };
  });
  template.parameters = declared;
  return { ...deployment, template, parameters };
}

/** RFC 6901 pointer, the notation of `arm_template_patches` paths. */
export function jsonPointer(path: JsonPath): string {
  return path.map((part) => `/${String(part).replace(/~/g, '~0').replace(/\//g, '~1')}`).join('');
}

function isSecretPosition(template: Record<string, unknown>, path: JsonPath): boolean {
  const [top, index, ...inside] = path;
  if (top !== 'resources' || typeof index !== 'number') return false;
  const resource = valueAt(template, [top, index]) as { type?: unknown } | undefined;
  if (String(resource?.type).toLowerCase() !== CONTAINER_GROUP_RESOURCE_TYPE.toLowerCase()) return false;
  return SECRET_POSITIONS.some(
    (pattern) => pattern.length === inside.length && pattern.every((part, i) => (part === '*' ? typeof inside[i] === 'number' : part === inside[i])),
  );
}

function valueAt(node: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>((current, key) => (current as Record<string | number, unknown> | undefined)?.[key], node);
}
