import { ConfigError } from '../../../src/config/errors';
import { createPollScheduler, POLL_SHARE_OF_READ_LIMIT, pollStrategyFromEnv, type PollScheduler, type RunPolls } from '../../../src/polling/pollScheduler';
import { FakeClock } from '../../helpers/fakeClock';
import { first, nth } from '../../helpers/must';

interface Poll {
  run: string;
  at: number;
  reads: number;
}

/** A run that polls as soon as the scheduler lets it, until it leaves or its signal aborts. */
function pollForever(
  scheduler: PollScheduler,
  clock: FakeClock,
  polls: Poll[],
  run: string,
  readsPerPoll: number,
  minIntervalMs = 0,
  signal?: AbortSignal,
): RunPolls {
  const schedule = scheduler.join(run, { minIntervalMs, readsPerPoll });
  void (async () => {
    for (;;) {
      await schedule.next(signal);
      polls.push({ run, at: clock.now(), reads: readsPerPoll });
    }
  })().catch(() => undefined);
  return schedule;
}

function gapsOf(polls: Poll[], run: string, from = 0): number[] {
  const times = polls.filter((poll) => poll.run === run && poll.at >= from).map((poll) => poll.at);
  return times.slice(1).map((at, index) => at - nth(times, index));
}

/** The poll budget is POLL_SHARE_OF_READ_LIMIT of the ARM read limit; pick the limit that gives `budget`. */
function adaptive(budget: number, clock: FakeClock): PollScheduler {
  return createPollScheduler({ strategy: 'adaptive', armReadsPerSecond: budget / POLL_SHARE_OF_READ_LIMIT, clock });
}

