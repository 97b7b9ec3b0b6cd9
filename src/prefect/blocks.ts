/**
 * Prefect block references in a pool's variables and a run's job variables, resolved from
 * the Prefect API as Prefect's worker resolves them before rendering: `{"$ref":
 * {"block_document_id": "<id>"}}` and `"{{ prefect.blocks.<type slug>.<name> }}"`.
 *
 * aci-flow reads blocks for `aci_credentials` (AzureContainerInstanceCredentials) and
 * `image_registry` (DockerRegistryCredentials, ACRManagedIdentity). Their non-secret fields
 * travel with the run. Secret fields (the client secret, the registry password) must never
 * enter workflow input: they are read here without secrets (Prefect answers them obfuscated),
 * and a block whose secret field is set makes the run Crashed, naming the block and field.
 * An aci-flow worker that renders runs itself at deploy time from the pool (a pool source) can
 * resolve them with `includeSecrets` and keep the secrets out of history. A block that cannot be read, or a block anywhere else, is Crashed too, naming
 * it: nothing is silently ignored.
 */
import type { BaseJobTemplate } from '../config';
import { isPlainObject } from '../config/objects';
import { ok, type PrefectApi, type Schemas } from './api/client';

/** The variables whose blocks aci-flow reads, and the block types each takes. */
export const BLOCK_VARIABLES: Readonly<Record<string, readonly string[]>> = {
  aci_credentials: ['azure-container-instance-credentials'],
  image_registry: ['docker-registry-credentials', 'acr-managed-identity'],
};

const PLACEHOLDER = /^\{\{\s*prefect\.blocks\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*\}\}$/;

export type BlockReference = { kind: 'id'; id: string } | { kind: 'name'; type: string; name: string };

export class BlockResolutionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BlockResolutionError';
  }
}

/** The block a value refers to, or undefined for a plain value. */
export function blockReferenceOf(value: unknown): BlockReference | undefined {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value.trim());
    // Both groups are mandatory in PLACEHOLDER: a match has them.
    return match ? { kind: 'name', type: match[1]!, name: match[2]! } : undefined;
  }
  if (!isPlainObject(value) || !('$ref' in value)) return undefined;
  const ref = value.$ref;
  const id = isPlainObject(ref) ? ref.block_document_id : ref;
  if (typeof id !== 'string' || id.trim() === '') throw new BlockResolutionError(`a "$ref" without a block_document_id: ${JSON.stringify(value)}`);
  return { kind: 'id', id };
}

export function describeReference(reference: BlockReference): string {
  return reference.kind === 'id' ? `block document ${reference.id}` : `block prefect.blocks.${reference.type}.${reference.name}`;
}

export interface BlockResolutionOptions {
  /**
   * Default false: secret fields are never read, and a block that holds one is refused (the
   * bridge, whose result becomes workflow input). True: secret fields are read too, for an
   * aci-flow worker that renders a run at deploy time from the pool (a pool source) and never
   * records the result; it needs an API key allowed to read block secrets.
   */
  includeSecrets?: boolean;
}

/**
 * The pool template and job variables with every block reference replaced by the block's
 * fields; throws BlockResolutionError naming the block when that cannot be done.
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
    const resolved = await resolveValue(api, name, schema.default, options);
    if (resolved !== schema.default) properties[name] = { ...schema, default: resolved };
  }
  const resolvedVariables: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(variables)) resolvedVariables[name] = await resolveValue(api, name, value, options);
  return { template: { ...template, variables: { ...template.variables, properties } } as BaseJobTemplate, variables: resolvedVariables };
}

async function resolveValue(api: PrefectApi, variable: string, value: unknown, options: BlockResolutionOptions): Promise<unknown> {
  const reference = blockReferenceOf(value);
  if (!reference) {
    assertNoNestedReference(variable, value);
    return value;
  }
  const allowed = BLOCK_VARIABLES[variable];
  if (!allowed) {
    throw new BlockResolutionError(`${variable} refers to Prefect ${describeReference(reference)}; aci-flow reads blocks only for ${Object.keys(BLOCK_VARIABLES).join(' and ')}: put the value itself in the variable`);
  }
  const document = await readBlockDocument(api, reference, options.includeSecrets ?? false);
  const type = document.block_type?.slug;
  if (!type || !allowed.includes(type)) {
    throw new BlockResolutionError(`${variable} refers to Prefect ${describeReference(reference)} of type ${type ?? 'unknown'}; it takes a block of type ${allowed.join(' or ')}`);
  }
  const data = document.data ?? {};
  if (options.includeSecrets) return Object.fromEntries(Object.entries(data).filter(([, item]) => item !== null && !isEmptyObject(item)));
  const secretFields = secretFieldsOf(document.block_schema);
  const set = secretFields.filter((field) => data[field] !== undefined && data[field] !== null && data[field] !== '');
  if (set.length > 0) {
    throw new BlockResolutionError(
      `${variable}: Prefect ${describeReference(reference)} (${document.name ?? type}) holds the secret ${set.join(', ')}, which aci-flow does not put into a run; ` +
        `give the aci-flow worker the secret (ACI_FLOW_SECRET_<NAME>) and set ${variable}.${set[0]} to secretref:NAME in the work pool instead of the block`,
    );
  }
  // Unset fields (null, an empty credential_kwargs) are as if absent; anything else set is checked by the job configuration's schema.
  return Object.fromEntries(Object.entries(data).filter(([field, item]) => !secretFields.includes(field) && item !== null && !isEmptyObject(item)));
}

function isEmptyObject(value: unknown): boolean {
  return isPlainObject(value) && Object.keys(value).length === 0;
}

function assertNoNestedReference(variable: string, value: unknown, path = variable): void {
  if (Array.isArray(value)) value.forEach((item, index) => assertNoNestedReference(variable, item, `${path}[${index}]`));
  else if (isPlainObject(value)) {
    for (const [key, item] of Object.entries(value)) {
      const reference = blockReferenceOf(item);
      if (reference) throw new BlockResolutionError(`${path}.${key} refers to Prefect ${describeReference(reference)}; aci-flow reads blocks only as the whole value of ${Object.keys(BLOCK_VARIABLES).join(' or ')}`);
      assertNoNestedReference(variable, item, `${path}.${key}`);
    }
  }
}

async function readBlockDocument(api: PrefectApi, reference: BlockReference, includeSecrets: boolean): Promise<Schemas['BlockDocument']> {
  const result =
    reference.kind === 'id'
      ? await api.GET('/block_documents/{id}', { params: { path: { id: reference.id }, query: { include_secrets: includeSecrets } } })
      : await api.GET('/block_types/slug/{slug}/block_documents/name/{block_document_name}', {
          params: { path: { slug: reference.type, block_document_name: reference.name }, query: { include_secrets: includeSecrets } },
        });
  if (result.response.status === 404 || result.response.status === 422) {
    throw new BlockResolutionError(`Prefect ${describeReference(reference)} does not exist (or is not readable with this API key)`);
  }
  return ok(`read ${describeReference(reference)}`, result);
}

/** Prefect lists a block's secret fields in its schema (`fields.secret_fields`). */
function secretFieldsOf(schema: Schemas['BlockDocument']['block_schema']): string[] {
  const fields = schema?.fields as { secret_fields?: unknown } | undefined;
  return Array.isArray(fields?.secret_fields) ? fields.secret_fields.filter((field): field is string => typeof field === 'string').map((field) => field.split('.')[0] ?? field) : [];
}
