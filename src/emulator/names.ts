/**
 * ARM's naming rules for the names that reach the emulator in URLs and templates. Names are
 * checked before anything uses them, so a crafted name (`..`, `%2F`, `%2e%2e`) never becomes
 * a path: they also end up as directory and file names under the data directory.
 */
import path from 'node:path';
import { ArmError, resourceNotFound } from './errors';
import type { PathParams } from './http';

/** ACI's rule for container group and container names, as its error messages spell it. */
export const ACI_NAME_PATTERN = '[a-z0-9]([-a-z0-9]*[a-z0-9])?';
const ACI_NAME = new RegExp(`^${ACI_NAME_PATTERN}$`);
export const ACI_NAME_MAX = 63;
/** ARM's `^[-\w\._\(\)]+$` with .NET's Unicode `\w` (letters, marks, digits, connector punctuation). */
const ARM_NAME = /^[-\p{L}\p{Mn}\p{Nd}\p{Pc}.()]+$/u;
const RESOURCE_GROUP_MAX = 90;
const DEPLOYMENT_NAME_MAX = 64;

export function resourceGroupNameProblem(name: string): string | undefined {
  if (name.length === 0 || name.length > RESOURCE_GROUP_MAX) return `must be 1 to ${RESOURCE_GROUP_MAX} characters long, got ${name.length}`;
  const invalid = invalidCharacters(name);
  if (invalid) return `has these invalid characters: '${invalid}'`;
  if (name.endsWith('.')) return 'must not end with a period';
  return undefined;
}

export function invalidResourceGroup(name: string): ArmError | undefined {
  const problem = resourceGroupNameProblem(name);
  if (!problem) return undefined;
  return new ArmError(
    400,
    'InvalidResourceGroup',
    `The provided resource group name '${name}' ${problem}. The name can be up to ${RESOURCE_GROUP_MAX} characters: letters, digits, '-', '.', '(', ')' or '_', and cannot end with a period.`,
  );
}

export function invalidDeploymentName(name: string): ArmError | undefined {
  const invalid = invalidCharacters(name);
  if (name.length > 0 && name.length <= DEPLOYMENT_NAME_MAX && !invalid) return undefined;
  return new ArmError(
    400,
    'InvalidDeploymentName',
    `The deployment name '${name}' is invalid${invalid ? ` (invalid characters: '${invalid}')` : ''}. It can be up to ${DEPLOYMENT_NAME_MAX} characters: letters, digits, '-', '.', '(', ')' or '_'.`,
  );
}

/** ARM identifies subscriptions by GUID; anything else never reaches a resource provider. */
const SUBSCRIPTION_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function invalidSubscriptionId(value: string): ArmError | undefined {
  if (SUBSCRIPTION_ID.test(value)) return undefined;
  return new ArmError(
    400,
    'InvalidSubscriptionId',
    `The provided subscription identifier '${value}' is malformed or invalid. A subscription id is a GUID (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx).`,
  );
}

export function isContainerName(name: string): boolean {
  return name.length <= ACI_NAME_MAX && ACI_NAME.test(name);
}

/** ACI also refuses consecutive hyphens in a group name. */
export function isContainerGroupName(name: string): boolean {
  return isContainerName(name) && !name.includes('--');
}

/**
 * The rule for each named route parameter; the router checks them before any handler runs.
 * Container groups and containers are only looked up by URL (the emulator creates them from
 * templates, whose names preflight checks), so a name no group can have is simply not found —
 * what ACI answers. ARM matches names case-insensitively, so the ACI rule applies to the lower case.
 */
const PATH_PARAMETER_RULES: Record<string, (value: string, params: PathParams) => ArmError | undefined> = {
  subscriptionId: invalidSubscriptionId,
  resourceGroup: invalidResourceGroup,
  deploymentName: invalidDeploymentName,
  groupName: (value, params) =>
    isContainerGroupName(value.toLowerCase()) ? undefined : resourceNotFound('Microsoft.ContainerInstance/containerGroups', params.resourceGroup, value),
  containerName: (value, params) =>
    isContainerName(value.toLowerCase())
      ? undefined
      : resourceNotFound('Microsoft.ContainerInstance/containerGroups/containers', params.resourceGroup, `${params.groupName}/${value}`),
};

export function invalidPathParameter(params: PathParams): ArmError | undefined {
  for (const [name, value] of Object.entries(params)) {
    const error = PATH_PARAMETER_RULES[name]?.(value, params);
    if (error) return error;
  }
  return undefined;
}

/**
 * `base/segments...`, refusing any segment that is not a plain file name. The names were
 * validated already; this is the second fence, so no future caller can write outside `base`.
 */
export function pathInside(base: string, ...segments: string[]): string {
  for (const segment of segments) {
    if (segment === '' || segment === '.' || segment === '..' || /[/\\\0]/.test(segment)) {
      throw new Error(`refusing the path segment '${segment}' under ${base}: names must be plain file names`);
    }
  }
  const resolved = path.resolve(base, ...segments);
  const relative = path.relative(path.resolve(base), resolved);
  if (relative === '..' || relative.startsWith(`..${path.sep}`) || path.isAbsolute(relative)) throw new Error(`refusing ${resolved}: it is outside ${base}`);
  return resolved;
}

function invalidCharacters(name: string): string {
  return [...new Set([...name].filter((char) => !ARM_NAME.test(char)))].join('');
}
