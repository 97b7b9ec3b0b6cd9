/**
 * The `priority` poll strategy's index: which waiting run a read is best spent on. A poll finds
 * an exit only if one happened since the run's last poll, so the index is
 * P(exit in (lastPoll, now] | alive at lastPoll) per read, from the run's flow's learned
 * durations (durationStats.ts). Polling the highest index first finds the most exits per read;
 * a run's index grows while it waits, so every run gets its turn, and MAX_STRETCH bounds how
 * long a run the model thinks safe can wait (a run killed at an unusual age is still found).
 */
import type { ExitModel } from './durationStats';

/** A run waits at most this many fair intervals (R·reads/B) between polls, whatever its odds. */
export const MAX_STRETCH = 4;
/** Under pressure the logs are read at most once per this many fair intervals of a run... */
export const LOG_STRETCH = 4;
/** ...and never more often than this. */
export const MIN_LOG_INTERVAL_MS = 30_000;

/** Scores of runs past MAX_STRETCH start here, above every probability, ordered by how long they waited. */
const OVERDUE = 1e6;

export interface ScoreInput {
  /** undefined: nothing learned yet (the uniform prior). */
  model: ExitModel | undefined;
  /** Where the run's age counts from (container start, or its first join). */
  originAt: number;
  /** The run's last poll, or its join if it has not polled yet. */
  lastPollAt: number;
  /** When the run may poll again (its last poll + its minimum interval). */
  eligibleAt: number;
  now: number;
  /** Reads this turn would cost. */
  reads: number;
  fairIntervalMs: number;
}

export function exitScore(input: ScoreInput): number {
  // Nothing learned: every run has the same memoryless odds, so the run that could poll earliest
  // goes first — exactly `adaptive`'s fair order.
  if (!input.model) return -input.eligibleAt;
  const waitedMs = input.now - input.lastPollAt;
  if (waitedMs >= MAX_STRETCH * input.fairIntervalMs) return OVERDUE + waitedMs;
  return input.model.exitProbability(input.lastPollAt - input.originAt, input.now - input.originAt) / input.reads;
}
