import { DurationStats } from '../../../src/polling/durationStats';
import { MIN_LOG_INTERVAL_MS } from '../../../src/polling/pollPriority';
import {
  createPollScheduler,
  POLL_SHARE_OF_READ_LIMIT,
  type PollScheduler,
  type PollStrategy,
  type PollTurn,
  type RunPolls,
} from '../../../src/polling/pollScheduler';
import { FakeClock } from '../../helpers/fakeClock';
import { first, nth } from '../../helpers/must';

interface Poll {
  run: string;
  at: number;
  reads: number;
  withLogs: boolean;
}

function scheduler(strategy: PollStrategy, budget: number, clock: FakeClock, durations?: DurationStats): PollScheduler {
  return createPollScheduler({ strategy, armReadsPerSecond: budget / POLL_SHARE_OF_READ_LIMIT, clock, durations });
}

interface RunSpec {
  run: string;
  minIntervalMs: number;
  logReadsPerPoll?: number;
  flowName?: string;
  /** The container started this long before the run joined. */
  ageMs?: number;
}

/** A run that polls as soon as the scheduler lets it, until it leaves. */
function pollForever(target: PollScheduler, clock: FakeClock, polls: Poll[], spec: RunSpec): RunPolls {
  const schedule = target.join(spec.run, {
    minIntervalMs: spec.minIntervalMs,
    readsPerPoll: 1,
    logReadsPerPoll: spec.logReadsPerPoll,
    flowName: spec.flowName,
  });
  if (spec.ageMs !== undefined) schedule.started(clock.now() - spec.ageMs);
  void (async () => {
    for (;;) {
      const turn: PollTurn = await schedule.next();
      polls.push({ run: spec.run, at: clock.now(), reads: 1 + (turn.withLogs ? (spec.logReadsPerPoll ?? 0) : 0), withLogs: turn.withLogs });
    }
  })().catch(() => undefined);
  return schedule;
}

const pollsOf = (polls: Poll[], run: string) => polls.filter((poll) => poll.run === run);

