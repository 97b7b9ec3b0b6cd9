/**
 * One benchmark scenario: N concurrent simulated flow runs on a fresh worker process with
 * one poll strategy, a sample of them cancelled mid-run; measured from the emulator (ARM
 * calls, 429s, container exits and deletions), Temporal (close times, histories) and
 * /proc (the worker's memory and CPU).
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { PollStrategy } from '../src/polling/pollScheduler';
import { cancelFlowRun } from '../src/client/flowRunCancel';
import { prepareFlowRun, startFlowRun, type PreparedFlowRun } from '../src/client/flowRuns';
import { actionsOfHistory, type RunActions } from './actions';
import { recordedStatus } from '../src/client/flowRunStatus';
import type { PoolConfig } from '../src/config';
import type { RunningEmulator } from '../src/emulator';
import { GroupObserver } from './groupObserver';
import type { BenchOptions } from './options';
import { max, mean, percentile } from './stats';
import { type BenchWorker, startWorkerProcess, type WorkerProcessOptions } from './workerProcess';

export const BENCH_IMAGE = 'aci-flow/sim:bench';
/** The workflow's first cleanup step: it is scheduled the moment the run knows its container ended. */
export const CLEANUP_ACTIVITIES = new Set(['deleteContainerGroup', 'stopContainerGroup']);
/** Temporal calls in flight at once while starting, describing or cancelling runs. */
const CLIENT_CONCURRENCY = 50;
/** Cancel a sampled run this long after its container was seen running (at most a third of its duration), so it is mid-run. */
const CANCEL_AFTER_RUNNING_MS = 10_000;
/**
 * The Prefect worker has no shared read budget: every run polls on its own. The fixed
 * strategy runs with the worker's read limiter lifted and not steered from ARM's headers, so it behaves the same; writes and
 * deletes keep the worker's limits in both strategies, so only polling differs.
 */
export const PREFECT_STYLE_ENV: NodeJS.ProcessEnv = { ACI_FLOW_ARM_READS_PER_SECOND: '1000000', ACI_FLOW_ARM_STEERING: 'off' };

export interface BenchContext {
  client: Client;
  emulator: RunningEmulator;
  resourceGroup: string;
  pool: PoolConfig;
  temporalAddress: string;
  workflowBundlePath: string;
  resultsDir: string;
  /** Makes flow run ids unique across benchmark runs on the same dev server. */
  runTag: string;
}

/**
 * A worker process of this benchmark for one strategy: on its Temporal server and emulator,
 * rendering from its pool, Prefect-style settings for `fixed`; `extra` names what differs.
 */
export function benchWorker(
  context: BenchContext,
  strategy: PollStrategy,
  extra: Pick<WorkerProcessOptions, 'workPool' | 'logDir' | 'outputFile' | 'onStdoutLine' | 'heapSnapshotDir' | 'maxConcurrentRuns'> & {
    env?: NodeJS.ProcessEnv;
  },
): Promise<BenchWorker> {
  return startWorkerProcess(context.client, {
    poolConfigFile: context.pool.source,
    strategy,
    temporalAddress: context.temporalAddress,
    armEndpoint: context.emulator.endpoint,
    armCaFile: context.emulator.caCertPath,
    workflowBundlePath: context.workflowBundlePath,
    ...extra,
    env: { ...(strategy === 'fixed' ? PREFECT_STYLE_ENV : {}), ...extra.env },
  });
}

