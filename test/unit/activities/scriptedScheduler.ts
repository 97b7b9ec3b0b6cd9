import { createPollScheduler, type PollScheduler, type RunPollOptions } from '../../../src/polling/pollScheduler';

/**
 * A scheduler that grants every turn at once and records what the activities tell it;
 * `withLogs(turn)` scripts which turns may read the logs. Durations go to a real DurationStats.
 */
export function scriptedScheduler(withLogs: (turn: number) => boolean = () => true) {
  const scheduler = createPollScheduler({ strategy: 'fixed' });
  const joined: RunPollOptions[] = [];
  const started: number[] = [];
  let turns = 0;
  const scripted: PollScheduler = {
    strategy: scheduler.strategy,
    readsPerSecond: scheduler.readsPerSecond,
    durations: scheduler.durations,
    setArmReadsPerSecond: (reads) => scheduler.setArmReadsPerSecond(reads),
    activeRuns: () => scheduler.activeRuns(),
    intervalMs: (options) => scheduler.intervalMs(options),
    underPressure: () => true,
    join: (runKey, options) => {
      joined.push(options);
      const polls = scheduler.join(runKey, options);
      return {
        ...polls,
        next: async () => ({ withLogs: withLogs(++turns) }),
        started: (atMs) => {
          started.push(atMs);
          polls.started(atMs);
        },
      };
    },
  };
  return { scheduler: scripted, joined, started, turns: () => turns, durations: scheduler.durations };
}
