/**
 * When each flow run a worker watches may poll Azure next. ARM throttles reads per
 * subscription, so a worker cannot let every run poll on its own timer: R runs polling every
 * 5 s with logs streaming ask for 0.4·R reads/s, sixteen times ARM's budget at R = 1000.
 *
 * - `priority` (the default, DEFAULT_POLL_STRATEGY): the shared budget of `adaptive`, spent
 *   where exits are likely. Each turn goes to the waiting run most likely to have exited
 *   since its last poll, per read
 *   (pollPriority.ts, from the durations of its flow's past runs: durationStats.ts). Young runs
 *   of flows that crash early and runs near or past their usual duration are polled up to
 *   every minInterval, mid-life runs less — never less than once per MAX_STRETCH fair
 *   intervals. Until durations are learned it polls exactly like `adaptive`. Under pressure
 *   (the runs' demand at minInterval exceeds the budget) a poll reads the state only and the
 *   logs come at a slower cadence (and always after the exit: watch reads them then).
 * - `adaptive`: one read budget B shared by all runs. Runs wait in one queue,
 *   ordered by when they may poll again, and are released at most B reads per second, so each
 *   run polls every max(minInterval, R·readsPerPoll/B) seconds, start times stay spread out and
 *   a steady state draws no 429s. A run leaving or cancelled gives its share back at once.
 *   At most one second's worth of polls is out at a time (a run's poll lasts until it asks for
 *   the next one or leaves): when deployments and deletes fill the ARM limiter, polls wait
 *   here, in fair order, instead of piling up in the limiter and reading stale state late.
 * - `fixed` (the Prefect worker's behaviour): each run polls every minInterval, no shared budget.
 */
import { z } from 'zod';
import { type Clock, systemClock } from '../common/clock';
import { DEFAULT_ARM_LIMITS } from '../budget/rateLimiter';
import { ConfigError } from '../config/errors';
import { DurationStats } from './durationStats';
import { exitScore, LOG_STRETCH, MIN_LOG_INTERVAL_MS } from './pollPriority';

export const POLL_STRATEGIES = ['priority', 'adaptive', 'fixed'] as const;
export const pollStrategySchema = z.enum(POLL_STRATEGIES);
export type PollStrategy = z.infer<typeof pollStrategySchema>;

export const POLL_STRATEGY_ENV = 'ACI_FLOW_POLL_STRATEGY';
// `priority`: in the steady-state benchmark (N = 1000 kept in flight, K = 3) it found the median
// exit 2.4× sooner than `adaptive` on the same reads, with a p95 no better (docs/benchmark.md).
// In a fresh worker's burst at N = 100 it is slower than `adaptive`, which stays one variable away.
export const DEFAULT_POLL_STRATEGY: PollStrategy = 'priority';

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

export interface PollSchedulerOptions {
  strategy?: PollStrategy;
  /** The worker's ARM read limit (reads/s); polls share POLL_SHARE_OF_READ_LIMIT of it. Not for `fixed`. */
  armReadsPerSecond?: number;
  clock?: Clock;
  /** Learned run durations (default: a new, empty set). */
  durations?: DurationStats;
}

export interface RunPollOptions {
  /** Never poll this run more often than this (task_watch_poll_interval). */
  minIntervalMs: number;
  /** ARM reads every poll costs: 1 for the group GET (2 when the logs are read too and not given as logReadsPerPoll). */
  readsPerPoll: number;
  /** Reads of the log fetch; `priority` leaves them out of most turns under pressure. Default 0. */
  logReadsPerPoll?: number;
  /** The run's flow: its past durations set the run's priority (`priority`). */
  flowName?: string;
  /**
   * Its first poll is urgent (see RunPolls.hinted): an exit hint came for the run, or the poll
   * answers a question the run's exit odds do not weigh (has the container started?).
   */
  urgentFirstPoll?: boolean;
}

/** What one turn may spend. */
export interface PollTurn {
  /** Read the logs too (always true outside `priority` under pressure). */
  withLogs: boolean;
  /** An urgent poll (RunPolls.hinted, urgentFirstPoll): its reads go ahead of routine ones in the ARM budget too. */
  urgent?: boolean;
}

