/**
 * The steady-state scenario (`npm run bench -- --scenario steady`, docs/benchmark.md): N flow
 * runs kept in flight by K worker processes on one pool, every finished run replaced at once,
 * measured over a window that starts after the warm-up (the first minute, and not before
 * every initial run is deployed), so the start-up ramp is not in the figures.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import type { temporal } from '@temporalio/proto';
import type { PollStrategy } from '../src/polling/pollScheduler';
import { cancelFlowRun } from '../src/client/flowRunCancel';
import { prepareFlowRun, startFlowRun, type PreparedFlowRun } from '../src/client/flowRuns';
import { freePort } from '../src/localServices';
import { exitedSignal } from '../src/workflows/definitions';
import { DEFAULT_MAX_CONCURRENT_ACTIVITIES } from '../src/workerHost/settings';
import { GroupObserver } from './groupObserver';
import type { BenchOptions } from './options';
import { BENCH_IMAGE, benchWorker, CLEANUP_ACTIVITIES, forEachConcurrently, summary, type BenchContext, type LatencySummary } from './scenario';
import { max, mean } from './stats';
import { ARM_READS_PER_SECOND, pollingFloorSeconds } from './table';
import { describeDetectionBreakdown, detectionBreakdown, type DetectionGroup } from './detectionBreakdown';
import { describeReadsPerRun, lifecycleReads, readsPerRun, scrapeReadsByPurpose } from './readsByPurpose';
import type { BenchWorker } from './workerProcess';

/** Flows with distinct typical durations; each run lasts its flow's typical duration ± DURATION_SPREAD. */
export const STEADY_FLOWS = [
  { name: '2m', typicalMs: 2 * 60_000 },
  { name: '5m', typicalMs: 5 * 60_000 },
  { name: '10m', typicalMs: 10 * 60_000 },
  { name: '20m', typicalMs: 20 * 60_000 },
] as const;
const DURATION_SPREAD = 0.2;
/** The measurement window opens this long after the first start at the earliest (the targets in docs/design.md are "once the first minute is over"). */
export const WARMUP_MS = 60_000;
/** If the initial runs are not all deployed by then, the window opens anyway (and the row says so). */
const DEPLOY_WAIT_LIMIT_MS = 15 * 60_000;
/** After the window, how long runs that exited inside it may take to be detected and cleaned up. */
const DRAIN_LIMIT_MS = 3 * 60_000;
const START_CONCURRENCY = 50;
const TICK_MS = 250;
/** A worker writes a streamed line to its output as `[flow-run <id>] <line>`; the simulated container's lines are `sim line <n>`. */
const SIM_LINE = /^\[flow-run (\S+)\] sim line (\d+)$/;

/**
 * `--max-concurrent-runs` of each worker of a row with N runs: each run holds one activity slot
 * for life and Temporal hands tasks to whichever worker polls first, so every worker gets room
 * for all N; up to the worker's default (the rows of N = 1000) the workers run as they ship.
 */
export function workerSlotsFor(size: number): number | undefined {
  return size > DEFAULT_MAX_CONCURRENT_ACTIVITIES ? size : undefined;
}

export interface SteadyRow {
  strategy: PollStrategy;
  size: number;
  workers: number;
  subscriptions: number;
}

export interface SteadyResult extends SteadyRow {
  warmupSeconds: number;
  /** The initial runs were not all deployed within DEPLOY_WAIT_LIMIT_MS; the window opened anyway. */
  warmupTimedOut: boolean;
  /** The measurement window's length (`--minutes`, unless the row was cut short). */
  windowSeconds: number;
  /** Runs started in the whole row, replacements included. */
  runsStarted: number;
  /** Starts the client could not make (logged; such a run is left out of every figure). */
  startFailures: number;
  /** The emulator's read counter over the window ÷ its length: every worker's reads, throttled attempts included. */
  armReadsPerSecond: number;
  /** ARM's read refill for all the subscriptions used (25/s each). */
  refillReadsPerSecond: number;
  /** 429s since the row began (the ramp included)... */
  throttledTotal: number;
  /** ...and inside the window only. */
  throttledInWindow: number;
  /** Each emulator counter (reads, writes, deletes, by call kind) over the window. */
  emulatorCountersInWindow: Record<string, number>;
  /** The workers' ARM reads in the window outside state and log polls (deploy, checks, cleanup), divided by the runs deleted in the window... */
  lifecycleReadsPerRun: number;
  /** ...and all of them by purpose, state and log polls included. */
  readsPerRunByPurpose: Record<string, number>;
  /** Mean-delay floor of uniform pure polling for N/S runs per subscription at ARM's refill (table.ts pollingFloorSeconds). */
  floorSeconds: number;
  /** Runs not hinted (pure polling). */
  exitToDetectedSeconds: LatencySummary;
  /** The same by flow and by where in its flow's spread each run ended: which runs make the tail. */
  exitToDetectedByFlow: DetectionGroup[];
  /** Runs whose container exited in the window but whose exit was not detected before the drain ended (hinted ones included). */
  undetectedExits: number;
  /** The runs whose exit the benchmark hinted (`--hint-fraction`), from the exit to its detection. */
  hintedExitToDetectedSeconds: LatencySummary;
  logDelaySeconds: LatencySummary;
  cancelToDeletedSeconds: LatencySummary;
  historyEvents: { runs: number; mean?: number; max?: number };
  workerStats: Array<{ peakRssMiB: number; cpuPercentOfCore: number; exitCode: number | null }>;
  /** Runs still open after the drain, terminated so they do not outlive the row. */
  terminatedAtEnd: number;
}