describe('adaptive poll scheduler', () => {
  it('polls each run every R·readsPerPoll/B seconds, so the interval grows with the number of runs', async () => {
    for (const runs of [5, 20, 50]) {
      const clock = new FakeClock();
      const scheduler = adaptive(10, clock);
      const polls: Poll[] = [];
      const schedules = Array.from({ length: runs }, (_, index) => pollForever(scheduler, clock, polls, `run-${index}`, 2));
      await clock.advanceTo(60_000);
      const expectedMs = (runs * 2 * 1000) / 10;
      expect(scheduler.intervalMs({ minIntervalMs: 0, readsPerPoll: 2 })).toBeCloseTo(expectedMs);
      for (let index = 0; index < runs; index += 1) {
        const gaps = gapsOf(polls, `run-${index}`);
        expect(gaps.length).toBeGreaterThan(0);
        for (const gap of gaps) expect(gap).toBeCloseTo(expectedMs, 0);
      }
      schedules.forEach((schedule) => schedule.leave());
    }
  });

  it('keeps to the run’s minimum interval when the budget has room', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(20, clock);
    const polls: Poll[] = [];
    const schedules = ['a', 'b'].map((run) => pollForever(scheduler, clock, polls, run, 2, 5_000));
    await clock.advanceTo(30_000);
    expect(gapsOf(polls, 'a')).toEqual([5_000, 5_000, 5_000, 5_000, 5_000, 5_000]);
    expect(gapsOf(polls, 'b')).toEqual([5_000, 5_000, 5_000, 5_000, 5_000]);
    schedules.forEach((schedule) => schedule.leave());
  });

  it('never spends more reads than the budget in any second, whatever mix of runs polls', async () => {
    const clock = new FakeClock();
    const budget = 16;
    const scheduler = adaptive(budget, clock);
    const polls: Poll[] = [];
    const schedules = Array.from({ length: 300 }, (_, index) => pollForever(scheduler, clock, polls, `run-${index}`, 1 + (index % 2), (index % 3) * 1000));
    await clock.advanceTo(60_000);
    const total = polls.reduce((sum, poll) => sum + poll.reads, 0);
    expect(total).toBeGreaterThan(budget * 59);
    expect(total).toBeLessThanOrEqual(budget * 60 + 2);
    for (let start = 0; start < 59_000; start += 250) {
      const inWindow = polls.filter((poll) => poll.at >= start && poll.at < start + 1000).reduce((sum, poll) => sum + poll.reads, 0);
      expect(inWindow).toBeLessThanOrEqual(budget + 2);
    }
    schedules.forEach((schedule) => schedule.leave());
  });

  it('spreads the first polls of runs that join together instead of sending them at once', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(10, clock);
    const polls: Poll[] = [];
    const schedules = Array.from({ length: 10 }, (_, index) => pollForever(scheduler, clock, polls, `run-${index}`, 1, 60_000));
    await clock.advanceTo(5_000);
    expect(polls.map((poll) => poll.at)).toEqual([0, 100, 200, 300, 400, 500, 600, 700, 800, 900]);
    schedules.forEach((schedule) => schedule.leave());
  });

  it('gives the slot of a run whose signal aborts while it waits to the next run in line', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(1, clock);
    const polls: Poll[] = [];
    const cancelled = new AbortController();
    const first = pollForever(scheduler, clock, polls, 'first', 1, 60_000);
    const aborted = scheduler.join('aborted', { minIntervalMs: 60_000, readsPerPoll: 1 });
    const waiting = aborted.next(cancelled.signal);
    const third = pollForever(scheduler, clock, polls, 'third', 1, 60_000);
    await clock.advanceTo(500);
    cancelled.abort(new Error('activity cancelled'));
    await expect(waiting).rejects.toThrow('activity cancelled');
    await clock.advanceTo(5_000);
    expect(polls).toEqual([
      { run: 'first', at: 0, reads: 1 },
      { run: 'third', at: 1_000, reads: 1 },
    ]);
    [first, aborted, third].forEach((schedule) => schedule.leave());
  });

  it('rejects at once when the signal is already aborted', async () => {
    const scheduler = adaptive(1, new FakeClock());
    const schedule = scheduler.join('run', { minIntervalMs: 0, readsPerPoll: 1 });
    await expect(schedule.next(AbortSignal.abort(new Error('cancelled before polling')))).rejects.toThrow('cancelled before polling');
    schedule.leave();
  });

  it('shares the budget of runs that leave among the runs that stay', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(4, clock);
    const polls: Poll[] = [];
    const schedules = ['a', 'b', 'c', 'd'].map((run) => pollForever(scheduler, clock, polls, run, 2));
    await clock.advanceTo(20_000);
    expect(gapsOf(polls, 'a', 10_000)).toEqual(Array(5).fill(2_000));
    nth(schedules, 2).leave();
    nth(schedules, 3).leave();
    expect(scheduler.activeRuns()).toBe(2);
    await clock.advanceTo(40_000);
    expect(gapsOf(polls, 'a', 25_000)).toEqual(Array(15).fill(1_000));
    schedules.forEach((schedule) => schedule.leave());
    expect(scheduler.activeRuns()).toBe(0);
  });

  it('keeps at most one second of budget in polls that have not come back, so a congested ARM limiter does not fill with stale polls', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(4, clock);
    const schedules = Array.from({ length: 10 }, (_, index) => scheduler.join(`run-${index}`, { minIntervalMs: 0, readsPerPoll: 1 }));
    const released: string[] = [];
    schedules.forEach(
      (schedule, index) =>
        void schedule.next().then(
          () => released.push(`run-${index}`),
          () => undefined,
        ),
    );
    await clock.advanceTo(10_000);
    expect(released).toEqual(['run-0', 'run-1', 'run-2', 'run-3']);
    // run-0's poll is done when it asks for its next turn; that frees room for the longest waiting run
    void first(schedules)
      .next()
      .catch(() => undefined);
    await clock.advanceTo(10_001);
    expect(released).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4']);
    nth(schedules, 1).leave();
    await clock.advanceTo(10_300);
    expect(released).toEqual(['run-0', 'run-1', 'run-2', 'run-3', 'run-4', 'run-5']);
    schedules.forEach((schedule) => schedule.leave());
  });

  it('rejects the pending wait of a run that leaves, so its loop ends', async () => {
    const scheduler = adaptive(1, new FakeClock());
    const busy = scheduler.join('busy', { minIntervalMs: 0, readsPerPoll: 1 });
    await busy.next();
    const leaving = scheduler.join('leaving', { minIntervalMs: 0, readsPerPoll: 1 });
    const waiting = leaving.next();
    leaving.leave();
    await expect(waiting).rejects.toThrow('run leaving left the poll schedule while waiting for a poll');
    await expect(leaving.next()).rejects.toThrow('run leaving left the poll schedule; join again to poll');
    busy.leave();
  });

  it('keeps a run’s place when it joins again under the same key (waitForStart, then watch)', async () => {
    const clock = new FakeClock();
    const scheduler = adaptive(10, clock);
    const starting = scheduler.join('run-1', { minIntervalMs: 5_000, readsPerPoll: 1 });
    await starting.next();
    starting.leave();
    const watching = scheduler.join('run-1', { minIntervalMs: 5_000, readsPerPoll: 2 });
    let released = false;
    void watching.next().then(() => {
      released = true;
    });
    await clock.advanceTo(4_999);
    expect(released).toBe(false);
    await clock.advanceTo(5_000);
    expect(released).toBe(true);
    watching.leave();
  });

  it('refuses a second wait of the same run while the first is pending', async () => {
    const scheduler = adaptive(1, new FakeClock());
    const other = scheduler.join('other', { minIntervalMs: 0, readsPerPoll: 1 });
    await other.next();
    const schedule = scheduler.join('run', { minIntervalMs: 0, readsPerPoll: 1 });
    const first = schedule.next();
    await expect(schedule.next()).rejects.toThrow('run run is already waiting for its next poll');
    schedule.leave();
    await expect(first).rejects.toThrow();
    other.leave();
  });

  it('rejects options that cannot schedule anything, naming the run', () => {
    const scheduler = adaptive(1, new FakeClock());
    expect(() => scheduler.join('run-9', { minIntervalMs: 1000, readsPerPoll: 0 })).toThrow('readsPerPoll of run run-9 must be a positive number, got 0');
    expect(() => scheduler.join('run-9', { minIntervalMs: Number.NaN, readsPerPoll: 1 })).toThrow('minIntervalMs of run run-9');
    expect(() => createPollScheduler({ armReadsPerSecond: 0 })).toThrow(
      "armReadsPerSecond must be a positive number, got 0; pass the worker's ARM read limit.",
    );
  });

  it('spends POLL_SHARE_OF_READ_LIMIT of the worker’s ARM read limit, leaving the rest for deploy and delete reads', () => {
    const scheduler = createPollScheduler({ strategy: 'adaptive', armReadsPerSecond: 20 });
    expect(scheduler.readsPerSecond).toBeCloseTo(20 * POLL_SHARE_OF_READ_LIMIT);
    expect(scheduler.readsPerSecond).toBeLessThan(20);
  });
});

