/**
 * The syntax of a Prefect block reference in a pool's variables or a run's values: `{"$ref":
 * {"block_document_id": "<id>"}}` and `"{{ prefect.blocks.<type slug>.<name> }}"`. Declared here,
 * below everything that meets one: the Prefect bridge resolves them through the Prefect API
 * (src/prefect/blocks.ts); a pool rendered without that API refuses them by name (poolConfig.ts).
 */
import { ConfigError } from './errors';
import { isPlainObject } from './objects';

export type BlockReference = { kind: 'id'; id: string } | { kind: 'name'; type: string; name: string };

const PLACEHOLDER = /^\{\{\s*prefect\.blocks\.([A-Za-z0-9_-]+)\.([A-Za-z0-9_-]+)\s*\}\}$/;

/** The block a value refers to, or undefined for a plain value; a `$ref` without an id is a ConfigError. */
export function blockReferenceOf(value: unknown): BlockReference | undefined {
  if (typeof value === 'string') {
    const match = PLACEHOLDER.exec(value.trim());
    // Both groups are mandatory in PLACEHOLDER: a match has them.
    return match ? { kind: 'name', type: match[1]!, name: match[2]! } : undefined;
  }
  if (!isPlainObject(value) || !('$ref' in value)) return undefined;
  const ref = value.$ref;
  const id = isPlainObject(ref) ? ref.block_document_id : ref;
  if (typeof id !== 'string' || id.trim() === '') throw new ConfigError('', `a "$ref" without a block_document_id: ${JSON.stringify(value)}`);
  return { kind: 'id', id };
}

export function describeReference(reference: BlockReference): string {
  return reference.kind === 'id' ? `block document ${reference.id}` : `block prefect.blocks.${reference.type}.${reference.name}`;
}

/** The variables whose defaults in a base job template refer to a Prefect block. */
export function blockReferencesInDefaults(properties: Record<string, unknown>): Array<{ variable: string; reference: BlockReference }> {
  const found: Array<{ variable: string; reference: BlockReference }> = [];
  for (const [variable, schema] of Object.entries(properties)) {
    if (!isPlainObject(schema) || !('default' in schema)) continue;
    const reference = blockReferenceOf(schema.default);
    if (reference) found.push({ variable, reference });
  }
  return found;
}

/**
 * What a reference to a Prefect block means where no Prefect API resolves it: the message
 * names the variable and the block and the three ways out, so nothing is silently ignored.
 */
export function unresolvedBlockError(variable: string, reference: BlockReference): ConfigError {
  const own =
    variable === 'aci_credentials'
      ? "remove the reference to deploy with the worker's own identity (DefaultAzureCredential), or write client_id, tenant_id and client_secret (as secretref:NAME) in its place"
      : 'write the registry fields in its place (a password as secretref:NAME), or remove it';
  return new ConfigError(
    variable,
    `refers to Prefect ${describeReference(reference)}, and no Prefect API is configured to read it: set PREFECT_API_URL (or a Prefect profile) for the aci-flow worker and this command, ${own}, or run the pool with aci-flow prefect-worker`,
  );
}