interface SteadyRun {
  index: number;
  flow: string;
  /** durationMs ÷ the flow's typical duration at this duration scale. */
  durationRatio: number;
  prepared: PreparedFlowRun;
  durationMs: number;
  /** Cancel this long after the container was seen running; undefined = not cancelled. */
  cancelAfterRunningMs?: number;
  /** Its container "sends" the exited hint once the emulator shows the exit. */
  hinted: boolean;
  hintSentAt?: number;
  startFailed?: boolean;
  cancelSignalAt?: number;
  cleanupScheduledAt?: number;
  /** When each of the run's activities (deploy, waitForStart, watch) completed, from its history. */
  completedAt?: Record<string, number>;
  historyEvents?: number;
}

/** Activity type → the time its (last) completion was recorded. */
function activityCompletions(events: temporal.api.history.v1.IHistoryEvent[]): Record<string, number> {
  const typeOf = new Map<string, string>();
  const completedAt: Record<string, number> = {};
  for (const event of events) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled) typeOf.set(String(event.eventId), scheduled.activityType?.name ?? '');
    const completed = event.activityTaskCompletedEventAttributes;
    const type = completed ? typeOf.get(String(completed.scheduledEventId)) : undefined;
    const at = optionalTsToMs(event.eventTime);
    if (type && at !== undefined) completedAt[type] = at;
  }
  return completedAt;
}

/** A deterministic value in [0, 1) per index (integer hash), so rows and invocations get the same durations. */
function unitHash(index: number, salt: number): number {
  let x = Math.imul(index ^ salt, 0x9e3779b1) >>> 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b) >>> 0;
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35) >>> 0;
  return ((x ^ (x >>> 16)) >>> 0) / 2 ** 32;
}

export function subscriptionId(index: number): string {
  return `00000000-0000-0000-0000-${String(index + 1).padStart(12, '0')}`;
}

