/**
 * The ARM budget a worker spends, kept per subscription: Azure Resource Manager throttles per
 * subscription with token buckets (reads, writes, deletes) that every client of the
 * subscription drains together — this worker's runs, its sibling workers, anyone's CI. Each
 * (subscription, class) gets a local token bucket whose rate a BudgetController steers from
 * the remaining count ARM reports, under the static limits as a ceiling; a 429's Retry-After
 * pauses the matching bucket for every caller instead of each run hammering on its own.
 *
 * Keyed by subscription, not region: ARM's newer throttling counts per subscription and ARM
 * region, but a worker process reaches one ARM region (the one nearest to it), so within one
 * process the two keys coincide, and the headers it reads come from that region's bucket.
 */
import { abortError, type AbortSignalLike, type Clock, systemClock } from '../common/clock';
import { type AciFlowMetrics, noopMetrics } from '../common/metrics';
import { ARM_REFILL_PER_SECOND, BudgetController, DEFAULT_CONTROLLER_SETTINGS, type BudgetControllerSettings } from './budgetController';

export type ArmRequestKind = 'read' | 'write' | 'delete';

export interface ArmLimits {
  readsPerSecond: number;
  writesPerSecond: number;
  deletesPerSecond: number;
  /** Requests that may go out back to back before the rate applies (bucket size). */
  burst: number;
}

/** The ceiling each worker's steered rate stays under; below ARM's refill rates (reads ~25/s, writes ~10/s, deletes ~10/s). */
export const DEFAULT_ARM_LIMITS: ArmLimits = { readsPerSecond: 20, writesPerSecond: 8, deletesPerSecond: 8, burst: 20 };

/** Pause used when a 429 arrives without any Retry-After header. */
const DEFAULT_THROTTLE_PAUSE_MS = 1000;

/** Why a request that waited for the budget did not get it. */
function budgetAbortError(): Error {
  return abortError('The request was aborted while waiting for the ARM request budget.');
}

/**
 * Who goes first when several requests wait for the same budget: a higher priority is served
 * before any lower one, equal priorities in arrival order. ARM budgets are per class (reads,
 * writes, deletes), so priorities compete only within one class of one subscription.
 */
export const ARM_PRIORITY = {
  /** New deployments, polls, everything not named below. */
  routine: 0,
  /** A finished run's cleanup (delete or stop of its container group). */
  cleanup: 1,
  /**
   * An urgent state poll (an exit hint, a run's first look after deploy, the final read of an
   * exit already seen): the scheduler put it first, so it must not queue behind routine reads.
   */
  urgentPoll: 1,
  /** A cancelled run's cleanup: the user is waiting for it (docs/design.md, "ARM budget and polling": target p95 ≤ 5 s). */
  cancel: 2,
} as const;

interface Waiter {
  priority: number;
  seq: number;
  enqueuedAt: number;
  resolve: (waitedMs: number) => void;
  reject: (err: Error) => void;
  signal?: AbortSignalLike;
  onAbort?: () => void;
}

/** Tolerance for the floating-point refill arithmetic: a token this close to whole is whole. */
const WHOLE_TOKEN = 1 - 1e-9;

/**
 * A token bucket with a queue: a request takes a token at once when one is there and nobody
 * waits, otherwise it joins the queue, ordered by priority, then arrival. One timer serves the
 * head whenever a token is due, so a rate change or a pause applies to every waiting request
 * at once (a waiter never keeps a wait computed at an older, lower rate).
 */
export class TokenBucket {
  private tokens: number;
  private refilledAt: number;
  private readonly queue: Waiter[] = [];
  private seq = 0;
  private cancelTimer: (() => void) | undefined;

  constructor(
    private ratePerSecond: number,
    private burst: number,
    private readonly clock: Clock,
  ) {
    this.tokens = burst;
    this.refilledAt = clock.now();
  }

  /** New rate and bucket size from now on, for waiting requests too. */
  setRate(ratePerSecond: number, burst: number): void {
    this.refill();
    this.ratePerSecond = ratePerSecond;
    this.burst = burst;
    this.tokens = Math.min(this.tokens, burst);
    this.schedule();
  }

  /** Resolves with how long the caller waited (ms) once it holds a token; rejects with AbortError when `signal` aborts first. */
  take(priority: number, signal?: AbortSignalLike): Promise<number> {
    if (signal?.aborted) return Promise.reject(budgetAbortError());
    this.refill();
    if (this.queue.length === 0 && this.clock.now() >= this.refilledAt && this.tokens >= WHOLE_TOKEN) {
      this.tokens -= 1;
      return Promise.resolve(0);
    }
    return new Promise<number>((resolve, reject) => {
      const waiter: Waiter = { priority, seq: this.seq++, enqueuedAt: this.clock.now(), resolve, reject, signal };
      if (signal) {
        waiter.onAbort = () => {
          // See sleep() in common/clock: an aborted signal must not keep its listener either.
          signal.removeEventListener('abort', waiter.onAbort as () => void);
          const index = this.queue.indexOf(waiter);
          if (index < 0) return;
          this.queue.splice(index, 1);
          reject(budgetAbortError());
          this.schedule();
        };
        signal.addEventListener('abort', waiter.onAbort);
      }
      // Behind every waiter of at least its priority, ahead of every lower one.
      let index = this.queue.length;
      while (index > 0 && this.queue[index - 1]!.priority < priority) index -= 1;
      this.queue.splice(index, 0, waiter);
      this.schedule();
    });
  }

