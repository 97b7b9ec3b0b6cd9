/**
 * What Prefect users read in the flow run's logs: the bridge's own messages (submission,
 * Crashed causes, cleanup results) under Prefect's worker logger name, and the container's
 * output lines, which the aci-flow workers record exactly once, under `aci-flow.container`.
 *
 * Container lines are sent in batches (at most MAX_BATCH_LINES lines, each cut to
 * MAX_LINE_CHARS; Prefect writes a batch of this size in one transaction), one batch at a
 * time, in order, each again until Prefect takes it. So the flow run's `aci-flow.container`
 * lines in Prefect are always a prefix of the container's lines, and their count is the
 * cursor: a restarted bridge counts them and goes on after them, so no line is sent twice or
 * lost across restarts.
 */
import { followLogs } from '../client/flowRunLogs';
import { FlowRunNotFoundError } from '../client/errors';
import { done, ok, type Schemas } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { sleep } from '../common/clock';

/** Prefect's own worker writes its per-run messages under this logger name. */
export const WORKER_LOGGER = 'prefect.flow_runs.worker';
export const CONTAINER_LOGGER = 'aci-flow.container';
export const MAX_BATCH_LINES = 100;
export const MAX_LINE_CHARS = 10_000;
/** Lines wait at most this long for their batch to fill. */
export const FLUSH_INTERVAL_MS = 1_000;
/**
 * Each followed run costs a log read and a workflow describe per read interval: with many runs
 * held, each is read less often (1 s up to 50 runs, then 20 ms per run: 1,000 runs read every
 * 20 s, 50 reads a second in all).
 */
export function logReadIntervalMs(runsHeld: number): number {
  return Math.max(FLUSH_INTERVAL_MS, runsHeld * 20);
}
/** Prefect's logs filter page size (its default API limit). */
const PAGE = 200;

export const LogLevel = { info: 20, warning: 30, error: 40 } as const;

/** One bridge message into the flow run's logs; a failure is logged and the run goes on. */
export async function writeRunLog(ctx: BridgeContext, flowRunId: string, level: keyof typeof LogLevel, message: string): Promise<void> {
  try {
    done(
      'POST /logs/',
      await ctx.api.POST('/logs/', {
        body: [{ name: WORKER_LOGGER, level: LogLevel[level], message, timestamp: new Date().toISOString(), flow_run_id: flowRunId }],
      }),
    );
  } catch (err) {
    ctx.log(`flow run ${flowRunId}: could not write to its Prefect logs (${messageOf(err)})`);
  }
}

/** How many container lines of the run Prefect holds already (the cursor). */
export async function countForwardedLines(ctx: BridgeContext, flowRunId: string): Promise<number> {
  let count = 0;
  for (let offset = 0; ; offset += PAGE) {
    const page = ok(
      `POST /logs/filter (${flowRunId})`,
      await ctx.api.POST('/logs/filter', {
        body: { logs: { operator: 'and_', flow_run_id: { any_: [flowRunId] } }, limit: PAGE, offset, sort: 'TIMESTAMP_ASC' } as never,
      }),
    );
    count += page.filter((entry) => entry.name === CONTAINER_LOGGER).length;
    if (page.length < PAGE) return count;
  }
}

/**
 * Sends the run's container lines to its Prefect logs until the aci-flow run closes and every
 * line is sent, or the signal aborts (the next bridge goes on from the cursor).
 */
export async function forwardContainerLogs(ctx: BridgeContext, flowRunId: string, signal: AbortSignal, readIntervalMs = FLUSH_INTERVAL_MS): Promise<void> {
  const skip = await countForwardedLines(ctx, flowRunId);
  let index = 0;
  let pending: Array<Schemas['LogCreate']> = [];
  let sending: Promise<void> = Promise.resolve();
  const flush = (): Promise<void> => {
    const batch = pending;
    pending = [];
    if (batch.length > 0) sending = sending.then(() => sendBatch(ctx, flowRunId, batch, signal));
    return sending;
  };
  const timer = setInterval(() => void flush(), FLUSH_INTERVAL_MS);
  try {
    for await (const line of followLogs(flowRunId, { client: ctx.temporal, ...ctx.logSource, follow: true, signal, pollIntervalMs: readIntervalMs })) {
      if (++index <= skip) continue;
      pending.push({
        name: CONTAINER_LOGGER,
        level: LogLevel.info,
        message: line.length > MAX_LINE_CHARS ? `${line.slice(0, MAX_LINE_CHARS)}… (line cut at ${MAX_LINE_CHARS} characters)` : line,
        timestamp: new Date().toISOString(),
        flow_run_id: flowRunId,
      });
      // Bounded: a full batch is sent before more lines are read.
      if (pending.length >= MAX_BATCH_LINES) await flush();
    }
  } catch (err) {
    if (!(err instanceof FlowRunNotFoundError)) throw err;
  } finally {
    clearInterval(timer);
  }
  await flush();
}

async function sendBatch(ctx: BridgeContext, flowRunId: string, batch: Array<Schemas['LogCreate']>, signal: AbortSignal): Promise<void> {
  for (let attempt = 1; !signal.aborted; attempt++) {
    try {
      done('POST /logs/', await ctx.api.POST('/logs/', { body: batch }));
      return;
    } catch (err) {
      if (attempt === 1 || attempt % 10 === 0)
        ctx.log(`flow run ${flowRunId}: could not send ${batch.length} container log lines to Prefect (${messageOf(err)}); retrying`);
      await sleep(Math.min(attempt, 10) * 1000, signal).catch(() => undefined);
    }
  }
}
