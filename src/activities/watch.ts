import { Context } from '@temporalio/activity';
import type { AciGateway, ContainerState } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import { gatewayOf } from './failures';
import { type AciFlowMetrics, noopMetrics } from '../common/metrics';
import { readRunContainer } from './containerState';
import { heartbeatWhile } from './heartbeats';
import { exitLineMatcher } from './exitLogPattern';
import { EMPTY_LOG_CURSOR, linesAfterCursor, type LogCursor, parseTimestampedLog } from './logCursor';
import type { Clock } from '../common/clock';
import type { FlowRunLogSink, FlowRunLogWriter } from './logSink';
import { type PollHeartbeat, pollUntilDone } from './pollLoop';
import type { PollScheduler } from '../polling/pollScheduler';
import type { FlowRunTarget, WatchInput, WatchOutput } from './types';

/** Lines fetched per poll; a longer burst between two polls is caught by re-reading the whole log. */
export const LOG_TAIL_LINES = 1000;

/**
 * The one long activity of a run: polls the container until it terminates, streaming its
 * log lines on the way. Heartbeat details carry the log cursor, so the next attempt (after
 * a crash, on any worker) resumes exactly where this one's last heartbeat was. Failed polls
 * are retried (pollLoop); only a missing group or the container's exit ends the activity.
 */
export function watchActivity(
  gatewayFor: GatewayFor,
  logSink: FlowRunLogSink,
  clock: Pick<Clock, 'now'>,
  pollScheduler: PollScheduler,
  metrics: AciFlowMetrics = noopMetrics,
) {
  return async function watch(input: WatchInput): Promise<WatchOutput> {
    const context = Context.current();
    const { target } = input;
    const gateway = gatewayOf(gatewayFor, target);
    const writer = input.streamOutput ? await logSink.open(input.flowRunId) : undefined;
    let cursor = resumeCursor(context.info.heartbeatDetails, writer);
    const polls = pollScheduler.join(target.containerGroupName, {
      minIntervalMs: input.pollIntervalSeconds * 1000,
      readsPerPoll: 1,
      logReadsPerPoll: writer ? 1 : 0,
      flowName: input.flowName,
      ...(input.exitHint !== undefined || input.exitSeen === true ? { urgentFirstPoll: true } : {}),
    });
    // Counted once per hinted attempt; its exit's detection lag is measured apart from unhinted ones.
    if (input.exitHint !== undefined) metrics.exitHint(input.exitHint);
    let hinted = input.exitHint !== undefined;
    const isExitLine = exitLineMatcher(input.exitLogPattern);
    // The log shows the process ended: this worker's own scheduler makes the next poll urgent (once per attempt).
    const onNewLines = (lines: readonly string[]) => {
      if (!isExitLine || !lines.some(isExitLine)) return;
      polls.hinted();
      if (!hinted) metrics.exitHint('log');
      hinted = true;
    };
    try {
      return await pollUntilDone<WatchOutput>({
        polls,
        pollIntervalMs: input.pollIntervalSeconds * 1000,
        clock,
        state: () => ({ ...cursor }),
        metrics: { recorder: metrics, phase: 'watch' },
        poll: async (details, turn) => {
          const { state } = await readRunContainer(gateway, target, polls, details(), context.cancellationSignal, 'while the flow run was running', turn);
          const exited = state?.state === 'Terminated';
          // Read logs after the state: once it says Terminated, this read holds the last lines, so
          // it happens even on a state-only turn. A failed read keeps the cursor, so the next poll
          // reads the same lines again.
          if (writer && (turn.withLogs || exited)) {
            cursor = await streamLogs(gateway, target, writer, cursor, details, context.cancellationSignal, exited ? undefined : onNewLines);
          }
          if (!exited) return undefined;
          polls.exited(state.finishTime ? Date.parse(state.finishTime) : undefined);
          recordExitLag(metrics, state, clock.now(), hinted);
          return { exitCode: state.exitCode ?? -1, logLines: cursor.linesEmitted };
        },
      });
    } finally {
      polls.leave();
    }
  };
}

/** Without a finishTime (some API versions omit it) there is nothing to measure against. */
function recordExitLag(metrics: AciFlowMetrics, state: ContainerState, nowMs: number, hinted: boolean): void {
  const finishedAt = state.finishTime ? Date.parse(state.finishTime) : NaN;
  if (Number.isFinite(finishedAt)) metrics.exitDetected((nowMs - finishedAt) / 1000, hinted);
}

/** The cursor in the last attempt's heartbeat details (which also hold its poll error streak). */
function resumeCursor(details: unknown, writer: FlowRunLogWriter | undefined): LogCursor {
  const cursor: LogCursor = isLogCursor(details)
    ? { linesEmitted: details.linesEmitted, lastTimestamp: details.lastTimestamp, linesAtLastTimestamp: details.linesAtLastTimestamp }
    : EMPTY_LOG_CURSOR;
  const recorded = writer?.linesRecorded();
  // The record is behind the cursor only if it was lost (or lives on another machine): re-read from the start.
  return recorded !== undefined && recorded < cursor.linesEmitted ? EMPTY_LOG_CURSOR : cursor;
}

function isLogCursor(value: unknown): value is LogCursor {
  const candidate = value as Partial<LogCursor> | undefined;
  return typeof candidate?.linesEmitted === 'number' && typeof candidate.linesAtLastTimestamp === 'number';
}

async function streamLogs(
  gateway: AciGateway,
  target: FlowRunTarget,
  writer: FlowRunLogWriter,
  cursor: LogCursor,
  details: () => PollHeartbeat,
  abortSignal: AbortSignal,
  onNewLines?: (lines: readonly string[]) => void,
): Promise<LogCursor> {
  const fetchLines = (tail?: number) =>
    heartbeatWhile(gateway.getLogs({ ...target, tail, timestamps: true }, { abortSignal }), details()).then(parseTimestampedLog);
  let update = linesAfterCursor(await fetchLines(LOG_TAIL_LINES), cursor, LOG_TAIL_LINES);
  if (update.possibleGap) update = linesAfterCursor(await fetchLines(), cursor);
  if (update.lines.length > 0) await writer.write(update.lines, update.firstIndex);
  onNewLines?.(update.lines);
  return update.cursor;
}
