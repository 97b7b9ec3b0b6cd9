/**
 * Exit hints in the poll scheduler: a hinted run's next poll goes at the budget's next free
 * slot, ahead of every waiting run and past its own minimum interval, and only that one poll.
 */
import { DurationStats } from '../../../src/polling/durationStats';
import { createPollScheduler, POLL_SHARE_OF_READ_LIMIT, type PollScheduler, type PollStrategy, type RunPolls } from '../../../src/polling/pollScheduler';
import { FakeClock } from '../../helpers/fakeClock';

interface Poll {
  run: string;
  at: number;
}

function scheduler(strategy: PollStrategy, budget: number, clock: FakeClock, durations?: DurationStats): PollScheduler {
  return createPollScheduler({ strategy, armReadsPerSecond: budget / POLL_SHARE_OF_READ_LIMIT, clock, durations });
}

function pollForever(target: PollScheduler, clock: FakeClock, polls: Poll[], run: string, minIntervalMs: number, urgentFirstPoll = false): RunPolls {
  const schedule = target.join(run, { minIntervalMs, readsPerPoll: 1, flowName: 'etl', urgentFirstPoll });
  void (async () => {
    for (;;) {
      await schedule.next();
      polls.push({ run, at: clock.now() });
    }
  })().catch(() => undefined);
  return schedule;
}

/** Durations learned: every run lasts about 10 minutes, so young runs look safe to the `priority` index. */
function tenMinuteFlow(): DurationStats {
  const durations = new DurationStats();
  for (let index = 0; index < 50; index += 1) durations.record('etl', 600_000 + index * 1_000);
  return durations;
}

const strategies: PollStrategy[] = ['priority', 'adaptive'];

describe.each(strategies)('exit hints with the %s strategy', (strategy) => {
  it('polls a hinted run at the next free slot, ahead of a queue of 50 runs, then back in its place', async () => {
    const clock = new FakeClock();
    // 50 runs at 1 read/s: each run's fair interval is 50 s.
    const target = scheduler(strategy, 1, clock, strategy === 'priority' ? tenMinuteFlow() : undefined);
    const polls: Poll[] = [];
    const schedules = Array.from({ length: 50 }, (_, index) => pollForever(target, clock, polls, `run-${index}`, 5_000));
    await clock.advanceTo(120_000);
    const hinted = 'run-7';
    // Wait until run-7 has just polled, so its next turn is far away.
    for (let at = clock.now(); polls.at(-1)?.run !== hinted; at += 100) await clock.advanceTo(at);
    const lastBefore = Math.max(...polls.filter((poll) => poll.run === hinted).map((poll) => poll.at));
    const hintAt = clock.now() + 500;
    await clock.advanceTo(hintAt);
    // Its turn would come about 50 s after its last poll, well after the hint's second.
    expect(lastBefore + 50_000).toBeGreaterThan(hintAt + 10_000);
    const pollsBeforeHint = polls.length;
    expect(schedules[7]).toBeDefined();
    schedules[7]?.hinted();
    await clock.advanceTo(hintAt + 1_000);
    // The budget's next slot (1 read/s) went to the hinted run, not to the run whose turn it was.
    expect(polls.slice(pollsBeforeHint)[0]).toEqual({ run: hinted, at: expect.any(Number) as number });
    expect((polls.slice(pollsBeforeHint)[0]?.at ?? Infinity) - hintAt).toBeLessThanOrEqual(1_000);
    // One urgent poll only: afterwards it waits its turn again (no second poll within the next 10 s).
    await clock.advanceTo(hintAt + 11_000);
    expect(polls.slice(pollsBeforeHint).filter((poll) => poll.run === hinted)).toHaveLength(1);
    // The budget holds: one poll per second, hint or not.
    expect(polls.slice(pollsBeforeHint).length).toBeLessThanOrEqual(11);
    schedules.forEach((schedule) => schedule.leave());
  });

  it('makes the first poll of a run joining with urgentFirstPoll immediate, although it polled a moment ago in an earlier attempt', async () => {
    const clock = new FakeClock();
    const target = scheduler(strategy, 1, clock, strategy === 'priority' ? tenMinuteFlow() : undefined);
    const polls: Poll[] = [];
    const others = Array.from({ length: 20 }, (_, index) => pollForever(target, clock, polls, `run-${index}`, 5_000));
    const earlier = pollForever(target, clock, polls, 'hinted', 60_000);
    await clock.advanceTo(30_000);
    const lastPolled = Math.max(...polls.filter((poll) => poll.run === 'hinted').map((poll) => poll.at));
    // The watch attempt is cancelled and a hinted one joins under the same key (the scheduler remembers its last poll).
    earlier.leave();
    const joinedAt = clock.now() + 500;
    await clock.advanceTo(joinedAt);
    expect(joinedAt - lastPolled).toBeLessThan(60_000);
    const count = polls.length;
    const hintedAttempt = pollForever(target, clock, polls, 'hinted', 60_000, true);
    await clock.advanceTo(joinedAt + 1_000);
    expect(polls.slice(count)[0]?.run).toBe('hinted');
    // Without the hint, the minimum interval (60 s since its last poll) would hold it back.
    const unhinted = scheduler(strategy, 1, clock);
    const remembered = unhinted.join('other', { minIntervalMs: 60_000, readsPerPoll: 1 });
    await remembered.next();
    remembered.leave();
    const again = unhinted.join('other', { minIntervalMs: 60_000, readsPerPoll: 1 });
    let released = false;
    void again.next().then(
      () => (released = true),
      () => undefined,
    );
    await clock.advanceTo(clock.now() + 5_000);
    expect(released).toBe(false);
    again.leave();
    hintedAttempt.leave();
    others.forEach((schedule) => schedule.leave());
  });
});