  /** How many requests wait for a token now. */
  get waiting(): number {
    return this.queue.length;
  }

  /** Azure said "wait": no token is handed out before `ms` from now, and the burst is spent. */
  pauseFor(ms: number): void {
    const until = this.clock.now() + ms;
    if (until <= this.refilledAt) return;
    this.refill();
    this.tokens = Math.min(this.tokens, 0);
    this.refilledAt = until;
    this.schedule();
  }

  /** Serves the head of the queue while tokens last, then sleeps until the next token is due. */
  private schedule(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    this.refill();
    const now = this.clock.now();
    while (this.queue.length > 0 && now >= this.refilledAt && this.tokens >= WHOLE_TOKEN) {
      const waiter = this.queue.shift() as Waiter;
      this.tokens -= 1;
      if (waiter.onAbort) waiter.signal?.removeEventListener('abort', waiter.onAbort);
      waiter.resolve(now - waiter.enqueuedAt);
    }
    if (this.queue.length === 0) return;
    const dueInMs = Math.max(this.refilledAt - now, 0) + (Math.max(0, 1 - this.tokens) * 1000) / this.ratePerSecond;
    this.cancelTimer = this.clock.setTimer(() => {
      this.cancelTimer = undefined;
      this.schedule();
    }, dueInMs);
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

/** Called when a worker's steered rate for one subscription's bucket changes. */
export type RateListener = (change: { kind: ArmRequestKind; subscriptionId: string; ratePerSecond: number }) => void;

const KINDS: readonly ArmRequestKind[] = ['read', 'write', 'delete'];

interface SubscriptionBudget {
  buckets: Record<ArmRequestKind, TokenBucket>;
  controllers: Record<ArmRequestKind, BudgetController>;
}

export interface ArmRateLimiterOptions {
  /** Static ceilings (ACI_FLOW_ARM_*); the steered rates never exceed them (default DEFAULT_ARM_LIMITS). */
  limits?: Partial<ArmLimits>;
  /** Default: the system clock. */
  clock?: Clock;
  /** Records each granted request's wait for the budget (default: not recorded). */
  metrics?: AciFlowMetrics;
  /** false: ignore ARM's remaining-budget headers and keep the static limits alone (default true). */
  steering?: boolean;
  /** Controller tuning; `refillPerSecond` per class defaults to ARM's documented rates. */
  controller?: Partial<Omit<BudgetControllerSettings, 'refillPerSecond'>> & { refillPerSecond?: Partial<Record<ArmRequestKind, number>> };
}

export class ArmRateLimiter {
  private readonly limits: ArmLimits;
  private readonly subscriptions = new Map<string, SubscriptionBudget>();
  private readonly listeners = new Set<RateListener>();
  private readonly settings: Record<ArmRequestKind, BudgetControllerSettings>;
  private readonly steering: boolean;
  private readonly usage: ArmBudgetUsage = {
    granted: { read: 0, write: 0, delete: 0 },
    throttled: { read: 0, write: 0, delete: 0 },
    waitedMs: { read: 0, write: 0, delete: 0 },
  };
  private readonly clock: Clock;
  private readonly metrics: AciFlowMetrics;

  constructor(options: ArmRateLimiterOptions = {}) {
    const { limits = {}, clock = systemClock, metrics = noopMetrics, steering = true, controller = {} } = options;
    this.clock = clock;
    this.metrics = metrics;
    this.limits = { ...DEFAULT_ARM_LIMITS, ...limits };
    for (const [name, value] of Object.entries(this.limits)) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new RangeError(`ARM limit '${name}' must be a positive number, got ${String(value)}; fix the gateway's limits option.`);
      }
    }
    const { refillPerSecond, ...tuning } = controller;
    this.steering = steering;
    const refill = { ...ARM_REFILL_PER_SECOND, ...refillPerSecond };
    this.settings = {
      read: { ...DEFAULT_CONTROLLER_SETTINGS, ...tuning, refillPerSecond: refill.read },
      write: { ...DEFAULT_CONTROLLER_SETTINGS, ...tuning, refillPerSecond: refill.write },
      delete: { ...DEFAULT_CONTROLLER_SETTINGS, ...tuning, refillPerSecond: refill.delete },
    };
    // Fail at construction, not at the first request, when the tuning is invalid.
    for (const kind of KINDS) new BudgetController(this.ceiling(kind), this.settings[kind], clock.now());
  }

