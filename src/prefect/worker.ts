/**
 * `aci-flow prefect-worker`: a Prefect 3 worker for `azure-container-instance` work pools
 * that runs each flow run as an aci-flow workflow (docs/prefect.md). One loop heartbeats
 * into the pool, takes scheduled runs, relays cancels; a watcher reports outcomes.
 */
import { hostname } from 'node:os';
import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connection';
import { ConfigError } from '../config';
import { createPrefectApi, done, ok, type PrefectApi, type PrefectApiSettings, prefectApiSettingsFromEnv } from './api/client';
import { CancelRelay } from './cancellation';
import { ExitHintRelay } from './exitHints';
import { type BridgeContext, messageOf } from './context';
import { type HealthServer, PollClock, startHealthServer } from './health';
import { ensurePool, readPool } from './pool';
import { withActiveProfile } from './profile';
import { reconcileOpenRuns } from './resume';
import { workerSettingsFromEnv, type WorkerSettings } from './settings';
import { submitFlowRun } from './submit';
import { RunWatcher } from './watcher';
import { sleep } from '../common/clock';

/** The secret names the injected PREFECT_API_KEY / PREFECT_API_AUTH_STRING references resolve from on the aci-flow worker. */
export const DEFAULT_API_KEY_SECRET = 'PREFECT_API_KEY';
export const DEFAULT_AUTH_STRING_SECRET = 'PREFECT_API_AUTH_STRING';

/** How often a running bridge looks again for stranded runs (at start it always does). */
export const RECONCILE_INTERVAL_MS = 5 * 60_000;

/**
 * How far back a starting bridge looks for runs that ended while no bridge watched them
 * (reported then with their executed-flow-run event). Runs that ended longer ago stay unreported.
 */
export const ENDED_LOOKBACK_MS = 24 * 60 * 60_000;

/** A running bridge leaves runs that ended this recently to the bridge that may be reporting them right now. */
export const ENDED_SETTLE_MS = 60_000;

