/**
 * Prefect block references in a pool's variables and a run's job variables, resolved from
 * the Prefect API as Prefect's worker resolves them before rendering: `{"$ref":
 * {"block_document_id": "<id>"}}` and `"{{ prefect.blocks.<type slug>.<name> }}"`.
 *
 * aci-flow reads blocks for `aci_credentials` (AzureContainerInstanceCredentials) and
 * `image_registry` (DockerRegistryCredentials, ACRManagedIdentity). Their non-secret fields
 * travel with the run. A secret field (the client secret, the registry password) becomes the
 * reference `secretref:prefect-block-<block id>-<field>`: only the aci-flow worker, rendering
 * at deploy time from the pool (prefectPoolSource), reads the pool's blocks with their secrets
 * and keeps the values in memory, so no secret enters workflow input or history.
 *
 * The pool's blocks are the operator's. A run's job variables may name an image_registry
 * block; its secret fields resolve only when it is the very block the pool itself uses (the
 * run policy refuses any other `prefect-block-` reference from a run), and a run can never
 * name an aci_credentials block. A block that cannot be read, of the wrong type, or anywhere
 * else fails the run naming it: nothing is silently ignored.
 */
import type { BaseJobTemplate } from '../config';
import { type BlockReference, blockReferenceOf as parseBlockReference, describeReference } from '../config/blockReferences';
import { ConfigError } from '../config/errors';
import { isPlainObject } from '../config/objects';
import { blockSecretName, secretRef } from '../config/secretReferences';
import { ok, type PrefectApi, type Schemas } from './api/client';

/** The variables whose blocks aci-flow reads, and the block types each takes. */
export const BLOCK_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  aci_credentials: ['azure-container-instance-credentials'],
  image_registry: ['docker-registry-credentials', 'acr-managed-identity'],
};

/** A ConfigError, so the worker fails the run non-retryably with it and the bridge proposes Crashed with it. */
export class BlockResolutionError extends ConfigError {
  constructor(field: string, problem: string) {
    super(field, problem);
    this.name = 'BlockResolutionError';
  }
}

export { describeReference, type BlockReference };

/** The block a value refers to, or undefined for a plain value; a malformed `$ref` is a BlockResolutionError. */
export function blockReferenceOf(value: unknown): BlockReference | undefined {
  try {
    return parseBlockReference(value);
  } catch (err) {
    throw err instanceof ConfigError ? new BlockResolutionError(err.field, err.problem) : err;
  }
}

export interface BlockResolutionOptions {
  /**
   * Given: the pool's blocks are read with their secrets (include_secrets) and each secret
   * value is put here under its reference name — the aci-flow worker at deploy time, with an
   * API key allowed to read block secrets. Absent: no secret is ever read (the bridge, whose
   * result becomes workflow input). A run's blocks are never read with secrets.
   */
  secrets?: Map<string, string>;
}

/**
 * The pool template and job variables with every block reference replaced by the block's
 * fields, secret fields as references; throws BlockResolutionError naming the block when that cannot be done.
 */
export async function resolveBlockReferences(
  api: PrefectApi,
  template: BaseJobTemplate,
  variables: Record<string, unknown>,
  options: BlockResolutionOptions = {},
): Promise<{ template: BaseJobTemplate; variables: Record<string, unknown> }> {
  const properties: Record<string, unknown> = { ...template.variables.properties };
  for (const [name, schema] of Object.entries(properties)) {
    if (!isPlainObject(schema) || !('default' in schema)) continue;
    const resolved = await resolveValue(api, name, schema.default, options.secrets);
    if (resolved !== schema.default) properties[name] = { ...schema, default: resolved };
  }
  const resolvedVariables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) {
    const reference = blockReferenceOf(value);
    if (reference && name === 'aci_credentials') {
      throw new BlockResolutionError(
        name,
        `refers to Prefect ${describeReference(reference)} from the run's job variables; a run cannot choose the identity the worker calls Azure with: put the block in the work pool's aci_credentials`,
      );
    }
    resolvedVariables[name] = await resolveValue(api, name, value, undefined);
  }
  return { template: { ...template, variables: { ...template.variables, properties } } as BaseJobTemplate, variables: resolvedVariables };
}

