/**
 * What a pool lets its runs reach (docs/configuration.md, "What a pool lets its runs reach").
 * Whoever starts a run writes its values; the operator writes the pool. So:
 *
 * - a secret reference a run brings in its values must name a secret the pool lists in
 *   `run_secret_names` — references the pool itself holds (its defaults, aci_credentials, a
 *   registry password) are the operator's and never reachable from a run's values;
 * - a Prefect block's secret (`secretref:prefect-block-…`, held in worker memory for the
 *   pool) is reachable from a run's values only as the pool's own block, whole, never by
 *   listing it in run_secret_names;
 * - the container group may get only the user-assigned identities and subnets the pool
 *   allows (`allowed_identities`, `allowed_subnet_ids`; without a list, those the pool's own
 *   defaults name), whether they come from variables, the template or patches.
 *
 * Pure: `render`, `start` and the worker call it through renderFlowRun with the same inputs.
 */
import { isDeepStrictEqual } from 'node:util';
import type { BaseJobTemplate } from '../config/baseJobTemplate';
import { ConfigError } from '../config/errors';
import type { JobConfiguration } from '../config/jobConfiguration';
import { isPlainObject } from '../config/objects';
import { DEFAULT_SECRET_ENV_NAMES, isBlockSecretName, isSecretRef, pathsMentioningSecretRefs, secretRef, secretRefName } from '../config/secretReferences';
import type { JsonPath } from './secretPositions';

/**
 * The Prefect bridge gives every container the key it talks to Prefect with, as
 * `env.PREFECT_API_KEY: secretref:PREFECT_API_KEY` (and the auth string likewise): a run may
 * carry exactly that reference at exactly that place, which gives it nothing a Prefect pool's
 * container does not get anyway. Any other name needs listing in run_secret_names.
 */
const INJECTED_BY_THE_BRIDGE = new Map(DEFAULT_SECRET_ENV_NAMES.map((name) => [`env.${name}`, secretRef(name)]));

/** Refuses a reference in the run's values that the pool does not let runs make. */
export function requireRunSecretsAllowed(pool: BaseJobTemplate, values: Record<string, unknown>, config: JobConfiguration): void {
  const allowed = new Set(config.run_secret_names);
  const credentialSecret = config.aci_credentials?.client_secret;
  for (const path of pathsMentioningSecretRefs(values)) {
    const ref = valueAt(values, path);
    // Malformed or misplaced references are the job configuration's to report.
    if (!isSecretRef(ref)) continue;
    const field = path.join('.');
    if (ref === credentialSecret) {
      throw new ConfigError(field, `${ref} is the secret of the pool's aci_credentials, the identity the worker deploys with; a run can never reference it`);
    }
    // The pool's own default passed back unchanged, with what it belongs to: the operator's reference.
    const unit = operatorUnit(path);
    const poolsOwn = isDeepStrictEqual(valueAt(values, unit), valueAt(poolDefaults(pool), unit));
    if (isBlockSecretName(secretRefName(ref))) {
      // A Prefect block's secret, held by the worker for the pool: only the pool's own block (the same block document, whole) reaches it.
      if (poolsOwn) continue;
      throw new ConfigError(
        field,
        `${ref} is the secret of a Prefect block the work pool does not use for ${unit.join('.')}; a run's job variables may name a block with a secret only when it is the pool's own block (the operator sets it in the work pool)`,
      );
    }
    if (allowed.has(secretRefName(ref))) continue;
    if (INJECTED_BY_THE_BRIDGE.get(field) === ref) continue;
    if (poolsOwn) continue;
    throw new ConfigError(
      field,
      `${ref} is not a secret this pool's runs may reference; the operator lists those in the pool's run_secret_names ` +
        `(now: ${config.run_secret_names.length ? config.run_secret_names.join(', ') : 'none'})`,
    );
  }
}