export interface ScenarioResult {
  strategy: PollStrategy;
  runs: number;
  wallSeconds: number;
  armReads: number;
  armReadsPerRunMinute: number;
  throttled: number;
  emulatorCounters: Record<string, number>;
  historyEvents: { runs: number; mean?: number; max?: number };
  /** Temporal Actions (bench/actions.ts): per closed run, and per run-hour over all closed runs. */
  temporalActions: { perRun?: number; perRunHour?: number; heartbeatsPerRun?: number };
  armReadsPerRun: number;
  /** Container exit (emulator) → the workflow schedules cleanup (history): how long the exit went unnoticed. */
  exitToDetectedSeconds: LatencySummary;
  /** Container exit → workflow closed: detection plus the whole cleanup (group and deployment deleted). */
  exitToClosedSeconds: LatencySummary;
  cancelToDeletedSeconds: LatencySummary;
  /** A cancel while the run is still Deploying → the run closed (its deployment cancelled, whatever it created deleted). */
  cancelWhileDeployingToClosedSeconds: LatencySummary;
  worker: { peakRssMiB: number; cpuSeconds: number; exitCode: number | null };
  outcomes: Record<string, number>;
  unfinished: number;
}

export interface LatencySummary {
  samples: number;
  p50?: number;
  p95?: number;
  max?: number;
}

interface RunRecord {
  prepared: PreparedFlowRun;
  durationMs: number;
  cancel: boolean;
  /** Cancelled as soon as it has started, while it deploys (a sample apart from `cancel`). */
  cancelWhileDeploying: boolean;
  startedAt?: number;
  cancelSignalAt?: number;
  /** The group was not yet running when the cancel was sent. */
  cancelledBeforeRunning?: boolean;
  closedAt?: number;
  openedAt?: number;
  phase?: string;
  /** When the workflow scheduled its cleanup activity. */
  cleanupScheduledAt?: number;
  historyEvents?: number;
  actions?: RunActions;
}