  /**
   * Waits until a request of this kind fits the subscription's budget; rejects with AbortError
   * when `signal` aborts. Requests outside any subscription share the budget keyed ''. While
   * requests wait, a higher `priority` (ARM_PRIORITY) is served first.
   */
  async acquire(kind: ArmRequestKind, signal?: AbortSignalLike, subscriptionId = '', priority: number = ARM_PRIORITY.routine): Promise<void> {
    const budget = this.budgetOf(subscriptionId);
    const waitMs = await budget.buckets[kind].take(priority, signal);
    this.usage.waitedMs[kind] += waitMs;
    this.usage.granted[kind] += 1;
    budget.controllers[kind].granted();
    this.metrics.armBudgetWait(kind, waitMs / 1000);
  }

  /** A response reported how many requests of this kind the subscription's ARM bucket has left. */
  remaining(kind: ArmRequestKind, remaining: number, subscriptionId = ''): void {
    if (!this.steering) return;
    const budget = this.budgetOf(subscriptionId);
    if (budget.controllers[kind].observe(remaining, this.clock.now())) this.steer(budget, kind, subscriptionId);
  }

  /** Azure answered 429: hold every request of this kind until its Retry-After has passed, and slow down. */
  throttled(kind: ArmRequestKind, retryAfterMs: number | undefined, subscriptionId = ''): void {
    this.usage.throttled[kind] += 1;
    const budget = this.budgetOf(subscriptionId);
    budget.buckets[kind].pauseFor(retryAfterMs ?? DEFAULT_THROTTLE_PAUSE_MS);
    if (this.steering && budget.controllers[kind].throttled(this.clock.now())) this.steer(budget, kind, subscriptionId);
  }

  /**
   * The rate this worker currently allows itself, requests per second: for one subscription,
   * or summed over the subscriptions it has used (the static ceiling before the first request).
   */
  currentRate(kind: ArmRequestKind, subscriptionId?: string): number {
    if (subscriptionId !== undefined) {
      return this.subscriptions.get(subscriptionId.toLowerCase())?.controllers[kind].rate ?? this.ceiling(kind);
    }
    if (this.subscriptions.size === 0) return this.ceiling(kind);
    let total = 0;
    for (const budget of this.subscriptions.values()) total += budget.controllers[kind].rate;
    return total;
  }

  /** Calls `listener` whenever a steered rate changes; returns the function that unsubscribes it. */
  onRateChange(listener: RateListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  usageSnapshot(): ArmBudgetUsage {
    return {
      granted: { ...this.usage.granted },
      throttled: { ...this.usage.throttled },
      waitedMs: { ...this.usage.waitedMs },
    };
  }

  private ceiling(kind: ArmRequestKind): number {
    return kind === 'read' ? this.limits.readsPerSecond : kind === 'write' ? this.limits.writesPerSecond : this.limits.deletesPerSecond;
  }

  private budgetOf(subscriptionId: string): SubscriptionBudget {
    const key = subscriptionId.toLowerCase();
    let budget = this.subscriptions.get(key);
    if (!budget) {
      const now = this.clock.now();
      const make = <T>(build: (kind: ArmRequestKind) => T): Record<ArmRequestKind, T> => ({
        read: build('read'),
        write: build('write'),
        delete: build('delete'),
      });
      budget = {
        buckets: make((kind) => new TokenBucket(this.ceiling(kind), this.limits.burst, this.clock)),
        controllers: make((kind) => new BudgetController(this.ceiling(kind), this.settings[kind], now)),
      };
      this.subscriptions.set(key, budget);
    }
    return budget;
  }

  /** A steered rate also shrinks the burst to at most one second of it, so a fleet's bursts fit the shared bucket. */
  private steer(budget: SubscriptionBudget, kind: ArmRequestKind, subscriptionId: string): void {
    const ratePerSecond = budget.controllers[kind].rate;
    budget.buckets[kind].setRate(ratePerSecond, Math.max(1, Math.min(this.limits.burst, ratePerSecond)));
    for (const listener of this.listeners) listener({ kind, subscriptionId: subscriptionId.toLowerCase(), ratePerSecond });
  }
}

/** ARM counts GET/HEAD as reads, DELETE as deletes and everything else (PUT, PATCH, POST) as writes. */
export function armRequestKind(method: string): ArmRequestKind {
  const upper = method.toUpperCase();
  if (upper === 'GET' || upper === 'HEAD') return 'read';
  if (upper === 'DELETE') return 'delete';
  return 'write';
}

/** The subscription an ARM request URL addresses (lower-cased), or '' for tenant-level requests. */
export function armSubscriptionOf(url: string): string {
  const match = /\/subscriptions\/([^/?#]+)/i.exec(url);
  return match ? decodeURIComponent(match[1]!).toLowerCase() : '';
}
