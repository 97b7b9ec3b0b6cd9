/**
 * The one clock of the worker's timing code (the ARM budget, the poll schedule, the activities)
 * and the one abortable sleep. Code takes a Clock instead of calling Date.now and setTimeout,
 * so tests drive time with test/helpers/fakeClock.ts instead of waiting.
 */

export interface Clock {
  /** Epoch milliseconds. */
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

/** The part of AbortSignal a sleep needs; the Azure pipeline hands out this shape. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

/** An error named AbortError, as fetch and the Azure SDKs throw when their signal aborts. */
export function abortError(message = 'The operation was aborted.'): Error {
  const error = new Error(message);
  error.name = 'AbortError';
  return error;
}

/**
 * Resolves after `ms` on `clock`; rejects with an AbortError when `signal` aborts first.
 * `.catch(() => undefined)` turns it into a wait that ends early on abort.
 */
export function sleep(ms: number, signal?: AbortSignalLike, clock: Clock = systemClock): Promise<void> {
  return new Promise<void>((resolve, reject) => {
    if (signal?.aborted) return reject(abortError());
    const onAbort = (): void => {
      // Removed on abort too: a listener left on an aborted AbortSignal.any() keeps that
      // signal, and all its listeners capture, alive for the life of the process (Node 20).
      signal?.removeEventListener('abort', onAbort);
      cancel();
      reject(abortError());
    };
    const cancel = clock.setTimer(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort);
  });
}
