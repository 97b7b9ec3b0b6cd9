/**
 * How a response is compared with a published `x-ms-examples` response: the example's keys must
 * be there with the same JSON types; values may differ (ids, times and names are the emulator's).
 */

/** Where `actual` lacks a key of `expected` (other than `ignoredKeys`), or has another JSON type there. Arrays compare their first elements. */
export function shapeDifferences(expected: unknown, actual: unknown, ignoredKeys: ReadonlySet<string> = new Set(), at = ''): string[] {
  const kind = (value: unknown) => (Array.isArray(value) ? 'array' : value === null ? 'null' : typeof value);
  if (kind(expected) !== kind(actual)) return [`${at || '/'}: ${kind(expected)} in the example, ${kind(actual)} from the emulator`];
  if (Array.isArray(expected) && Array.isArray(actual)) {
    return expected.length > 0 && actual.length > 0 ? shapeDifferences(expected[0], actual[0], ignoredKeys, `${at}/0`) : [];
  }
  if (kind(expected) !== 'object') return [];
  const actualObject = actual as Record<string, unknown>;
  return Object.entries(expected as Record<string, unknown>).flatMap(([key, value]) => {
    if (ignoredKeys.has(key)) return [];
    if (!(key in actualObject)) return [`${at}/${key}: in the example, missing from the emulator`];
    return shapeDifferences(value, actualObject[key], ignoredKeys, `${at}/${key}`);
  });
}
