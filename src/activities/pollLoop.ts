/**
 * The loop waitForStart and watch share. A healthy run is never ended because a poll failed:
 * only a poll's verdict ends it (the group is gone, the start deadline passed, the container
 * exited). Every other failure — a credential that is briefly unavailable, 401/403 while a
 * role assignment propagates, 5xx, a reset connection, anything unknown — is retried here,
 * inside the same activity attempt, with backoff. Retrying here rather than through the
 * activity retry policy keeps the history free of per-error events and the run's place in the
 * poll schedule; the error is heartbeated as `lastPollError`, where `aci-flow status` reads it.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toAzureError } from '../azure/errors';
import type { AciFlowMetrics, PollingPhase } from '../common/metrics';
import { FailureTypes, isPollError, type PollError } from '../workflows/definitions';
import { heartbeatWhile } from './heartbeats';
import type { Clock } from '../common/clock';
import type { PollTurn, RunPolls } from '../polling/pollScheduler';

/** The pause after failed polls grows up to this (the polling activities' retry policy has the same cap). */
export const MAX_POLL_BACKOFF_MS = 30_000;

/** Failures that are a poll's verdict on the run rather than a failed poll. */
const VERDICTS: ReadonlySet<string> = new Set([FailureTypes.groupDisappeared, FailureTypes.startTimeout]);

/** Heartbeat details of the polling activities: their own state (watch: the log cursor) plus the error streak. */
export type PollHeartbeat = Record<string, unknown> & { lastPollError?: PollError };

export interface PollLoopOptions<T> {
  polls: RunPolls;
  pollIntervalMs: number;
  clock: Pick<Clock, 'now'>;
  /** State to heartbeat besides the error, read at every heartbeat (watch: its log cursor). */
  state?: () => Record<string, unknown>;
  /**
   * One poll. A value ends the loop; undefined polls again. It ends the run by throwing an
   * ApplicationFailure of a verdict type; anything else it throws is a failed poll. Long calls
   * inside should heartbeat with `details()`. `turn` says what the scheduler let this poll spend.
   */
  poll: (details: () => PollHeartbeat, turn: PollTurn) => Promise<T | undefined>;
  /** Called after each failed poll with the streak so far; throws to end the run (waitForStart's deadline). */
  afterFailedPoll?: (error: PollError) => void;
  /** The backoff never sleeps past this epoch ms, so a deadline is checked on time. */
  wakeBy?: number;
  /** Counts each poll under `phase`; a verdict counts as a successful poll. */
  metrics?: { recorder: AciFlowMetrics; phase: PollingPhase };
}

export async function pollUntilDone<T>(options: PollLoopOptions<T>): Promise<T> {
  const context = Context.current();
  const resumed = (context.info.heartbeatDetails as PollHeartbeat | undefined)?.lastPollError;
  // A new attempt (after a worker crash) continues the streak, so `attempts` and the backoff keep counting.
  let lastPollError = isPollError(resumed) ? resumed : undefined;
  const details = (): PollHeartbeat => ({ ...options.state?.(), ...(lastPollError ? { lastPollError } : {}) });
  let pauseMs = 0;
  for (;;) {
    if (pauseMs > 0) await heartbeatWhile(context.sleep(pauseMs), details());
    // The first poll goes at once, later ones when the worker's shared ARM budget allows;
    // a queued read can outlast the heartbeat timeout under load, hence the heartbeats.
    const turn = await heartbeatWhile(options.polls.next(context.cancellationSignal), details());
    try {
      const result = await options.poll(details, turn);
      options.metrics?.recorder.poll(options.metrics.phase, 'ok');
      if (lastPollError) context.log.info('Polling recovered', { failedPolls: lastPollError.attempts });
      lastPollError = undefined;
      pauseMs = 0;
      context.heartbeat(details());
      if (result !== undefined) return result;
    } catch (err) {
      if (context.cancellationSignal.aborted) throw cancellationOf(context, err);
      options.metrics?.recorder.poll(options.metrics.phase, isVerdict(err) ? 'ok' : 'error');
      if (isVerdict(err)) throw err;
      const azure = toAzureError(err);
      lastPollError = {
        message: azure.message,
        at: new Date(options.clock.now()).toISOString(),
        attempts: (lastPollError?.attempts ?? 0) + 1,
      };
      context.heartbeat(details());
      context.log.warn('Poll failed; the run keeps polling', { ...lastPollError, code: azure.code });
      options.afterFailedPoll?.(lastPollError);
      pauseMs = backoffMs(lastPollError.attempts, options.pollIntervalMs, azure.retryAfterMs);
      if (options.wakeBy !== undefined) pauseMs = Math.min(pauseMs, Math.max(0, options.wakeBy - options.clock.now()));
    }
  }
}

/** After n failed polls in a row: poll interval × 2ⁿ, at most MAX_POLL_BACKOFF_MS, at least Azure's Retry-After. */
export function backoffMs(failedPolls: number, pollIntervalMs: number, retryAfterMs = 0): number {
  return Math.max(retryAfterMs, Math.min(MAX_POLL_BACKOFF_MS, pollIntervalMs * 2 ** failedPolls));
}

function isVerdict(err: unknown): boolean {
  return err instanceof ApplicationFailure && err.type !== undefined && err.type !== null && VERDICTS.has(err.type);
}

/** A call aborted by cancellation fails with an abort error; report the cancellation itself. */
function cancellationOf(context: Context, err: unknown): unknown {
  if (err instanceof CancelledFailure) return err;
  const reason: unknown = context.cancellationSignal.reason;
  return reason instanceof CancelledFailure ? reason : new CancelledFailure('Activity cancelled', undefined, err as Error);
}