/** Refuses a container group given an identity or subnet the pool does not allow (checked on the finished template). */
export function requireAllowedIdentitiesAndSubnets(pool: BaseJobTemplate, config: JobConfiguration, template: Record<string, unknown>): void {
  const group = (template.resources as Array<Record<string, unknown>>)[0];
  // The run boundary has checked the template holds exactly one resource, the container group.
  if (!group) throw new ConfigError('arm_template.resources', 'must hold the container group');
  const identity = isPlainObject(group.identity) ? group.identity : {};
  const assigned = Object.keys(isPlainObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {});
  const properties = isPlainObject(group.properties) ? group.properties : {};
  const subnets = (Array.isArray(properties.subnetIds) ? properties.subnetIds : []).map((subnet: unknown) => (isPlainObject(subnet) ? subnet.id : subnet));
  const identities = config.allowed_identities ?? poolDefaultIds(pool, 'identities');
  const subnetIds = config.allowed_subnet_ids ?? poolDefaultIds(pool, 'subnet_ids');
  const fromConfig = (id: string, configured: readonly string[] | null | undefined) => configured?.some((entry) => sameId(entry, id));

  for (const id of assigned) {
    if (identities.some((allowed) => sameId(allowed, unescaped(id)))) continue;
    throw new ConfigError(
      fromConfig(unescaped(id), config.identities) ? 'identities' : 'arm_template (at /resources/0/identity/userAssignedIdentities)',
      `'${unescaped(id)}' is not an identity this pool's runs may use; the pool allows ${describe(identities)} (allowed_identities)`,
    );
  }
  subnets.forEach((id, index) => {
    if (typeof id === 'string' && subnetIds.some((allowed) => sameId(allowed, unescaped(id)))) return;
    const text = typeof id === 'string' ? unescaped(id) : JSON.stringify(id);
    throw new ConfigError(
      typeof id === 'string' && fromConfig(text, config.subnet_ids) ? 'subnet_ids' : `arm_template (at /resources/0/properties/subnetIds/${index}/id)`,
      `'${text}' is not a subnet this pool's runs may join; the pool allows ${describe(subnetIds)} (allowed_subnet_ids)`,
    );
  });
}

/**
 * What must equal the pool's default for a reference in it to stay the operator's: an env entry
 * by itself (entries are independent, the name is in the path), a patch operation as a whole,
 * anything else as the whole variable — a registry password passed back with another
 * `registry_url` would be sent to that registry.
 */
function operatorUnit(path: JsonPath): JsonPath {
  if (path[0] === 'env') return path.slice(0, 2);
  if (path[0] === 'arm_template_patches') return path.slice(0, 2);
  return path.slice(0, 1);
}

/** The pool's variable defaults, as a run with no values would get them. */
function poolDefaults(pool: BaseJobTemplate): Record<string, unknown> {
  return Object.fromEntries(Object.entries(pool.variables.properties).map(([name, schema]) => [name, isPlainObject(schema) ? schema.default : undefined]));
}

/**
 * Ids the pool itself names for `field`: the variable's default, a literal list in
 * job_configuration, and the pool's own arm_template.
 */
function poolDefaultIds(pool: BaseJobTemplate, field: 'identities' | 'subnet_ids'): string[] {
  const ids: unknown[] = [];
  const fallback = poolDefaults(pool)[field];
  if (Array.isArray(fallback)) ids.push(...fallback);
  const literal = pool.job_configuration[field];
  if (Array.isArray(literal)) ids.push(...literal);
  const template = pool.job_configuration.arm_template;
  const resources = isPlainObject(template) && Array.isArray(template.resources) ? template.resources : [];
  for (const resource of resources) {
    if (!isPlainObject(resource)) continue;
    if (field === 'identities' && isPlainObject(resource.identity) && isPlainObject(resource.identity.userAssignedIdentities)) {
      ids.push(...Object.keys(resource.identity.userAssignedIdentities).map(unescaped));
    }
    const subnets = isPlainObject(resource.properties) ? resource.properties.subnetIds : undefined;
    if (field === 'subnet_ids' && Array.isArray(subnets)) ids.push(...subnets.map((subnet) => (isPlainObject(subnet) ? subnet.id : undefined)));
  }
  // A placeholder names a run's value, not the pool's.
  return ids.filter((id): id is string => typeof id === 'string' && !id.includes('{{'));
}

/** ARM resource ids are case-insensitive. */
function sameId(a: string, b: string): boolean {
  return a.toLowerCase() === b.toLowerCase();
}

/** The configured text of an ARM literal (`[[x]` is written for `[x]`). */
function unescaped(text: string): string {
  return text.startsWith('[[') ? text.slice(1) : text;
}

function describe(ids: readonly string[]): string {
  return ids.length ? ids.map((id) => `'${id}'`).join(', ') : 'none';
}

function valueAt(node: unknown, path: JsonPath): unknown {
  return path.reduce<unknown>(
    (current, key) => (isPlainObject(current) || Array.isArray(current) ? (current as Record<string, unknown>)[key] : undefined),
    node,
  );
}