/** One run's place in the schedule, from the activity's start to its end. */
export interface RunPolls {
  /**
   * Resolves when the run may make its next poll (the first at once, unless the budget is
   * spent). Rejects with the signal's reason when `signal` aborts first; the slot goes to the next run.
   */
  next(signal?: AbortSignal): Promise<PollTurn>;
  /** The container started at this epoch ms (its state's startTime): the run's age counts from here. */
  started(atMs: number): void;
  /** The container exited at this epoch ms (default now): teaches its flow's duration. */
  exited(atMs?: number): void;
  /**
   * A sign that the container has probably exited (an exit hint): the run's next poll is
   * urgent — it ignores the minimum interval and goes ahead of every waiting run that is not
   * urgent, at the budget's next free slot (a hint never buys reads beyond the budget).
   */
  hinted(): void;
  /** Gives the run's share of the budget back; call it when the activity ends, however it ends. */
  leave(): void;
}

export interface PollScheduler {
  readonly strategy: PollStrategy;
  /** Reads per second all polls may spend together (Infinity for `fixed`). */
  readonly readsPerSecond: number;
  /** The durations `priority` learns from; shared so a test or the worker can inspect them. */
  readonly durations: DurationStats;
  /** Follows a new ARM read limit (e.g. steered from ARM's remaining-reads headers); ignored by `fixed`. */
  setArmReadsPerSecond(armReadsPerSecond: number): void;
  join(runKey: string, options: RunPollOptions): RunPolls;
  /** Runs currently sharing the budget. */
  activeRuns(): number;
  /** How often a run with these options polls at the current load if all are polled alike: max(minInterval, R·readsPerPoll/B). */
  intervalMs(options: RunPollOptions): number;
  /** The runs ask for more reads at their minimum intervals than the budget holds. */
  underPressure(): boolean;
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
  const scheduler = new QueuedPollScheduler(options.strategy ?? DEFAULT_POLL_STRATEGY, options.clock ?? systemClock, options.durations ?? new DurationStats());
  scheduler.setArmReadsPerSecond(options.armReadsPerSecond ?? DEFAULT_ARM_LIMITS.readsPerSecond);
  return scheduler;
}

interface Member {
  readonly key: string;
  readonly options: Required<Omit<RunPollOptions, 'flowName' | 'urgentFirstPoll'>> & Pick<RunPollOptions, 'flowName'>;
  readonly joinedAt: number;
  /** Where the run's age counts from: the container's start once seen, else its first join. */
  originAt: number;
  lastPollAt?: number;
  lastLogAt?: number;
  waiting?: Waiter;
  /** Reads of the poll released and not yet back (it asks for its next poll or leaves when its reads are done). */
  inFlightReads: number;
  left: boolean;
  /** Its next poll is urgent (an exit hint); cleared when that poll is released. */
  urgent: boolean;
}

interface Remembered {
  originAt: number;
  lastPollAt?: number;
  lastLogAt?: number;
}

interface Load {
  pressure: boolean;
  /** How often each run would poll if all shared the budget alike (state reads only under pressure). */
  fairIntervalMs: number;
}

interface Waiter {
  readonly member: Member;
  /** -Infinity while the member is urgent: it may poll at once, before every other run. */
  eligibleAt: number;
  readonly order: number;
  release(turn: PollTurn): void;
  abandon(reason: unknown): void;
}

class QueuedPollScheduler implements PollScheduler {
  private readonly members = new Set<Member>();
  private readonly remembered = new Map<string, Remembered>();
  private queue: Waiter[] = [];
  private nextSlotAt = -Infinity;
  private arrivals = 0;
  private inFlightReads = 0;
  private maxInFlightReads = 2;
  private cancelTimer: (() => void) | undefined;
  private budget = Infinity;

  constructor(
    readonly strategy: PollStrategy,
    private readonly clock: Clock,
    readonly durations: DurationStats,
  ) {}

  get readsPerSecond(): number {
    return this.budget;
  }

  setArmReadsPerSecond(armReadsPerSecond: number): void {
    if (!(Number.isFinite(armReadsPerSecond) && armReadsPerSecond > 0)) {
      throw new RangeError(`armReadsPerSecond must be a positive number, got ${String(armReadsPerSecond)}; pass the worker's ARM read limit.`);
    }
    if (this.strategy === 'fixed') {
      this.maxInFlightReads = Infinity;
      return;
    }
    this.budget = armReadsPerSecond * POLL_SHARE_OF_READ_LIMIT;
    this.maxInFlightReads = Math.max(2, this.budget * IN_FLIGHT_SECONDS);
    this.pump();
  }

