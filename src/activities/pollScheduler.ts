/**
 * When each flow run a worker watches may poll Azure next. ARM throttles reads per
 * subscription, so a worker cannot let every run poll on its own timer: R runs polling every
 * 5 s with logs streaming ask for 0.4·R reads/s, sixteen times ARM's budget at R = 1000.
 *
 * - `adaptive` (default): one read budget B shared by all runs. Runs wait in one queue,
 *   ordered by when they may poll again, and are released at most B reads per second, so each
 *   run polls every max(minInterval, R·readsPerPoll/B) seconds, start times stay spread out and
 *   a steady state draws no 429s. A run leaving or cancelled gives its share back at once.
 *   At most one second's worth of polls is out at a time (a run's poll lasts until it asks for
 *   the next one or leaves): when deployments and deletes fill the ARM limiter, polls wait
 *   here, in fair order, instead of piling up in the limiter and reading stale state late.
 * - `fixed` (the Prefect worker's behaviour): each run polls every minInterval, no shared budget.
 */
import { z } from 'zod';
import { DEFAULT_ARM_LIMITS } from '../azure/rateLimiter';
import { ConfigError } from '../config/errors';

export const POLL_STRATEGIES = ['adaptive', 'fixed'] as const;
export const pollStrategySchema = z.enum(POLL_STRATEGIES);
export type PollStrategy = z.infer<typeof pollStrategySchema>;

export const POLL_STRATEGY_ENV = 'ACI_FLOW_POLL_STRATEGY';
export const DEFAULT_POLL_STRATEGY: PollStrategy = 'adaptive';

/**
 * Status polls get this share of the worker's ARM read limit; the rest is left for the reads
 * of deployments and deletes (existence checks, long-running-operation polls), which go
 * through the same limiter and would otherwise queue behind the polls.
 */
export const POLL_SHARE_OF_READ_LIMIT = 0.8;

/** Polls out at once, in seconds of budget: enough to keep the budget busy when ARM answers slowly. */
const IN_FLIGHT_SECONDS = 1;

/** Past polls remembered per run key, so a run moving from waitForStart to watch keeps its place. */
const REMEMBERED_RUNS = 10_000;

export interface SchedulerClock {
  now(): number;
  /** Calls `callback` after `ms`; returns a function that cancels it. */
  setTimer(callback: () => void, ms: number): () => void;
}

export const systemSchedulerClock: SchedulerClock = {
  now: () => Date.now(),
  setTimer: (callback, ms) => {
    const timer = setTimeout(callback, ms);
    return () => clearTimeout(timer);
  },
};

export interface PollSchedulerOptions {
  strategy?: PollStrategy;
  /** The worker's ARM read limit (reads/s); polls share POLL_SHARE_OF_READ_LIMIT of it. Adaptive only. */
  armReadsPerSecond?: number;
  clock?: SchedulerClock;
}

export interface RunPollOptions {
  /** Never poll this run more often than this (task_watch_poll_interval). */
  minIntervalMs: number;
  /** ARM reads one poll costs: 1 for the group GET, 2 when the logs are read too. */
  readsPerPoll: number;
}

/** One run's place in the schedule, from the activity's start to its end. */
export interface RunPolls {
  /**
   * Resolves when the run may make its next poll (the first at once, unless the budget is
   * spent). Rejects with the signal's reason when `signal` aborts first; the slot goes to the next run.
   */
  next(signal?: AbortSignal): Promise<void>;
  /** Gives the run's share of the budget back; call it when the activity ends, however it ends. */
  leave(): void;
}

export interface PollScheduler {
  readonly strategy: PollStrategy;
  /** Reads per second all polls may spend together (Infinity for `fixed`). */
  readonly readsPerSecond: number;
  join(runKey: string, options: RunPollOptions): RunPolls;
  /** Runs currently sharing the budget. */
  activeRuns(): number;
  /** How often a run with these options polls at the current load: max(minInterval, R·readsPerPoll/B). */
  intervalMs(options: RunPollOptions): number;
}

/** Reads ACI_FLOW_POLL_STRATEGY; unset or empty means the default. */
export function pollStrategyFromEnv(env: NodeJS.ProcessEnv = process.env): PollStrategy {
  const raw = env[POLL_STRATEGY_ENV]?.trim();
  if (!raw) return DEFAULT_POLL_STRATEGY;
  const parsed = pollStrategySchema.safeParse(raw);
  if (parsed.success) return parsed.data;
  throw new ConfigError(
    POLL_STRATEGY_ENV,
    `must be one of ${POLL_STRATEGIES.map((name) => `'${name}'`).join(', ')}, got '${raw}'; unset it for the default ('${DEFAULT_POLL_STRATEGY}')`,
  );
}

export function createPollScheduler(options: PollSchedulerOptions = {}): PollScheduler {
  const strategy = options.strategy ?? DEFAULT_POLL_STRATEGY;
  const armReadsPerSecond = options.armReadsPerSecond ?? DEFAULT_ARM_LIMITS.readsPerSecond;
  if (!(Number.isFinite(armReadsPerSecond) && armReadsPerSecond > 0)) {
    throw new RangeError(`armReadsPerSecond must be a positive number, got ${String(armReadsPerSecond)}; pass the worker's ARM read limit.`);
  }
  const readsPerSecond = strategy === 'adaptive' ? armReadsPerSecond * POLL_SHARE_OF_READ_LIMIT : Infinity;
  return new QueuedPollScheduler(strategy, readsPerSecond, options.clock ?? systemSchedulerClock);
}

interface Member {
  readonly key: string;
  readonly options: RunPollOptions;
  lastPollAt?: number;
  waiting?: Waiter;
  /** Released and not yet back (it asks for its next poll or leaves when its reads are done). */
  polling: boolean;
  left: boolean;
}

