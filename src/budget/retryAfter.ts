/** Anything with case-insensitive header lookup, like core-rest-pipeline's HttpHeaders. */
export interface HeaderLookup {
  get(name: string): string | undefined;
}

/**
 * How long Azure asked us to wait, in ms. ARM sends `Retry-After` in seconds (or as an HTTP
 * date); some services send `x-ms-retry-after-ms` / `retry-after-ms`, which are more precise
 * and therefore win.
 */
export function retryAfterMsFromHeaders(headers: HeaderLookup, now: () => number = Date.now): number | undefined {
  for (const name of ['x-ms-retry-after-ms', 'retry-after-ms']) {
    const ms = nonNegativeNumber(headers.get(name));
    if (ms !== undefined) return ms;
  }
  const retryAfter = headers.get('retry-after')?.trim();
  if (!retryAfter) return undefined;
  // A number is seconds (a negative one is invalid, not a date in year -1).
  if (/^[-+.\d]+$/.test(retryAfter)) {
    const seconds = nonNegativeNumber(retryAfter);
    return seconds === undefined ? undefined : seconds * 1000;
  }
  const date = Date.parse(retryAfter);
  return Number.isFinite(date) ? Math.max(0, date - now()) : undefined;
}

function nonNegativeNumber(value: string | undefined): number | undefined {
  if (value === undefined || value.trim() === '') return undefined;
  const parsed = Number(value);
  return Number.isFinite(parsed) && parsed >= 0 ? parsed : undefined;
}