export async function runSteadyScenario(context: BenchContext, options: BenchOptions, row: SteadyRow): Promise<SteadyResult> {
  const { client, emulator } = context;
  const { strategy, size, workers: workerCount, subscriptions } = row;
  const rowId = `${context.runTag}${strategy[0]}${size}k${workerCount}s${subscriptions}`;
  const workPool = `bench-${rowId}`;
  const label = `${strategy} N=${size} K=${workerCount} S=${subscriptions}`;
  const log = (message: string) => console.error(`[${new Date().toISOString().slice(11, 19)}] steady ${label}: ${message}`);
  const cancelEvery = options.cancelFraction > 0 ? Math.max(1, Math.round(1 / options.cancelFraction)) : Infinity;

  emulator.setFaults({ throttling: undefined });
  emulator.setFaults({ throttling: {} });
  emulator.resetCounters();

  const runs: SteadyRun[] = [];
  const byFlowRunId = new Map<string, SteadyRun>();
  const observer = new GroupObserver(emulator, context.resourceGroup, []);
  const planRun = (): SteadyRun => {
    const index = runs.length;
    const flow = STEADY_FLOWS[index % STEADY_FLOWS.length]!; // index modulo the length
    const spread = 1 + DURATION_SPREAD * (2 * unitHash(index, 1) - 1);
    const durationMs = Math.max(1_000, Math.round(flow.typicalMs * options.durationScale * spread));
    const cancel = index % cancelEvery === cancelEvery - 1;
    const prepared = prepareFlowRun({
      pool: context.pool,
      workPool,
      flowName: `bench-${rowId}-${flow.name}`,
      flowRunId: `${rowId}-${index}`,
      values: {
        image: BENCH_IMAGE,
        command: 'simulated',
        entrypoint: null,
        resource_group_name: context.resourceGroup,
        subscription_id: subscriptionId(index % subscriptions),
        stream_output: true,
        task_watch_poll_interval: options.pollIntervalSeconds,
        env: { SIM_DURATION_MS: String(durationMs), SIM_LOG_LINES_PER_SECOND: String(options.logLinesPerSecond) },
      },
    });
    // Cancelled between 30 % and 70 % of the way through, so the cancel lands mid-run.
    const run: SteadyRun = {
      index,
      flow: flow.name,
      durationRatio: durationMs / (flow.typicalMs * options.durationScale),
      prepared,
      durationMs,
      cancelAfterRunningMs: cancel ? durationMs * (0.3 + 0.4 * unitHash(index, 2)) : undefined,
      hinted: !cancel && unitHash(index, 3) < options.hintFraction,
    };
    runs.push(run);
    byFlowRunId.set(prepared.flowRunId, run);
    observer.track(prepared.containerGroupName);
    return run;
  };

  // Measurement window, set once the warm-up is over; lines and latencies outside it are not counted.
  let windowStart = Infinity;
  let windowEnd = Infinity;
  const inWindow = (at: number) => at >= windowStart && at <= windowEnd;
  const logDelays: number[] = [];
  const lineIntervalMs = options.logLinesPerSecond > 0 ? 1000 / options.logLinesPerSecond : 0;
  const onStdoutLine = (line: string, at: number) => {
    if (!inWindow(at)) return;
    const match = SIM_LINE.exec(line);
    const run = match ? byFlowRunId.get(match[1]!) : undefined;
    const runningAt = run && observer.timeline(run.prepared.containerGroupName).runningAt;
    // Line n of a simulated container is written (n − 1) intervals after it started running.
    if (match && runningAt !== undefined) logDelays.push((at - (runningAt + (Number(match[2]) - 1) * lineIntervalMs)) / 1000);
  };

  const logDir = mkdtempSync(join(tmpdir(), 'aci-flow-bench-logs-'));
  const metricsPorts: number[] = [];
  for (let k = 0; k < workerCount; k++) metricsPorts.push(await freePort(undefined, metricsPorts));
  const workers: BenchWorker[] = await Promise.all(
    Array.from({ length: workerCount }, (_, k) =>
      benchWorker(context, strategy, {
        workPool,
        logDir,
        outputFile: join(context.resultsDir, `worker-steady-${strategy}-${size}-k${workerCount}-s${subscriptions}-${k + 1}.log`),
        env: { ACI_FLOW_METRICS_ADDRESS: `127.0.0.1:${metricsPorts[k]}` },
        onStdoutLine,
        heapSnapshotDir: options.heapSnapshot ? context.resultsDir : undefined,
        maxConcurrentRuns: workerSlotsFor(size),
      }),
    ),
  );
  log(`${workerCount} worker(s) polling (pids ${workers.map((w) => w.pid).join(', ')}); starting ${size} runs`);

  // Starts go through one queue with a bounded number of Temporal calls in flight.
  const startQueue: SteadyRun[] = [];
  let startsInFlight = 0;
  let startFailures = 0;
  const pumpStarts = () => {
    while (startsInFlight < START_CONCURRENCY && startQueue.length > 0) {
      const run = startQueue.shift() as SteadyRun;
      startsInFlight += 1;
      startFlowRun(client, run.prepared)
        .catch((err: unknown) => {
          run.startFailed = true;
          startFailures += 1;
          log(`start of ${run.prepared.flowRunId} failed: ${err instanceof Error ? err.message : String(err)}`);
        })
        .finally(() => {
          startsInFlight -= 1;
          pumpStarts();
        });
    }
  };
  const launch = () => {
    startQueue.push(planRun());
    pumpStarts();
  };

  const peakRss = workers.map(() => 0);
  // A heap snapshot roughly doubles a worker's memory while it is written: the figures stop before it.
  let rssFrozen = false;
  const sampleRss = () =>
    workers.forEach((worker, k) => {
      if (rssFrozen) return;
      try {
        peakRss[k] = Math.max(peakRss[k] ?? 0, worker.usage().peakRssBytes);
      } catch {
        // The worker has exited (its exit code goes in the row); its last sample stands.
      }
    });
  const rssSampler = setInterval(sampleRss, 1_000);
  observer.start();
  const startedAt = Date.now();
  const initial = Array.from({ length: size }, () => planRun());
  startQueue.push(...initial);
  pumpStarts();

  // In flight = started and its group not deleted yet; a deleted group (or a failed start) frees a slot for a new run.
  let inFlight = new Set<SteadyRun>(initial);
  let replacing = true;
  const tick = () => {
    const now = Date.now();
    const still = new Set<SteadyRun>();
    for (const run of inFlight) {
      const timeline = observer.timeline(run.prepared.containerGroupName);
      if (timeline.deletedAt !== undefined || run.startFailed) {
        if (replacing) {
          launch();
          still.add(runs[runs.length - 1]!); // launch() just planned it
        }
        continue;
      }
      still.add(run);
      if (run.hinted && run.hintSentAt === undefined && timeline.exitedAt !== undefined) {
        // As a container's orchestrator would: fire and forget, the moment it knows.
        run.hintSentAt = now;
        client.workflow
          .getHandle(run.prepared.workflowId)
          .signal(exitedSignal, { source: 'container' })
          .catch((err: unknown) => log(`exit hint to ${run.prepared.flowRunId} failed: ${err instanceof Error ? err.message : String(err)}`));
      }
      if (run.cancelAfterRunningMs !== undefined && run.cancelSignalAt === undefined && replacing) {
        if (timeline.runningAt !== undefined && now >= timeline.runningAt + run.cancelAfterRunningMs) {
          run.cancelSignalAt = now;
          cancelFlowRun(client, run.prepared.flowRunId, 'benchmark cancel sample').catch((err: unknown) => {
            log(`cancel of ${run.prepared.flowRunId} failed: ${err instanceof Error ? err.message : String(err)}`);
          });
        }
      }
    }
    inFlight = still;
  };
  const ticker = setInterval(tick, TICK_MS);

  let readsAtStart: Record<string, number> = {};
  let readsAtEnd: Record<string, number> = {};
  let countersAtStart: Record<string, number> = {};
  let countersAtEnd: Record<string, number> = {};
  let cpuAtStart: number[] = [];
  let cpuAtEnd: number[] = [];
  let warmupTimedOut = false;
  try {
    // Warm-up: the first minute, and until every initial run's group exists.
    for (;;) {
      const now = Date.now();
      const deployed = initial.filter((run) => run.startFailed || observer.timeline(run.prepared.containerGroupName).createdAt !== undefined).length;
      if (now - startedAt >= WARMUP_MS && deployed === size) break;
      if (now - startedAt >= DEPLOY_WAIT_LIMIT_MS) {
        warmupTimedOut = true;
        log(`only ${deployed} of ${size} initial runs deployed after ${DEPLOY_WAIT_LIMIT_MS / 60_000} min; measuring anyway`);
        break;
      }
      await sleep(TICK_MS);
    }
    windowStart = Date.now();
    countersAtStart = emulator.counters();
    readsAtStart = await scrapeReadsByPurpose(metricsPorts);
    cpuAtStart = workers.map((worker) => worker.usage().cpuSeconds);
    windowEnd = windowStart + options.minutes * 60_000;
    log(`warm-up over after ${((windowStart - startedAt) / 1000).toFixed(0)} s; measuring for ${options.minutes} min`);
    while (Date.now() < windowEnd) {
      await sleep(Math.min(30_000, windowEnd - Date.now()));
      log(`${inFlight.size} in flight, ${runs.length} started, ${logDelays.length} log lines measured`);
    }
    windowEnd = Date.now();
    countersAtEnd = emulator.counters();
    readsAtEnd = await scrapeReadsByPurpose(metricsPorts);
    cpuAtEnd = workers.map((worker) => worker.usage().cpuSeconds);
    replacing = false;
    sampleRss();
    if (options.heapSnapshot) {
      rssFrozen = true;
      for (const worker of workers) {
        const rss = worker.usage().rssBytes;
        log(`heap snapshot of worker ${worker.pid} (RSS ${(rss / 2 ** 20).toFixed(0)} MiB, ${inFlight.size} runs in flight): ${await worker.heapSnapshot()}`);
      }
    }

    // Drain: runs that exited (or were cancelled) inside the window get the time to be detected and cleaned up.
    const pending = () =>
      runs.filter((run) => {
        const timeline = observer.timeline(run.prepared.containerGroupName);
        const exitedInWindow = timeline.exitedAt !== undefined && inWindow(timeline.exitedAt);
        const cancelledInWindow = run.cancelSignalAt !== undefined && inWindow(run.cancelSignalAt);
        return (exitedInWindow || cancelledInWindow) && timeline.deletedAt === undefined;
      }).length;
    const drainDeadline = Date.now() + DRAIN_LIMIT_MS;
    while (pending() > 0 && Date.now() < drainDeadline) await sleep(1_000);
    log(`window closed; ${pending()} runs that exited in it still not cleaned up after the drain`);
  } finally {
    clearInterval(ticker);
    clearInterval(rssSampler);
    observer.stop();
  }
  sampleRss();
  const exitCodes = await Promise.all(workers.map((worker) => worker.stop()));

  // Runs still open (long flows, the drain's stragglers) would otherwise outlive the row.
  let terminatedAtEnd = 0;
  await forEachConcurrently(
    runs.filter((run) => !run.startFailed && observer.timeline(run.prepared.containerGroupName).deletedAt === undefined),
    async (run) => {
      try {
        await client.workflow.getHandle(run.prepared.workflowId).terminate('benchmark row over');
        terminatedAtEnd += 1;
      } catch {
        // Already closed between the last observation and now: nothing to end.
      }
    },
  );

  // Histories of the runs that closed on their own: event counts and when each noticed its exit.
  const closed = runs.filter((run) => !run.startFailed && observer.timeline(run.prepared.containerGroupName).deletedAt !== undefined);
  let longest: { run: SteadyRun; events: temporal.api.history.v1.IHistoryEvent[] } | undefined;
  await forEachConcurrently(closed, async (run) => {
    const events = (await client.workflow.getHandle(run.prepared.workflowId).fetchHistory()).events ?? [];
    if (events.some((event) => event.workflowExecutionTerminatedEventAttributes)) return;
    run.historyEvents = events.length;
    const cleanup = events.find((event) => CLEANUP_ACTIVITIES.has(event.activityTaskScheduledEventAttributes?.activityType?.name ?? ''));
    run.cleanupScheduledAt = optionalTsToMs(cleanup?.eventTime);
    run.completedAt = activityCompletions(events);
    if (run.historyEvents > (longest?.events.length ?? 0)) longest = { run, events };
  });
  if (longest) {
    const kinds = new Map<string, number>();
    for (const event of longest.events) {
      const kind = (Object.keys(event).find((key) => key.endsWith('EventAttributes')) ?? 'unknown').replace(/EventAttributes$/, '');
      kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
    }
    const { run } = longest;
    log(
      `longest history: ${longest.events.length} events, run ${run.prepared.flowRunId} (${run.flow}${run.cancelAfterRunningMs !== undefined ? ', cancelled' : ''}${run.hinted ? ', hinted' : ''}): ` +
        [...kinds].map(([kind, count]) => `${kind} ${count}`).join(', '),
    );
  }

  const exitedInWindow = runs.filter((run) => {
    const exitedAt = observer.timeline(run.prepared.containerGroupName).exitedAt;
    return run.cancelSignalAt === undefined && exitedAt !== undefined && inWindow(exitedAt);
  });
  const detectionOf = (run: SteadyRun) =>
    run.cleanupScheduledAt === undefined ? [] : [(run.cleanupScheduledAt - (observer.timeline(run.prepared.containerGroupName).exitedAt as number)) / 1000];
  const hintedExitToDetected = exitedInWindow.filter((run) => run.hinted).flatMap(detectionOf);
  // The breakdown and the slowest runs are of the pure-polling runs: a hint is not the scheduler's doing.
  const detections = exitedInWindow
    .filter((run) => !run.hinted)
    .flatMap((run) =>
      run.cleanupScheduledAt === undefined
        ? []
        : [
            {
              flow: run.flow,
              durationRatio: run.durationRatio,
              seconds: (run.cleanupScheduledAt - (observer.timeline(run.prepared.containerGroupName).exitedAt as number)) / 1000,
            },
          ],
    );
  const exitToDetected = detections.map((detection) => detection.seconds);
  // The slowest detections against the run's own steps, relative to its container's exit (negative: before it).
  const slowest = exitedInWindow
    .filter((run) => !run.hinted)
    .filter((run) => run.cleanupScheduledAt !== undefined)
    .sort(
      (a, b) =>
        (b.cleanupScheduledAt as number) -
        observer.timeline(b.prepared.containerGroupName).exitedAt! -
        ((a.cleanupScheduledAt as number) - observer.timeline(a.prepared.containerGroupName).exitedAt!),
    )
    .slice(0, 12);
  log(
    `slowest detections (s after exit: deploy done, waitForStart done, watch done, cleanup scheduled): ` +
      slowest
        .map((run) => {
          const exitedAt = observer.timeline(run.prepared.containerGroupName).exitedAt!;
          const after = (at: number | undefined) => (at === undefined ? '–' : ((at - exitedAt) / 1000).toFixed(0));
          const done = run.completedAt ?? {};
          return `${run.flow} ${(run.durationMs / 1000).toFixed(0)} s: ${after(done.deploy)}, ${after(done.waitForStart)}, ${after(done.watch)}, ${after(run.cleanupScheduledAt)}`;
        })
        .join('; '),
  );
  const exitToDetectedByFlow = detectionBreakdown(detections);
  log(`exit → detected by flow and third of its spread: ${describeDetectionBreakdown(exitToDetectedByFlow)}`);
  const cancelToDeleted = runs.flatMap((run) => {
    const deletedAt = observer.timeline(run.prepared.containerGroupName).deletedAt;
    return run.cancelSignalAt === undefined || !inWindow(run.cancelSignalAt) || deletedAt === undefined ? [] : [(deletedAt - run.cancelSignalAt) / 1000];
  });
  const historyEvents = runs.flatMap((run) => (run.historyEvents === undefined ? [] : [run.historyEvents]));
  const windowSeconds = (windowEnd - windowStart) / 1000;
  const delta = (key: string) => (countersAtEnd[key] ?? 0) - (countersAtStart[key] ?? 0);
  const emulatorCountersInWindow = Object.fromEntries(Object.keys(countersAtEnd).map((key) => [key, delta(key)]));
  const finalCounters = emulator.counters();
  // Runs deleted in the window: in steady state as many start, so each pays one lifecycle.
  const deletedInWindow = runs.filter((run) => {
    const deletedAt = observer.timeline(run.prepared.containerGroupName).deletedAt;
    return deletedAt !== undefined && deletedAt >= windowStart && deletedAt <= windowEnd;
  }).length;
  const readsPerRunByPurpose = readsPerRun(readsAtStart, readsAtEnd, deletedInWindow);
  log(`ARM reads per run by purpose (${deletedInWindow} runs deleted in the window): ${describeReadsPerRun(readsPerRunByPurpose)}`);
  log(
    `done: ${runs.length} runs started, ${exitToDetected.length} exits measured (and ${hintedExitToDetected.length} hinted), ${terminatedAtEnd} terminated at the end; ` +
      `slowest group snapshot ${observer.slowestSampleMs.toFixed(1)} ms`,
  );

  return {
    ...row,
    warmupSeconds: (windowStart - startedAt) / 1000,
    warmupTimedOut,
    windowSeconds,
    runsStarted: runs.length,
    startFailures,
    armReadsPerSecond: delta('reads') / windowSeconds,
    refillReadsPerSecond: ARM_READS_PER_SECOND * subscriptions,
    throttledTotal: finalCounters.throttled ?? 0,
    throttledInWindow: delta('throttled'),
    emulatorCountersInWindow,
    readsPerRunByPurpose,
    lifecycleReadsPerRun: lifecycleReads(readsPerRunByPurpose),
    floorSeconds: pollingFloorSeconds(size / subscriptions, ARM_READS_PER_SECOND, options.pollIntervalSeconds),
    exitToDetectedSeconds: summary(exitToDetected),
    exitToDetectedByFlow,
    undetectedExits: exitedInWindow.length - exitToDetected.length - hintedExitToDetected.length,
    hintedExitToDetectedSeconds: summary(hintedExitToDetected),
    logDelaySeconds: summary(logDelays),
    cancelToDeletedSeconds: summary(cancelToDeleted),
    historyEvents: { runs: historyEvents.length, mean: mean(historyEvents), max: max(historyEvents) },
    workerStats: exitCodes.map((exitCode, k) => ({
      peakRssMiB: (peakRss[k] ?? 0) / 2 ** 20,
      cpuPercentOfCore: (100 * ((cpuAtEnd[k] ?? 0) - (cpuAtStart[k] ?? 0))) / windowSeconds,
      exitCode,
    })),
    terminatedAtEnd,
  };
}