  join(runKey: string, options: RunPollOptions): RunPolls {
    if (!(Number.isFinite(options.minIntervalMs) && options.minIntervalMs >= 0)) {
      throw new RangeError(`minIntervalMs of run ${runKey} must be a non-negative number, got ${String(options.minIntervalMs)}`);
    }
    if (!(Number.isFinite(options.readsPerPoll) && options.readsPerPoll > 0)) {
      throw new RangeError(`readsPerPoll of run ${runKey} must be a positive number, got ${String(options.readsPerPoll)}`);
    }
    const { urgentFirstPoll, ...rest } = options;
    const logReadsPerPoll = options.logReadsPerPoll ?? 0;
    if (!(Number.isFinite(logReadsPerPoll) && logReadsPerPoll >= 0)) {
      throw new RangeError(`logReadsPerPoll of run ${runKey} must be a non-negative number, got ${String(logReadsPerPoll)}`);
    }
    const now = this.clock.now();
    const past = this.remembered.get(runKey);
    this.remembered.delete(runKey);
    const member: Member = {
      key: runKey,
      options: { ...rest, logReadsPerPoll },
      joinedAt: now,
      originAt: past?.originAt ?? now,
      lastPollAt: past?.lastPollAt,
      lastLogAt: past?.lastLogAt,
      inFlightReads: 0,
      left: false,
      urgent: urgentFirstPoll === true,
    };
    this.members.add(member);
    return {
      next: (signal) => this.next(member, signal),
      started: (atMs) => {
        if (Number.isFinite(atMs) && atMs <= this.clock.now()) member.originAt = atMs;
      },
      exited: (atMs) => {
        const exitedAt = atMs !== undefined && Number.isFinite(atMs) ? atMs : this.clock.now();
        if (member.options.flowName !== undefined) this.durations.record(member.options.flowName, exitedAt - member.originAt);
      },
      hinted: () => this.hinted(member),
      leave: () => this.leave(member),
    };
  }

  activeRuns(): number {
    return this.members.size;
  }

  intervalMs(options: RunPollOptions): number {
    return Math.max(options.minIntervalMs, (this.readsPerRound() * 1000) / this.budget);
  }

  underPressure(): boolean {
    let demand = 0;
    for (const member of this.members) {
      const { readsPerPoll, logReadsPerPoll, minIntervalMs } = member.options;
      demand += ((readsPerPoll + logReadsPerPoll) * 1000) / Math.max(1, minIntervalMs);
    }
    return demand > this.budget;
  }

  private readsPerRound(): number {
    let reads = 0;
    for (const member of this.members) reads += member.options.readsPerPoll + member.options.logReadsPerPoll;
    return reads;
  }

