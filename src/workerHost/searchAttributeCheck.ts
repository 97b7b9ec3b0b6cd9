/**
 * The worker refuses to start on a namespace that lacks aci-flow's search attributes: every
 * flow-run start would fail with an error that names none of them. It names the missing ones
 * and the command that registers them.
 */
import type { NativeConnection } from '@temporalio/worker';
import { ALL_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/definitions';

export class MissingSearchAttributesError extends Error {
  constructor(
    readonly namespace: string,
    readonly missing: string[],
  ) {
    super(
      `namespace "${namespace}" lacks the search attributes aci-flow uses: ${missing.join(', ')}. Register them, then start the worker again:\n` +
        registerCommands(namespace, missing).join('\n') +
        '\n(Temporal Cloud: tcld namespace search-attributes add, or the Cloud UI, with the same names and types.)',
    );
    this.name = 'MissingSearchAttributesError';
  }
}

export function registerCommands(namespace: string, names: string[]): string[] {
  return ALL_SEARCH_ATTRIBUTES.filter((key) => names.includes(key.name)).map(
    (key) => `  temporal operator search-attribute create --namespace ${namespace} --name ${key.name} --type ${SEARCH_ATTRIBUTE_CLI_TYPES[key.type]}`,
  );
}

/**
 * Throws MissingSearchAttributesError when any is missing. When the namespace's attributes
 * cannot be listed (a principal without that permission), it warns and lets the worker start.
 */
export async function checkSearchAttributes(connection: NativeConnection, namespace: string, warn: (message: string) => void): Promise<void> {
  let registered: Set<string>;
  try {
    const response = await connection.operatorService.listSearchAttributes({ namespace });
    registered = new Set([...Object.keys(response.customAttributes ?? {}), ...Object.keys(response.systemAttributes ?? {})]);
  } catch (err) {
    warn(`could not list the search attributes of namespace ${namespace} (${err instanceof Error ? err.message : String(err)}); not checked`);
    return;
  }
  const missing = ALL_SEARCH_ATTRIBUTES.map((key) => key.name).filter((name) => !registered.has(name));
  if (missing.length > 0) throw new MissingSearchAttributesError(namespace, missing);
}