interface Waiter {
  readonly member: Member;
  readonly eligibleAt: number;
  readonly order: number;
  release(): void;
  abandon(reason: unknown): void;
}

class QueuedPollScheduler implements PollScheduler {
  private readonly members = new Set<Member>();
  private readonly lastPollByKey = new Map<string, number>();
  private queue: Waiter[] = [];
  private nextSlotAt = -Infinity;
  private arrivals = 0;
  private inFlightReads = 0;
  private readonly maxInFlightReads: number;
  private cancelTimer: (() => void) | undefined;

  constructor(
    readonly strategy: PollStrategy,
    readonly readsPerSecond: number,
    private readonly clock: SchedulerClock,
  ) {
    this.maxInFlightReads = Math.max(2, readsPerSecond * IN_FLIGHT_SECONDS);
  }

  join(runKey: string, options: RunPollOptions): RunPolls {
    if (!(Number.isFinite(options.minIntervalMs) && options.minIntervalMs >= 0)) {
      throw new RangeError(`minIntervalMs of run ${runKey} must be a non-negative number, got ${String(options.minIntervalMs)}`);
    }
    if (!(Number.isFinite(options.readsPerPoll) && options.readsPerPoll > 0)) {
      throw new RangeError(`readsPerPoll of run ${runKey} must be a positive number, got ${String(options.readsPerPoll)}`);
    }
    const member: Member = { key: runKey, options, lastPollAt: this.lastPollByKey.get(runKey), polling: false, left: false };
    this.lastPollByKey.delete(runKey);
    this.members.add(member);
    return {
      next: (signal) => this.next(member, signal),
      leave: () => this.leave(member),
    };
  }

  activeRuns(): number {
    return this.members.size;
  }

  intervalMs(options: RunPollOptions): number {
    let readsPerRound = 0;
    for (const member of this.members) readsPerRound += member.options.readsPerPoll;
    return Math.max(options.minIntervalMs, (readsPerRound * 1000) / this.readsPerSecond);
  }

  private next(member: Member, signal: AbortSignal | undefined): Promise<void> {
    if (member.left) return Promise.reject(new Error(`run ${member.key} left the poll schedule; join again to poll`));
    if (member.waiting) return Promise.reject(new Error(`run ${member.key} is already waiting for its next poll`));
    this.pollDone(member);
    if (signal?.aborted) {
      this.pump();
      return Promise.reject(abortReason(signal));
    }
    return new Promise<void>((resolve, reject) => {
      const onAbort = () => waiter.abandon(abortReason(signal));
      const settle = () => {
        signal?.removeEventListener('abort', onAbort);
        member.waiting = undefined;
        this.queue = this.queue.filter((queued) => queued !== waiter);
      };
      const waiter: Waiter = {
        member,
        // A run's first poll queues behind the runs already waiting: newcomers must not starve them during a ramp-up.
        eligibleAt: member.lastPollAt === undefined ? this.clock.now() : member.lastPollAt + member.options.minIntervalMs,
        order: this.arrivals++,
        release: () => {
          settle();
          resolve();
        },
        abandon: (reason) => {
          settle();
          reject(reason);
          this.pump();
        },
      };
      signal?.addEventListener('abort', onAbort, { once: true });
      member.waiting = waiter;
      this.queue.push(waiter);
      this.pump();
    });
  }

  private leave(member: Member): void {
    if (member.left) return;
    member.left = true;
    this.members.delete(member);
    member.waiting?.abandon(new Error(`run ${member.key} left the poll schedule while waiting for a poll`));
    if (member.lastPollAt !== undefined) this.remember(member.key, member.lastPollAt);
    if (this.pollDone(member)) this.pump();
  }

  /** The member's last poll has finished its reads; returns whether one was out. */
  private pollDone(member: Member): boolean {
    if (!member.polling) return false;
    member.polling = false;
    this.inFlightReads -= member.options.readsPerPoll;
    return true;
  }

  private remember(key: string, lastPollAt: number): void {
    this.lastPollByKey.set(key, lastPollAt);
    if (this.lastPollByKey.size > REMEMBERED_RUNS) {
      const oldest = this.lastPollByKey.keys().next().value;
      if (oldest !== undefined) this.lastPollByKey.delete(oldest);
    }
  }

  /** Releases every run whose turn has come, then sleeps until the next turn. */
  private pump(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    for (;;) {
      const head = this.earliest();
      if (!head) return;
      // Full: the next poll to come back (next() or leave()) pumps again.
      if (this.inFlightReads > 0 && this.inFlightReads + head.member.options.readsPerPoll > this.maxInFlightReads) return;
      const now = this.clock.now();
      const releaseAt = Math.max(head.eligibleAt, this.nextSlotAt);
      if (releaseAt > now) {
        this.cancelTimer = this.clock.setTimer(() => this.pump(), releaseAt - now);
        return;
      }
      const costMs = (head.member.options.readsPerPoll * 1000) / this.readsPerSecond;
      // A late timer may catch up one slot, never a backlog: that would bunch the polls.
      this.nextSlotAt = Math.max(releaseAt, now - costMs) + costMs;
      head.member.lastPollAt = now;
      head.member.polling = true;
      this.inFlightReads += head.member.options.readsPerPoll;
      head.release();
    }
  }

  private earliest(): Waiter | undefined {
    let best: Waiter | undefined;
    for (const waiter of this.queue) {
      if (!best || waiter.eligibleAt < best.eligibleAt || (waiter.eligibleAt === best.eligibleAt && waiter.order < best.order)) {
        best = waiter;
      }
    }
    return best;
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('Waiting for the next poll was aborted.');
  error.name = 'AbortError';
  return error;
}