export interface PrefectWorkerOptions {
  /** The Prefect work pool; its runs go to the aci-flow work pool (task queue) of the same name. */
  workPool: string;
  /** Only these work queues of the pool (default: all). */
  workQueues?: string[];
  /** The worker's name in the Prefect UI (default `aci-flow-<host>-<pid>`). */
  name?: string;
  /** Default: PREFECT_API_URL, PREFECT_API_KEY, PREFECT_API_AUTH_STRING from the environment or the active Prefect profile. */
  prefect?: PrefectApiSettings;
  /** Default: PREFECT_WORKER_* from the environment or the active Prefect profile. */
  settings?: WorkerSettings;
  /** Default: a client connected from the standard Temporal environment, closed at the end. */
  temporal?: Client;
  /** Override PREFECT_WORKER_QUERY_SECONDS, _HEARTBEAT_SECONDS, _PREFETCH_SECONDS. */
  pollSeconds?: number;
  heartbeatSeconds?: number;
  prefetchSeconds?: number;
  /** `--limit`: flow runs this worker holds at once; runs over it stay Scheduled for a later poll (or another worker). */
  limit?: number;
  /** `--run-once`: one poll, then wait for the runs it started to finish, then return. */
  runOnce?: boolean;
  /** `--with-healthcheck`: serve Prefect's `GET /health` on PREFECT_WORKER_WEBSERVER_HOST:PORT. */
  withHealthcheck?: boolean;
  /** Called once the health endpoint listens (tests ask for port 0). */
  onHealthServer?: (server: HealthServer) => void;
  /** `--base-job-template`: parsed JSON; creates the pool with it or replaces the pool's template. */
  baseJobTemplate?: unknown;
  /** `--create-pool-if-not-found` (default true). */
  createPoolIfNotFound?: boolean;
  apiKeySecret?: string;
  authStringSecret?: string;
  /** Where the aci-flow workers record container log lines (default: as `aci-flow logs` finds them, from the environment). */
  logSource?: BridgeContext['logSource'];
  /** Runs until this aborts. */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export async function runPrefectWorker(options: PrefectWorkerOptions): Promise<void> {
  const env = options.prefect && options.settings ? process.env : withActiveProfile(process.env);
  const settings = options.prefect ?? prefectApiSettingsFromEnv(env);
  const workerSettings = options.settings ?? workerSettingsFromEnv(env);
  const api = createPrefectApi(settings);
  const log = options.log ?? ((message: string) => process.stderr.write(`[prefect-worker] ${message}\n`));
  const querySeconds = options.pollSeconds ?? workerSettings.querySeconds;
  const heartbeatSeconds = options.heartbeatSeconds ?? workerSettings.heartbeatSeconds;
  const prefetchSeconds = options.prefetchSeconds ?? workerSettings.prefetchSeconds;
  const clock = new PollClock(querySeconds);
  // Served before anything else, as Prefect's is: a worker stuck at start turns unhealthy.
  const health = options.withHealthcheck ? await startHealthServer(clock, workerSettings.webserverHost, workerSettings.webserverPort) : undefined;
  if (health) {
    log(`health endpoint on http://${workerSettings.webserverHost}:${health.port}/health`);
    options.onHealthServer?.(health);
  }
  const temporal = options.temporal ?? (await connectClient());
  const name = options.name ?? `aci-flow-${hostname()}-${process.pid}`;
  const ctx: BridgeContext = {
    api,
    temporal,
    workPool: options.workPool,
    workerName: name,
    logSource: options.logSource ?? {},
    log,
    injection: {
      apiUrl: settings.apiUrl,
      apiKeySecret: settings.apiKey ? (options.apiKeySecret ?? DEFAULT_API_KEY_SECRET) : undefined,
      authStringSecret: settings.authString ? (options.authStringSecret ?? DEFAULT_AUTH_STRING_SECRET) : undefined,
    },
  };
  for (const note of workerSettings.notes) log(note);
  const signal = options.signal ?? new AbortController().signal;
  const watcher = new RunWatcher(ctx);
  const cancels = new CancelRelay(ctx, watcher);
  const exitHints = new ExitHintRelay(ctx, watcher);
  const relay = async () => {
    await cancels.poll().catch((err: unknown) => log(`cancel poll failed: ${messageOf(err)}`));
    await exitHints.poll().catch((err: unknown) => log(`exit hint poll failed: ${messageOf(err)}`));
  };
  try {
    let ready = false;
    let lastHeartbeat = 0;
    let lastReconcile = 0;
    // Runs that ended after this were not yet looked for (see ENDED_LOOKBACK_MS); it moves on only after a look succeeded.
    let endedSince = Date.now() - ENDED_LOOKBACK_MS;
    while (!signal.aborted) {
      try {
        if (!ready) {
          await ensurePool(api, options.workPool, log, { baseJobTemplate: options.baseJobTemplate, create: options.createPoolIfNotFound });
          const now = Date.now();
          if (await reconcileOpenRuns(ctx, watcher, { ended: endedBetween(endedSince, now) })) endedSince = now - ENDED_SETTLE_MS;
          lastReconcile = now;
          ready = true;
          log(`worker "${name}" polling work pool "${options.workPool}" at ${settings.apiUrl}${options.limit ? ` (limit ${options.limit} flow runs)` : ''}`);
        }
        if (Date.now() - lastHeartbeat >= heartbeatSeconds * 1000) {
          await heartbeat(api, options.workPool, name, heartbeatSeconds);
          lastHeartbeat = Date.now();
        }
        const taken = await takeScheduledRuns(ctx, watcher, { ...options, prefetchSeconds });
        clock.polled();
        if (workerSettings.debugMode) log(`polled: took ${taken} flow runs, holding ${watcher.size}${options.limit ? ` of ${options.limit}` : ''}`);
        await cancels.poll();
        await exitHints.poll().catch((err: unknown) => log(`exit hint poll failed: ${messageOf(err)}`));
        if (options.runOnce) break;
        if (Date.now() - lastReconcile >= RECONCILE_INTERVAL_MS) {
          // Runs another bridge of the pool stranded when it died (fleets); young Pending runs may be mid-start elsewhere.
          // Runs that ended since the last look (each window overlaps the previous one by the settle time).
          const now = Date.now();
          const before = now - ENDED_SETTLE_MS;
          if (await reconcileOpenRuns(ctx, watcher, { minStateAgeMs: RECONCILE_INTERVAL_MS, ended: endedBetween(endedSince, before) })) {
            endedSince = before - ENDED_SETTLE_MS;
          }
          lastReconcile = now;
        }
      } catch (err) {
        // At start, a pool of another type or a broken template needs the operator; anything else
        // (Prefect busy with 503s, Temporal or the network down for a moment) is retried.
        if (err instanceof ConfigError && !ready) throw err;
        log(`poll failed, retrying: ${messageOf(err)}`);
      }
      await sleep(querySeconds * 1000, signal).catch(() => undefined);
    }
    if (options.runOnce && !signal.aborted) {
      // As Prefect's --run-once: the runs it took are seen through before the worker exits.
      await watcher.settled(signal, relay, querySeconds);
    }
  } finally {
    await watcher.stop();
    await health?.close();
    if (!options.temporal) await temporal.connection.close();
  }
}

function endedBetween(after: number, before: number) {
  return { after: new Date(after).toISOString(), before: new Date(before).toISOString() };
}

async function heartbeat(api: PrefectApi, pool: string, name: string, intervalSeconds: number): Promise<void> {
  done(
    `POST /work_pools/${pool}/workers/heartbeat`,
    await api.POST('/work_pools/{work_pool_name}/workers/heartbeat', {
      params: { path: { work_pool_name: pool } },
      body: { name, heartbeat_interval_seconds: intervalSeconds },
    }),
  );
}

/** Returns how many runs it started. */
async function takeScheduledRuns(ctx: BridgeContext, watcher: RunWatcher, options: PrefectWorkerOptions & { prefetchSeconds: number }): Promise<number> {
  const room = options.limit === undefined ? Infinity : options.limit - watcher.size;
  // At the limit the runs stay Scheduled (not even read), as with Prefect's limiter.
  if (room <= 0) return 0;
  const scheduledBefore = new Date(Date.now() + options.prefetchSeconds * 1000).toISOString();
  const scheduled = ok(
    `POST /work_pools/${ctx.workPool}/get_scheduled_flow_runs`,
    await ctx.api.POST('/work_pools/{name}/get_scheduled_flow_runs', {
      params: { path: { name: ctx.workPool } },
      body: { scheduled_before: scheduledBefore, ...(options.workQueues?.length ? { work_queue_names: options.workQueues } : {}) },
    }),
  );
  if (scheduled.length === 0) return 0;
  // Read once per batch, so the runs of a batch share one template and UI edits apply to the next.
  const pool = await readPool(ctx.api, ctx.workPool);
  let taken = 0;
  for (const { flow_run: flowRun } of scheduled) {
    if (watcher.isWatching(flowRun.id)) continue;
    if (taken >= room) break;
    const submission = await submitFlowRun(ctx, pool, flowRun);
    if (submission.outcome === 'started') {
      watcher.watch(flowRun.id);
      taken++;
    }
  }
  return taken;
}