async function resolveValue(api: PrefectApi, variable: string, value: unknown, secrets: Map<string, string> | undefined): Promise<unknown> {
  const reference = blockReferenceOf(value);
  if (!reference) {
    assertNoNestedReference(variable, value);
    return value;
  }
  const allowed = BLOCK_VARIABLES[variable];
  if (!allowed) {
    throw new BlockResolutionError(
      variable,
      `refers to Prefect ${describeReference(reference)}; aci-flow reads blocks only for ${Object.keys(BLOCK_VARIABLES).join(' and ')}: put the value itself in the variable`,
    );
  }
  const document = await readBlockDocument(api, variable, reference, secrets !== undefined);
  const type = document.block_type?.slug;
  if (!type || !allowed.includes(type)) {
    throw new BlockResolutionError(
      variable,
      `refers to Prefect ${describeReference(reference)} of type ${type ?? 'unknown'}; it takes a block of type ${allowed.join(' or ')}`,
    );
  }
  const data = document.data ?? {};
  const secretFields = secretFieldsOf(document.block_schema);
  const fields: Record<string, unknown> = {};
  // Unset fields (null, an empty credential_kwargs) are as if absent; anything else set is checked by the job configuration's schema.
  for (const [field, item] of Object.entries(data)) {
    if (item === null || item === undefined || item === '' || isEmptyObject(item)) continue;
    if (!secretFields.includes(field)) {
      fields[field] = item;
      continue;
    }
    const name = blockSecretName(document.id, field);
    if (secrets) {
      if (typeof item !== 'string') {
        throw new BlockResolutionError(
          variable,
          `Prefect ${describeReference(reference)} (${document.name ?? type}): its secret ${field} is not a text value; aci-flow passes only text secrets`,
        );
      }
      secrets.set(name, item);
    }
    fields[field] = secretRef(name);
  }
  return fields;
}

function isEmptyObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function assertNoNestedReference(variable: string, value: unknown, path = variable): void {
  if (Array.isArray(value)) value.forEach((item, index) => assertNoNestedReference(variable, item, `${path}[${index}]`));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const reference = blockReferenceOf(item);
      if (reference)
        throw new BlockResolutionError(
          `${path}.${key}`,
          `refers to Prefect ${describeReference(reference)}; aci-flow reads blocks only as the whole value of ${Object.keys(BLOCK_VARIABLES).join(' or ')}`,
        );
      assertNoNestedReference(variable, item, `${path}.${key}`);
    }
  }
}

async function readBlockDocument(api: PrefectApi, variable: string, reference: BlockReference, includeSecrets: boolean): Promise<Schemas['BlockDocument']> {
  let result;
  try {
    result =
      reference.kind === 'id'
        ? await api.GET('/block_documents/{id}', { params: { path: { id: reference.id }, query: { include_secrets: includeSecrets } } })
        : await api.GET('/block_types/slug/{slug}/block_documents/name/{block_document_name}', {
            params: { path: { slug: reference.type, block_document_name: reference.name }, query: { include_secrets: includeSecrets } },
          });
  } catch (err) {
    throw new BlockResolutionError(
      variable,
      `cannot read Prefect ${describeReference(reference)}: the Prefect API did not answer (${err instanceof Error ? err.message : String(err)})`,
    );
  }
  if (result.response.status === 404 || result.response.status === 422) {
    throw new BlockResolutionError(variable, `Prefect ${describeReference(reference)} does not exist (or is not readable with this API key)`);
  }
  try {
    return ok(`read ${describeReference(reference)}`, result);
  } catch (err) {
    throw new BlockResolutionError(variable, `cannot read Prefect ${describeReference(reference)}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Prefect lists a block's secret fields in its schema (`fields.secret_fields`). */
function secretFieldsOf(schema: Schemas['BlockDocument']['block_schema']): string[] {
  const fields = schema?.fields as { secret_fields?: unknown } | undefined;
  return Array.isArray(fields?.secret_fields)
    ? fields.secret_fields.filter((field): field is string => typeof field === 'string').map((field) => field.split('.')[0] ?? field)
    : [];
}