describe('fixed poll scheduler (Prefect-style)', () => {
  it('polls every run on its own minimum interval however many runs there are, with no shared budget', async () => {
    const clock = new FakeClock();
    const scheduler = createPollScheduler({ strategy: 'fixed', clock });
    const polls: Poll[] = [];
    const schedules = Array.from({ length: 100 }, (_, index) => pollForever(scheduler, clock, polls, `run-${index}`, 2, 5_000));
    await clock.advanceTo(20_000);
    expect(scheduler.readsPerSecond).toBe(Infinity);
    expect(scheduler.intervalMs({ minIntervalMs: 5_000, readsPerPoll: 2 })).toBe(5_000);
    expect(polls.filter((poll) => poll.at === 0)).toHaveLength(100);
    for (let index = 0; index < 100; index += 1) expect(gapsOf(polls, `run-${index}`)).toEqual([5_000, 5_000, 5_000, 5_000]);
    schedules.forEach((schedule) => schedule.leave());
  });
});

describe('pollStrategyFromEnv', () => {
  it('defaults to priority when ACI_FLOW_POLL_STRATEGY is unset or empty', () => {
    expect(pollStrategyFromEnv({})).toBe('priority');
    expect(pollStrategyFromEnv({ ACI_FLOW_POLL_STRATEGY: ' ' })).toBe('priority');
    expect(createPollScheduler().strategy).toBe('priority');
  });

  it('reads priority, fixed and adaptive', () => {
    expect(pollStrategyFromEnv({ ACI_FLOW_POLL_STRATEGY: 'priority' })).toBe('priority');
    expect(pollStrategyFromEnv({ ACI_FLOW_POLL_STRATEGY: 'fixed' })).toBe('fixed');
    expect(pollStrategyFromEnv({ ACI_FLOW_POLL_STRATEGY: 'adaptive' })).toBe('adaptive');
  });

  it('names the variable, the allowed values and the default when the value is unknown', () => {
    const read = () => pollStrategyFromEnv({ ACI_FLOW_POLL_STRATEGY: 'fast' });
    expect(read).toThrow(ConfigError);
    expect(read).toThrow("ACI_FLOW_POLL_STRATEGY: must be one of 'priority', 'adaptive', 'fixed', got 'fast'; unset it for the default ('priority')");
  });
});
