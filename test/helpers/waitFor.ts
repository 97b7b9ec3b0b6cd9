/**
 * The one way tests wait: poll an observable condition until it holds, never sleep a fixed
 * time and hope. Light on imports so unit, integration and e2e tests can all use it.
 */

export interface WaitForOptions {
  /** Give up after this long (default 30 s): generous, because the machine may be loaded. */
  timeoutMs?: number;
  /** Pause between checks (default 100 ms). */
  intervalMs?: number;
  /** What was last seen, for the timeout message (e.g. the last status, the output so far). */
  lastSeen?: () => string;
}

/**
 * Calls `check` until it returns something other than `false`, `undefined` or `null`, and
 * returns that value. Errors thrown by `check` propagate: catch the expected ones inside it.
 */
export async function waitFor<T>(
  check: () => T | false | undefined | null | Promise<T | false | undefined | null>,
  what: string,
  options: WaitForOptions = {},
): Promise<T> {
  const { timeoutMs = 30_000, intervalMs = 100, lastSeen } = options;
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== undefined && value !== null) return value;
    if (Date.now() >= deadline) {
      throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what}${lastSeen ? `; last seen: ${lastSeen()}` : ''}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