export async function runScenario(context: BenchContext, options: BenchOptions, strategy: PollStrategy, size: number): Promise<ScenarioResult> {
  const { client, emulator } = context;
  const scenarioId = `${context.runTag}${strategy[0]}${size}`;
  const workPool = `bench-${strategy}`;
  const runs = planRuns(context, options, scenarioId, workPool, size);
  const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] ${strategy} N=${size}: ${message}`);

  // Fresh ARM buckets and counters: each scenario starts from an idle subscription.
  emulator.setFaults({ throttling: undefined });
  emulator.setFaults({ throttling: {} });
  emulator.resetCounters();

  const worker = await benchWorker(context, strategy, {
    workPool,
    logDir: mkdtempSync(join(tmpdir(), 'aci-flow-bench-logs-')),
    outputFile: join(context.resultsDir, `worker-${strategy}-${size}.log`),
  });
  const cpuAtStart = worker.usage().cpuSeconds;
  log(`worker pid ${worker.pid} polling; starting ${size} runs`);

  const observer = new GroupObserver(
    emulator,
    context.resourceGroup,
    runs.map((run) => run.prepared.containerGroupName),
  );
  observer.start();
  const startedAt = Date.now();
  let peakRssBytes = 0;
  const rssSampler = setInterval(() => {
    peakRssBytes = Math.max(peakRssBytes, worker.usage().peakRssBytes);
  }, 1_000);
  const canceller = setInterval(() => cancelDueRuns(client, runs, observer), 250);
  let unfinished = size;
  try {
    await forEachConcurrently(runs, async (run) => {
      run.startedAt = Date.now();
      await startFlowRun(client, run.prepared);
    });
    log(`all started in ${((Date.now() - startedAt) / 1000).toFixed(1)} s`);
    unfinished = await waitUntilClosed(client, scenarioId, startedAt + options.scenarioTimeoutMs, log);
  } finally {
    clearInterval(canceller);
    clearInterval(rssSampler);
    observer.stop();
  }
  const wallSeconds = (Date.now() - startedAt) / 1000;
  const emulatorCounters = emulator.counters();
  const usage = worker.usage();
  peakRssBytes = Math.max(peakRssBytes, usage.peakRssBytes);
  const exitCode = await worker.stop();
  log(`done in ${wallSeconds.toFixed(0)} s (${unfinished} unfinished); collecting results`);

  await forEachConcurrently(runs, async (run) => {
    const description = await client.workflow.getHandle(run.prepared.workflowId).describe();
    run.openedAt = description.startTime.getTime();
    run.closedAt = description.closeTime?.getTime();
    run.phase = description.closeTime ? recordedStatus(run.prepared.flowRunId, description).phase : 'Unfinished';
    if (run.closedAt !== undefined) readHistory(await client.workflow.getHandle(run.prepared.workflowId).fetchHistory(), run);
  });

  const exitedRuns = runs.filter((run) => !run.cancel && !run.cancelWhileDeploying && run.closedAt !== undefined);
  const secondsFromExit = (run: RunRecord, until: number | undefined) => {
    const exitedAt = observer.timeline(run.prepared.containerGroupName).exitedAt;
    return exitedAt === undefined || until === undefined ? [] : [(until - exitedAt) / 1000];
  };
  const exitToClosed = exitedRuns.flatMap((run) => secondsFromExit(run, run.closedAt));
  const exitToDetected = exitedRuns.flatMap((run) => secondsFromExit(run, run.cleanupScheduledAt));
  const cancelWhileDeployingLatencies = runs
    .filter((run) => run.cancelWhileDeploying && run.cancelledBeforeRunning && run.cancelSignalAt !== undefined && run.closedAt !== undefined)
    .map((run) => ((run.closedAt as number) - (run.cancelSignalAt as number)) / 1000);
  const cancelLatencies = runs
    .filter((run) => run.cancel && run.cancelSignalAt !== undefined)
    .flatMap((run) => {
      const deletedAt = observer.timeline(run.prepared.containerGroupName).deletedAt;
      return deletedAt === undefined ? [] : [(deletedAt - (run.cancelSignalAt as number)) / 1000];
    });
  const runMinutes = runs.reduce((sum, run) => sum + ((run.closedAt ?? Date.now()) - (run.openedAt ?? startedAt)) / 60_000, 0);
  const historyEvents = runs.flatMap((run) => (run.historyEvents === undefined ? [] : [run.historyEvents]));
  const outcomes: Record<string, number> = {};
  for (const run of runs) outcomes[run.phase ?? 'Unknown'] = (outcomes[run.phase ?? 'Unknown'] ?? 0) + 1;
  const armReads = emulatorCounters.reads ?? 0;
  const actions = runs.flatMap((run) => (run.actions === undefined ? [] : [run.actions]));
  const actionHours = actions.reduce((sum, action) => sum + action.runSeconds, 0) / 3600;
  const totalActions = actions.reduce((sum, action) => sum + action.total, 0);

  return {
    strategy,
    runs: size,
    wallSeconds,
    armReads,
    armReadsPerRunMinute: armReads / runMinutes,
    throttled: emulatorCounters.throttled ?? 0,
    emulatorCounters,
    historyEvents: { runs: historyEvents.length, mean: mean(historyEvents), max: max(historyEvents) },
    temporalActions: {
      perRun: mean(actions.map((action) => action.total)),
      perRunHour: actionHours > 0 ? totalActions / actionHours : undefined,
      heartbeatsPerRun: mean(actions.map((action) => action.heartbeats)),
    },
    armReadsPerRun: armReads / size,
    exitToDetectedSeconds: summary(exitToDetected),
    exitToClosedSeconds: summary(exitToClosed),
    cancelToDeletedSeconds: summary(cancelLatencies),
    cancelWhileDeployingToClosedSeconds: summary(cancelWhileDeployingLatencies),
    worker: { peakRssMiB: peakRssBytes / 2 ** 20, cpuSeconds: usage.cpuSeconds - cpuAtStart, exitCode },
    outcomes,
    unfinished,
  };
}

/** Durations spread evenly over the range (shuffled by a fixed stride, so exits don't come in order); the cancel sample gets the longest. */
function planRuns(context: BenchContext, options: BenchOptions, scenarioId: string, workPool: string, size: number): RunRecord[] {
  const { minMs, maxMs } = options.durationMs;
  const cancelCount = options.cancelFraction > 0 ? Math.max(1, Math.round(size * options.cancelFraction)) : 0;
  const cancelEvery = cancelCount > 0 ? Math.floor(size / cancelCount) : Infinity;
  return Array.from({ length: size }, (_, index) => {
    const spread = size === 1 ? 0 : (index * 0.618034) % 1;
    const cancel = index % cancelEvery === 0 && index / cancelEvery < cancelCount;
    // Halfway between two runs of the mid-run sample, so the two samples never overlap.
    const cancelWhileDeploying = cancelEvery > 1 && index % cancelEvery === Math.floor(cancelEvery / 2) && Math.floor(index / cancelEvery) < cancelCount;
    const durationMs = cancel || cancelWhileDeploying ? maxMs : Math.round(minMs + spread * (maxMs - minMs));
    const prepared = prepareFlowRun({
      pool: context.pool,
      workPool,
      flowName: `bench-${scenarioId}`,
      flowRunId: `${scenarioId}-${index}`,
      values: {
        image: BENCH_IMAGE,
        command: 'simulated',
        entrypoint: null,
        resource_group_name: context.resourceGroup,
        stream_output: true,
        task_watch_poll_interval: options.pollIntervalSeconds,
        env: { SIM_DURATION_MS: String(durationMs), SIM_LOG_LINES_PER_SECOND: String(options.logLinesPerSecond) },
      },
    });
    return { prepared, durationMs, cancel, cancelWhileDeploying };
  });
}

function cancelDueRuns(client: Client, runs: RunRecord[], observer: GroupObserver): void {
  const now = Date.now();
  for (const run of runs) {
    if (run.cancelSignalAt !== undefined) continue;
    const runningAt = observer.timeline(run.prepared.containerGroupName).runningAt;
    if (run.cancelWhileDeploying) {
      if (run.startedAt === undefined) continue;
      run.cancelledBeforeRunning = runningAt === undefined;
    } else if (!run.cancel || runningAt === undefined || now < runningAt + Math.min(CANCEL_AFTER_RUNNING_MS, run.durationMs / 3)) {
      continue;
    }
    run.cancelSignalAt = now;
    cancelFlowRun(client, run.prepared.flowRunId, 'benchmark cancel sample').catch((err: unknown) => {
      console.error(`cancel of ${run.prepared.flowRunId} failed: ${err instanceof Error ? err.message : String(err)}`);
      run.cancelSignalAt = undefined;
    });
  }
}

/** Waits until no run of the scenario is open; returns how many still were at the deadline. */
async function waitUntilClosed(client: Client, scenarioId: string, deadline: number, log: (message: string) => void): Promise<number> {
  const query = `FlowName = 'bench-${scenarioId}' AND ExecutionStatus = 'Running'`;
  let lastLogAt = 0;
  for (;;) {
    const { count } = await client.workflow.count(query);
    if (count === 0 || Date.now() > deadline) return count;
    if (Date.now() - lastLogAt > 30_000) {
      log(`${count} runs still open`);
      lastLogAt = Date.now();
    }
    await sleep(1_000);
  }
}

type History = Awaited<ReturnType<ReturnType<Client['workflow']['getHandle']>['fetchHistory']>>;

function readHistory(history: History, run: RunRecord): void {
  const events = history.events ?? [];
  run.historyEvents = events.length;
  run.actions = actionsOfHistory(history);
  const cleanup = events.find((event) => CLEANUP_ACTIVITIES.has(event.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
  run.cleanupScheduledAt = optionalTsToMs(cleanup?.eventTime);
}

export function summary(values: number[]): LatencySummary {
  return { samples: values.length, p50: percentile(values, 50), p95: percentile(values, 95), max: max(values) };
}

export async function forEachConcurrently<T>(items: T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lanes = Array.from({ length: Math.min(CLIENT_CONCURRENCY, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++]!; // next < items.length was just checked
      await work(item);
    }
  });
  await Promise.all(lanes);
}
