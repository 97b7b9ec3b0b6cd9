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
import { CancelRelay, flowRunsInStates } from './cancellation';
import { type BridgeContext, messageOf } from './context';
import { ensurePool, readPool } from './pool';
import { submitFlowRun } from './submit';
import { abortableDelay, RunWatcher } from './watcher';

/** Prefect's defaults (PREFECT_WORKER_QUERY_SECONDS, _HEARTBEAT_SECONDS, _PREFETCH_SECONDS). */
export const DEFAULT_POLL_SECONDS = 10;
export const DEFAULT_HEARTBEAT_SECONDS = 30;
export const DEFAULT_PREFETCH_SECONDS = 10;
/** The secret names the injected PREFECT_API_KEY / PREFECT_API_AUTH_STRING references resolve from on the aci-flow worker. */
export const DEFAULT_API_KEY_SECRET = 'PREFECT_API_KEY';
export const DEFAULT_AUTH_STRING_SECRET = 'PREFECT_API_AUTH_STRING';

export interface PrefectWorkerOptions {
  /** The Prefect work pool; its runs go to the aci-flow work pool (task queue) of the same name. */
  workPool: string;
  /** Only these work queues of the pool (default: all). */
  workQueues?: string[];
  /** The worker's name in the Prefect UI (default `aci-flow-<host>-<pid>`). */
  name?: string;
  /** Default: PREFECT_API_URL, PREFECT_API_KEY, PREFECT_API_AUTH_STRING from the environment. */
  prefect?: PrefectApiSettings;
  /** Default: a client connected from the standard Temporal environment, closed at the end. */
  temporal?: Client;
  pollSeconds?: number;
  heartbeatSeconds?: number;
  prefetchSeconds?: number;
  apiKeySecret?: string;
  authStringSecret?: string;
  /** Runs until this aborts. */
  signal?: AbortSignal;
  log?: (message: string) => void;
}

export async function runPrefectWorker(options: PrefectWorkerOptions): Promise<void> {
  const settings = options.prefect ?? prefectApiSettingsFromEnv();
  const api = createPrefectApi(settings);
  const temporal = options.temporal ?? (await connectClient());
  const log = options.log ?? ((message: string) => process.stderr.write(`[prefect-worker] ${message}\n`));
  const ctx: BridgeContext = {
    api,
    temporal,
    workPool: options.workPool,
    log,
    injection: {
      apiUrl: settings.apiUrl,
      apiKeySecret: settings.apiKey ? (options.apiKeySecret ?? DEFAULT_API_KEY_SECRET) : undefined,
      authStringSecret: settings.authString ? (options.authStringSecret ?? DEFAULT_AUTH_STRING_SECRET) : undefined,
    },
  };
  const signal = options.signal ?? new AbortController().signal;
  const name = options.name ?? `aci-flow-${hostname()}-${process.pid}`;
  const heartbeatSeconds = options.heartbeatSeconds ?? DEFAULT_HEARTBEAT_SECONDS;
  const watcher = new RunWatcher(ctx);
  const cancels = new CancelRelay(ctx, watcher);
  try {
    let ready = false;
    let lastHeartbeat = 0;
    while (!signal.aborted) {
      try {
        if (!ready) {
          await ensurePool(api, options.workPool, log);
          await resumeWatching(ctx, watcher);
          ready = true;
          log(`worker "${name}" polling work pool "${options.workPool}" at ${settings.apiUrl}`);
        }
        if (Date.now() - lastHeartbeat >= heartbeatSeconds * 1000) {
          await heartbeat(api, options.workPool, name, heartbeatSeconds);
          lastHeartbeat = Date.now();
        }
        await takeScheduledRuns(ctx, watcher, options);
        await cancels.poll();
      } catch (err) {
        // At start, a pool of another type or a broken template needs the operator; anything else
        // (Prefect busy with 503s, Temporal or the network down for a moment) is retried.
        if (err instanceof ConfigError && !ready) throw err;
        log(`poll failed, retrying: ${messageOf(err)}`);
      }
      await abortableDelay((options.pollSeconds ?? DEFAULT_POLL_SECONDS) * 1000, signal);
    }
  } finally {
    await watcher.stop();
    if (!options.temporal) await temporal.connection.close();
  }
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

async function takeScheduledRuns(ctx: BridgeContext, watcher: RunWatcher, options: PrefectWorkerOptions): Promise<void> {
  const scheduledBefore = new Date(Date.now() + (options.prefetchSeconds ?? DEFAULT_PREFETCH_SECONDS) * 1000).toISOString();
  const scheduled = ok(
    `POST /work_pools/${ctx.workPool}/get_scheduled_flow_runs`,
    await ctx.api.POST('/work_pools/{name}/get_scheduled_flow_runs', {
      params: { path: { name: ctx.workPool } },
      body: { scheduled_before: scheduledBefore, ...(options.workQueues?.length ? { work_queue_names: options.workQueues } : {}) },
    }),
  );
  if (scheduled.length === 0) return;
  // Read once per batch, so the runs of a batch share one template and UI edits apply to the next.
  const pool = await readPool(ctx.api, ctx.workPool);
  for (const { flow_run: flowRun } of scheduled) {
    if (watcher.isWatching(flowRun.id)) continue;
    const submission = await submitFlowRun(ctx, pool, flowRun);
    if (submission.outcome === 'started') watcher.watch(flowRun.id);
  }
}

/**
 * After a restart: the pool's open flow runs that have an aci-flow workflow are watched
 * again (a run that closed meanwhile is reconciled at once; one without a workflow is dropped).
 */
async function resumeWatching(ctx: BridgeContext, watcher: RunWatcher): Promise<void> {
  for (const run of await flowRunsInStates(ctx, ['PENDING', 'RUNNING', 'CANCELLING'])) watcher.watch(run.id);
}
