/**
 * Says in the worker's log when Temporal becomes unreachable and when it is back. The SDK
 * reconnects by itself (pollers and heartbeats retry), but its own messages are per-call
 * poll warnings that never say the outage ended; an operator needs both edges.
 */

export interface ConnectionWatchOptions {
  /** host:port, for the messages. */
  address: string;
  /** One cheap round trip to the server; rejects when it is unreachable. */
  check: () => Promise<unknown>;
  warn: (message: string) => void;
  info: (message: string) => void;
  /** Pause between checks (default 5 s). */
  intervalMs?: number;
  /** A check that takes longer counts as unreachable (default 5 s). */
  timeoutMs?: number;
}

export interface ConnectionWatch {
  /** The last check's answer (true until a check failed). */
  reachable(): boolean;
  stop(): void;
}

/** Checks the connection every `intervalMs` and logs only when reachability changes. */
export function watchConnection(options: ConnectionWatchOptions): ConnectionWatch {
  const { address, check, warn, info, intervalMs = 5_000, timeoutMs = 5_000 } = options;
  let reachable = true;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;

  const once = async () => {
    try {
      await withTimeout(check(), timeoutMs);
      if (!reachable && !stopped) info(`reconnected to Temporal at ${address}`);
      reachable = true;
    } catch (err) {
      if (reachable && !stopped) {
        warn(`lost connection to Temporal at ${address}: ${err instanceof Error ? err.message : String(err)}; retrying`);
      }
      reachable = false;
    }
  };
  const schedule = () => {
    if (stopped) return;
    // Checks never overlap: the next one is scheduled after the previous one settled.
    timer = setTimeout(() => void once().finally(schedule), intervalMs);
    // The watch must not keep a worker process alive after the worker stopped.
    timer.unref();
  };
  schedule();
  return {
    reachable: () => reachable,
    stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
    },
  };
}

async function withTimeout<T>(promise: Promise<T>, timeoutMs: number): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${timeoutMs / 1000} s`)), timeoutMs);
  });
  try {
    return await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}