  private next(member: Member, signal: AbortSignal | undefined): Promise<PollTurn> {
    if (member.left) return Promise.reject(new Error(`run ${member.key} left the poll schedule; join again to poll`));
    if (member.waiting) return Promise.reject(new Error(`run ${member.key} is already waiting for its next poll`));
    this.pollDone(member);
    if (signal?.aborted) {
      this.pump();
      return Promise.reject(abortReason(signal));
    }
    return new Promise<PollTurn>((resolve, reject) => {
      const onAbort = () => waiter.abandon(abortReason(signal));
      const settle = () => {
        signal?.removeEventListener('abort', onAbort);
        member.waiting = undefined;
        this.queue = this.queue.filter((queued) => queued !== waiter);
      };
      const waiter: Waiter = {
        member,
        // A run's first poll queues behind the runs already waiting: newcomers must not starve them during a ramp-up.
        eligibleAt: member.urgent ? -Infinity : member.lastPollAt === undefined ? this.clock.now() : member.lastPollAt + member.options.minIntervalMs,
        order: this.arrivals++,
        release: (turn) => {
          settle();
          resolve(turn);
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

  private hinted(member: Member): void {
    if (member.left) return;
    member.urgent = true;
    if (!member.waiting) return;
    member.waiting.eligibleAt = -Infinity;
    this.pump();
  }

  private leave(member: Member): void {
    if (member.left) return;
    member.left = true;
    this.members.delete(member);
    member.waiting?.abandon(new Error(`run ${member.key} left the poll schedule while waiting for a poll`));
    this.remember(member.key, { originAt: member.originAt, lastPollAt: member.lastPollAt, lastLogAt: member.lastLogAt });
    if (this.pollDone(member)) this.pump();
  }

  /** The member's last poll has finished its reads; returns whether one was out. */
  private pollDone(member: Member): boolean {
    if (member.inFlightReads === 0) return false;
    this.inFlightReads -= member.inFlightReads;
    member.inFlightReads = 0;
    return true;
  }

  private remember(key: string, past: Remembered): void {
    this.remembered.set(key, past);
    if (this.remembered.size > REMEMBERED_RUNS) {
      const oldest = this.remembered.keys().next().value;
      if (oldest !== undefined) this.remembered.delete(oldest);
    }
  }

  /** Releases every run whose turn has come, then sleeps until the next turn. */
  private pump(): void {
    this.cancelTimer?.();
    this.cancelTimer = undefined;
    const load = this.strategy === 'priority' ? this.load() : undefined;
    for (;;) {
      if (this.queue.length === 0) return;
      const now = this.clock.now();
      const choice = load ? this.mostLikelyExited(now, load) : this.earliest();
      if (!choice) return;
      const { waiter, releaseAt } = choice;
      const turn = this.turnFor(waiter.member, now, load);
      const reads = waiter.member.options.readsPerPoll + (turn.withLogs ? waiter.member.options.logReadsPerPoll : 0);
      // Full: the next poll to come back (next() or leave()) pumps again.
      if (this.inFlightReads > 0 && this.inFlightReads + reads > this.maxInFlightReads) return;
      if (releaseAt > now) {
        this.cancelTimer = this.clock.setTimer(() => this.pump(), releaseAt - now);
        return;
      }
      const costMs = (reads * 1000) / this.budget;
      // A late timer may catch up one slot, never a backlog: that would bunch the polls.
      this.nextSlotAt = Math.max(releaseAt, now - costMs) + costMs;
      waiter.member.lastPollAt = now;
      const urgent = waiter.member.urgent;
      waiter.member.urgent = false;
      if (turn.withLogs) waiter.member.lastLogAt = now;
      waiter.member.inFlightReads = reads;
      this.inFlightReads += reads;
      waiter.release(urgent ? { ...turn, urgent } : turn);
    }
  }

  /** `priority`: the figures every choice of one pump needs, summed once. */
  private load(): Load {
    let stateReads = 0;
    for (const member of this.members) stateReads += member.options.readsPerPoll;
    const pressure = this.underPressure();
    return { pressure, fairIntervalMs: ((pressure ? stateReads : this.readsPerRound()) * 1000) / this.budget };
  }

  private turnFor(member: Member, now: number, load: Load | undefined): PollTurn {
    if (!load?.pressure || member.options.logReadsPerPoll === 0) return { withLogs: true };
    // Logs under pressure: at most a LOG_STRETCH-th of the state reads, never more often than MIN_LOG_INTERVAL_MS.
    const logIntervalMs = Math.max(MIN_LOG_INTERVAL_MS, LOG_STRETCH * Math.max(member.options.minIntervalMs, load.fairIntervalMs));
    return { withLogs: now - (member.lastLogAt ?? member.joinedAt) >= logIntervalMs };
  }

  private earliest(): { waiter: Waiter; releaseAt: number } | undefined {
    let best: Waiter | undefined;
    for (const waiter of this.queue) {
      if (!best || waiter.eligibleAt < best.eligibleAt || (waiter.eligibleAt === best.eligibleAt && waiter.order < best.order)) {
        best = waiter;
      }
    }
    return best && { waiter: best, releaseAt: Math.max(best.eligibleAt, this.nextSlotAt) };
  }

  /** `priority`: at the next free slot, the eligible run with the best exit score; else the first to become eligible. */
  private mostLikelyExited(now: number, load: Load): { waiter: Waiter; releaseAt: number } | undefined {
    const first = this.earliest();
    if (!first) return undefined;
    if (first.releaseAt > now) return first;
    const { fairIntervalMs } = load;
    let best: Waiter | undefined;
    let bestScore = -Infinity;
    for (const waiter of this.queue) {
      if (waiter.eligibleAt > now) continue;
      const { member } = waiter;
      if (member.urgent) {
        // Urgent runs first, in the order they asked.
        if (bestScore < Infinity || (best !== undefined && waiter.order < best.order)) {
          best = waiter;
          bestScore = Infinity;
        }
        continue;
      }
      const model = this.durations.model(member.options.flowName);
      const reads = member.options.readsPerPoll + (this.turnFor(member, now, load).withLogs ? member.options.logReadsPerPoll : 0);
      const score = exitScore({
        model,
        originAt: member.originAt,
        lastPollAt: member.lastPollAt ?? member.joinedAt,
        eligibleAt: waiter.eligibleAt,
        now,
        reads,
        fairIntervalMs,
      });
      if (score > bestScore || (score === bestScore && best !== undefined && waiter.order < best.order)) {
        best = waiter;
        bestScore = score;
      }
    }
    return best && { waiter: best, releaseAt: now };
  }
}

function abortReason(signal: AbortSignal | undefined): unknown {
  const reason: unknown = signal?.reason;
  if (reason instanceof Error) return reason;
  const error = new Error('Waiting for the next poll was aborted.');
  error.name = 'AbortError';
  return error;
}
