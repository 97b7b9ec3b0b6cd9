/**
 * One ARM budget shared by every flow run a worker drives. Azure Resource Manager throttles
 * per subscription with token buckets (reads, writes, deletes); staying below its refill
 * rates means we never draw 429s, and when one arrives anyway its Retry-After pauses the
 * matching bucket for everyone instead of each run hammering on its own.
 */
import { type AciFlowMetrics, noopMetrics } from '../shared/metrics';

export type ArmRequestKind = 'read' | 'write' | 'delete';

export interface ArmLimits {
  readsPerSecond: number;
  writesPerSecond: number;
  deletesPerSecond: number;
  /** Requests that may go out back to back before the rate applies (bucket size). */
  burst: number;
}

/** Below ARM's refill rates (reads ~25/s, writes ~10/s, deletes ~10/s) to leave room for other clients. */
export const DEFAULT_ARM_LIMITS: ArmLimits = { readsPerSecond: 20, writesPerSecond: 8, deletesPerSecond: 8, burst: 20 };

/** Pause used when a 429 arrives without any Retry-After header. */
const DEFAULT_THROTTLE_PAUSE_MS = 1000;

/** The part of AbortSignal the limiter needs; the Azure pipeline hands out this shape. */
export interface AbortSignalLike {
  readonly aborted: boolean;
  addEventListener(type: 'abort', listener: () => void): void;
  removeEventListener(type: 'abort', listener: () => void): void;
}

export interface LimiterClock {
  now(): number;
  /** Resolves after `ms`; rejects with an AbortError when `signal` aborts first. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void>;
}

export function abortError(): Error {
  const error = new Error('The request was aborted while waiting for the ARM request budget.');
  error.name = 'AbortError';
  return error;
}

export const systemClock: LimiterClock = {
  now: () => Date.now(),
  sleep: (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) return reject(abortError());
      const onAbort = (): void => {
        clearTimeout(timer);
        reject(abortError());
      };
      const timer = setTimeout(() => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      }, ms);
      signal?.addEventListener('abort', onAbort);
    }),
};

/**
 * A token bucket that hands out reservations: tokens may go negative, and each caller waits
 * for its own place in line, so waiting callers are served in arrival order without a queue.
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    private readonly ratePerSecond: number,
    private readonly burst: number,
    private readonly clock: LimiterClock,
  ) {
    this.tokens = burst;
    this.refilledAt = clock.now();
  }

  /** Takes one token; returns how long the caller must wait before using it. */
  reserve(): number {
    this.refill();
    this.tokens -= 1;
    const pausedMs = Math.max(0, this.refilledAt - this.clock.now());
    const deficitMs = this.tokens < 0 ? (-this.tokens * 1000) / this.ratePerSecond : 0;
    return pausedMs + deficitMs;
  }

  /** Gives back a reservation the caller did not use (it was aborted while waiting). */
  release(): void {
    this.tokens = Math.min(this.burst, this.tokens + 1);
  }

  /** Azure said "wait": no token is handed out before `ms` from now, and the burst is spent. */
  pauseFor(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.refilledAt) return;
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
    this.refilledAt = until;
  }

  private refill(): void {
    const now = this.clock.now();
    if (now <= this.refilledAt) return;
    this.tokens = Math.min(this.burst, this.tokens + ((now - this.refilledAt) * this.ratePerSecond) / 1000);
    this.refilledAt = now;
  }
}

export interface ArmBudgetUsage {
  /** Requests let through, per kind. */
  granted: Record<ArmRequestKind, number>;
  /** 429 responses reported back, per kind. */
  throttled: Record<ArmRequestKind, number>;
  /** Total time callers spent waiting for a token, per kind. */
  waitedMs: Record<ArmRequestKind, number>;
}

export class ArmRateLimiter {
  private readonly buckets: Record<ArmRequestKind, TokenBucket>;
  private readonly usage: ArmBudgetUsage = {
    granted: { read: 0, write: 0, delete: 0 },
    throttled: { read: 0, write: 0, delete: 0 },
    waitedMs: { read: 0, write: 0, delete: 0 },
  };

  constructor(
    limits: Partial<ArmLimits> = {},
    private readonly clock: LimiterClock = systemClock,
    /** Records each granted request's wait for the budget. */
    private readonly metrics: AciFlowMetrics = noopMetrics,
  ) {
    const effective = { ...DEFAULT_ARM_LIMITS, ...limits };
    for (const [name, value] of Object.entries(effective)) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new RangeError(`ARM limit '${name}' must be a positive number, got ${String(value)}; fix the gateway's limits option.`);
      }
    }
    this.buckets = {
      read: new TokenBucket(effective.readsPerSecond, effective.burst, clock),
      write: new TokenBucket(effective.writesPerSecond, effective.burst, clock),
      delete: new TokenBucket(effective.deletesPerSecond, effective.burst, clock),
    };
  }

  /** Waits until a request of this kind fits the budget; rejects with AbortError when `signal` aborts. */
  async acquire(kind: ArmRequestKind, signal?: AbortSignalLike): Promise<void> {
    if (signal?.aborted) throw abortError();
    const bucket = this.buckets[kind];
    const waitMs = bucket.reserve();
    if (waitMs > 0) {
      try {
        await this.clock.sleep(waitMs, signal);
      } catch (err) {
        bucket.release();
        throw err;
      }
      this.usage.waitedMs[kind] += waitMs;
    }
    this.usage.granted[kind] += 1;
    this.metrics.armBudgetWait(kind, waitMs / 1000);
  }

  /** Azure answered 429: hold every request of this kind until its Retry-After has passed. */
  throttled(kind: ArmRequestKind, retryAfterMs: number | undefined): void {
    this.usage.throttled[kind] += 1;
    this.buckets[kind].pauseFor(retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS);
  }

  usageSnapshot(): ArmBudgetUsage {
    return {
      granted: { ...this.usage.granted },
      throttled: { ...this.usage.throttled },
      waitedMs: { ...this.usage.waitedMs },
    };
  }
}

/** ARM counts GET/HEAD as reads, DELETE as deletes and everything else (PUT, PATCH, POST) as writes. */
export function armRequestKind(method: string): ArmRequestKind {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return 'read';
  if (upper === 'DELETE') return 'delete';
  return 'write';
}