/** Deterministic uniform numbers in [0, 1) (mulberry32). */
function random(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The flow of the tests: 15 % crash in their first 2–20 s, the rest run 500–700 s. */
function drawDuration(next: () => number): number {
  return next() < 0.15 ? 2_000 + next() * 18_000 : 500_000 + next() * 200_000;
}

function learned(samples: number, seed = 7): DurationStats {
  const durations = new DurationStats();
  const next = random(seed);
  for (let index = 0; index < samples; index += 1) durations.record('etl', drawDuration(next));
  return durations;
}

describe('priority poll scheduler', () => {
  it('gives more turns to young runs and runs near their flow’s usual duration than to mid-life runs', async () => {
    const clock = new FakeClock();
    const target = scheduler('priority', 2, clock, learned(200));
    const polls: Poll[] = [];
    const schedules = [
      pollForever(target, clock, polls, { run: 'young', minIntervalMs: 5_000, flowName: 'etl', ageMs: 0 }),
      pollForever(target, clock, polls, { run: 'near', minIntervalMs: 5_000, flowName: 'etl', ageMs: 560_000 }),
      ...Array.from({ length: 30 }, (_, index) =>
        pollForever(target, clock, polls, { run: `mid-${index}`, minIntervalMs: 5_000, flowName: 'etl', ageMs: 200_000 + index * 5_000 }),
      ),
    ];
    await clock.advanceTo(20_000);
    const midTurns = Array.from({ length: 30 }, (_, index) => pollsOf(polls, `mid-${index}`).length);
    const midMean = midTurns.reduce((sum, turns) => sum + turns, 0) / midTurns.length;
    // At the minimum interval: a turn at 0, 5, 10, 15 and 20 s.
    expect(pollsOf(polls, 'young').length).toBeGreaterThanOrEqual(4);
    expect(pollsOf(polls, 'near').length).toBeGreaterThanOrEqual(4);
    expect(midMean).toBeLessThanOrEqual(1.5);
    schedules.forEach((schedule) => schedule.leave());
  });

  it('never spends more than the budget in any second nor polls a run more often than its minimum interval', async () => {
    const clock = new FakeClock();
    const budget = 8;
    const target = scheduler('priority', budget, clock, learned(200));
    const polls: Poll[] = [];
    const specs: RunSpec[] = Array.from({ length: 150 }, (_, index) => ({
      run: `run-${index}`,
      minIntervalMs: 2_000 + (index % 3) * 1_500,
      logReadsPerPoll: index % 2,
      flowName: index % 5 === 0 ? 'unknown-flow' : 'etl',
      ageMs: (index * 4_700) % 720_000,
    }));
    const schedules = specs.map((spec) => pollForever(target, clock, polls, spec));
    await clock.advanceTo(120_000);
    const total = polls.reduce((sum, poll) => sum + poll.reads, 0);
    expect(total).toBeGreaterThan(budget * 115);
    for (let start = 0; start < 119_000; start += 250) {
      const inWindow = polls.filter((poll) => poll.at >= start && poll.at < start + 1000).reduce((sum, poll) => sum + poll.reads, 0);
      expect(inWindow).toBeLessThanOrEqual(budget + 2);
    }
    for (const spec of specs) {
      const times = pollsOf(polls, spec.run).map((poll) => poll.at);
      expect(times.length).toBeGreaterThan(0);
      times.slice(1).forEach((at, index) => expect(at - nth(times, index)).toBeGreaterThanOrEqual(spec.minIntervalMs));
    }
    schedules.forEach((schedule) => schedule.leave());
  });

  it('polls exactly like adaptive while no durations are learned', async () => {
    const sequences = await Promise.all(
      (['priority', 'adaptive'] as const).map(async (strategy) => {
        const clock = new FakeClock();
        const target = scheduler(strategy, 10, clock);
        const polls: Poll[] = [];
        const schedules = Array.from({ length: 40 }, (_, index) =>
          pollForever(target, clock, polls, { run: `run-${index}`, minIntervalMs: (index % 4) * 1_000, flowName: `flow-${index % 3}` }),
        );
        await clock.advanceTo(60_000);
        schedules.forEach((schedule) => schedule.leave());
        return polls.map((poll) => `${poll.run}@${poll.at}`);
      }),
    );
    expect(first(sequences).length).toBeGreaterThan(500);
    expect(sequences[0]).toEqual(sequences[1]);
  });

  it('detects exits with a clearly lower median lag than adaptive at the same budget (simulated population)', async () => {
    const lags = { priority: await simulateExitLag('priority'), adaptive: await simulateExitLag('adaptive') };
    expect(lags.adaptive.exits).toBeGreaterThan(100);
    expect(lags.priority.exits).toBeGreaterThan(100);
    // Same reads: the budget is spent either way.
    expect(lags.priority.reads).toBeLessThanOrEqual(lags.adaptive.reads * 1.02);
    expect(lags.priority.medianMs).toBeLessThanOrEqual(0.7 * lags.adaptive.medianMs);
    // Not bought with a worse tail: mid-life runs wait longer, but exits there are rare.
    expect(lags.priority.p95Ms).toBeLessThanOrEqual(lags.adaptive.p95Ms);
  }, 120_000);
});

describe('log reads under pressure (priority)', () => {
  it('reads the state only on most turns and the logs at the slower cadence while the runs ask for more than the budget', async () => {
    const clock = new FakeClock();
    const target = scheduler('priority', 4, clock);
    const polls: Poll[] = [];
    const schedules = Array.from({ length: 40 }, (_, index) =>
      pollForever(target, clock, polls, { run: `run-${index}`, minIntervalMs: 5_000, logReadsPerPoll: 1 }),
    );
    await clock.advanceTo(300_000);
    expect(target.underPressure()).toBe(true);
    const logTurns = polls.filter((poll) => poll.withLogs).length;
    expect(logTurns).toBeGreaterThan(0);
    expect(logTurns / polls.length).toBeLessThanOrEqual(1 / 3);
    for (let index = 0; index < 40; index += 1) {
      const logTimes = pollsOf(polls, `run-${index}`)
        .filter((poll) => poll.withLogs)
        .map((poll) => poll.at);
      logTimes.slice(1).forEach((at, gap) => expect(at - nth(logTimes, gap)).toBeGreaterThanOrEqual(MIN_LOG_INTERVAL_MS));
    }
    schedules.forEach((schedule) => schedule.leave());
  });

  it('reads the logs on every turn when the budget holds every run at its minimum interval, and adaptive always does', async () => {
    for (const [strategy, runs] of [
      ['priority', 5],
      ['adaptive', 40],
    ] as const) {
      const clock = new FakeClock();
      const target = scheduler(strategy, 4, clock);
      const polls: Poll[] = [];
      const schedules = Array.from({ length: runs }, (_, index) =>
        pollForever(target, clock, polls, { run: `run-${index}`, minIntervalMs: 5_000, logReadsPerPoll: 1 }),
      );
      await clock.advanceTo(60_000);
      expect(polls.length).toBeGreaterThan(50);
      expect(polls.every((poll) => poll.withLogs)).toBe(true);
      schedules.forEach((schedule) => schedule.leave());
    }
  });

  it('follows a new read limit set at runtime', async () => {
    const clock = new FakeClock();
    const target = scheduler('priority', 2, clock);
    expect(target.readsPerSecond).toBeCloseTo(2);
    target.setArmReadsPerSecond(10);
    expect(target.readsPerSecond).toBeCloseTo(10 * POLL_SHARE_OF_READ_LIMIT);
    expect(() => target.setArmReadsPerSecond(-1)).toThrow('armReadsPerSecond must be a positive number, got -1');
  });
});

/**
 * 60 runs of the test flow in flight (each exit replaced by a new run), 3 reads/s, 5 s minimum
 * interval: a fair share is one poll per 20 s. Runs start at random ages; exits of the first 10
 * minutes (while `priority` learns) are not counted. Lag: exit → the first poll after it.
 */
async function simulateExitLag(strategy: PollStrategy): Promise<{ medianMs: number; p95Ms: number; exits: number; reads: number }> {
  const clock = new FakeClock();
  const target = scheduler(strategy, 3, clock);
  const next = random(42);
  const warmUpMs = 10 * 60_000;
  const lags: number[] = [];
  let serial = 0;
  let reads = 0;
  const live = new Set<RunPolls>();
  const startRun = (elapsedShare: number) => {
    const duration = drawDuration(next);
    const startedAt = clock.now() - elapsedShare * duration;
    const polls = target.join(`run-${serial++}`, { minIntervalMs: 5_000, readsPerPoll: 1, flowName: 'etl' });
    polls.started(startedAt);
    live.add(polls);
    void (async () => {
      for (;;) {
        await polls.next();
        reads += 1;
        const exitAt = startedAt + duration;
        if (clock.now() < exitAt) continue;
        if (exitAt >= warmUpMs) lags.push(clock.now() - exitAt);
        polls.exited(exitAt);
        polls.leave();
        live.delete(polls);
        startRun(0);
        return;
      }
    })().catch(() => undefined);
  };
  for (let index = 0; index < 60; index += 1) startRun(next());
  await clock.advanceTo(warmUpMs + 20 * 60_000);
  live.forEach((polls) => polls.leave());
  lags.sort((a, b) => a - b);
  return { medianMs: nth(lags, Math.floor(lags.length / 2)), p95Ms: nth(lags, Math.floor(lags.length * 0.95)), exits: lags.length, reads };
}
