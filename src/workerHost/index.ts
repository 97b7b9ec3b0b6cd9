/**
 * The aci-flow worker: polls the task queue of one work pool and does every Azure call of
 * its flow runs. src/worker.ts (the entry point) runs it through ./runWorker; tests and the
 * benchmark create it in-process with their own connection, gateway and a shared workflow bundle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, type Logger, type NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createRunControlActivities } from '../activities/runControl';
import { createRunSettingsActivities, heartbeatThrottleMs } from '../activities/runSettings';
import { createSweeperActivities } from '../activities/sweep';
import { createFlowRunLogSink, type FlowRunLogSink } from '../activities/logSink';
import { createPollScheduler, type PollScheduler, pollStrategyFromEnv } from '../polling/pollScheduler';
import type { AciGateway } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import type { PoolSource } from '../config/poolSource';
import type { SecretResolver } from '../config/secrets';
import type { AciFlowMetrics } from '../common/metrics';
import { taskQueueForPool } from '../workflows/definitions';
import { DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_MAX_CONCURRENT_ACTIVITIES, SHUTDOWN_FORCE_TIME, SWEEP_SETTINGS } from './settings';
import { pollHeartbeatTimeoutMs } from './heartbeatSettings';
import { checkSearchAttributes } from './searchAttributeCheck';
import { adoptAsCurrentIfFresh, type VersioningSettings, workerDeploymentOptions } from './versioning';
import { ensureSweeperSchedule } from './sweeperSchedule';
import type { SweeperSettings } from './sweeperSettings';

export { DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_MAX_CONCURRENT_ACTIVITIES, WORKFLOW_BUNDLE_ENV } from './settings';
export { ensureSweeperSchedule } from './sweeperSchedule';
export { type SweeperSettings, sweeperSettings } from './sweeperSettings';

export type WorkflowBundle = { code: string } | { codePath: string };

export interface FlowRunWorkerOptions {
  workPool: string;
  /**
   * The pool's configuration, the operator's: the worker renders every run from it and the
   * run's values (the workflow input never carries a configuration). fixedPoolSource(pool) for
   * a pool in code, poolFileSource(path) for a pool file.
   */
  pool: PoolSource;
  connection: NativeConnection;
  namespace?: string;
  gateway: AciGateway;
  /** The gateway for a pool's aci_credentials (createGatewayFactory); default: `gateway` for every run. */
  gatewayFor?: GatewayFor;
  /** Default: the worker's stdout only, no per-run files. */
  logSink?: FlowRunLogSink;
  /** Default: ACI_FLOW_SECRETS_DIR files, then environment variables. */
  resolveSecret?: SecretResolver;
  /** Default: bundle src/workflows when the worker is created. */
  workflowBundle?: WorkflowBundle;
  /**
   * One schedule for every run this worker polls. Default: ACI_FLOW_POLL_STRATEGY (priority
   * unless set to adaptive or fixed) over ARM's default read limit; pass one built with the gateway's limit.
   */
  pollScheduler?: PollScheduler;
  /** Records runs in flight per phase, polls, exit-detection lag and sweeper removals (default: not recorded). */
  metrics?: AciFlowMetrics;
  maxConcurrentActivityTaskExecutions?: number;
  maxConcurrentWorkflowTaskExecutions?: number;
  /** Workflows kept in the sticky cache (default DEFAULT_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** How long in-flight activities may finish after shutdown starts before they are cancelled. */
  shutdownGraceTime?: WorkerOptions['shutdownGraceTime'];
  /**
   * Encrypts payloads and failure messages (temporalConnectConfig().dataConverter when a codec
   * key is configured). Its failure converter must be bundled into the workflow code, so it
   * cannot go with a prebuilt `workflowBundle`: the worker bundles at creation.
   */
  dataConverter?: DataConverter;
  /** Worker plugins, e.g. tracing; a plugin that adds workflow interceptors needs the worker to bundle (no workflowBundle). */
  plugins?: WorkerOptions['plugins'];
  /**
   * The pool's orphan sweeper schedule, created or updated once the worker is created; with no
   * scopes (the default) this worker schedules nothing but still runs sweeps started by others.
   */
  sweeper?: SweeperSettings;
  /**
   * Heartbeat timeout of the runs' waitForStart and watch activities (default
   * ACI_FLOW_HEARTBEAT_TIMEOUT, else DEFAULT_POLL_HEARTBEAT_TIMEOUT): recovery time after a
   * worker dies against heartbeat Actions (docs/operations.md).
   */
  pollHeartbeatTimeoutMs?: number;
  /** The worker's deployment version (flow runs Pinned to it); default none: an unversioned worker. */
  versioning?: VersioningSettings;
}

/**
 * The bundle `npm run build` writes next to the compiled code (dist/workflow-bundle.js);
 * undefined when running from sources, which bundle at start instead.
 */
export function prebuiltWorkflowBundlePath(): string | undefined {
  const path = join(__dirname, '..', 'workflow-bundle.js');
  return existsSync(path) ? path : undefined;
}

export function workflowsPath(): string {
  return require.resolve('../workflows');
}

/** The production workflow bundle; build it once and share it between workers (and test files). */
export async function bundleFlowRunWorkflows(options: { logger?: Logger } = {}): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath: workflowsPath(), logger: options.logger });
}

export async function createFlowRunWorker(options: FlowRunWorkerOptions): Promise<Worker> {
  if (options.dataConverter?.failureConverterPath && options.workflowBundle) {
    throw new Error('a prebuilt workflow bundle has no failure converter of its own: leave workflowBundle unset when passing a dataConverter');
  }
  // The sweeper reads workflow state and manages its schedule, and a signalled run asks for its own
  // cancellation, over the worker's own connection.
  const client = new Client({ connection: options.connection, namespace: options.namespace, dataConverter: options.dataConverter });
  const runSettings = { pollHeartbeatTimeoutMs: options.pollHeartbeatTimeoutMs ?? pollHeartbeatTimeoutMs({}) };
  await checkSearchAttributes(options.connection, options.namespace ?? 'default', (message) => Runtime.instance().logger.warn(message));
  const worker = await Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    dataConverter: options.dataConverter,
    taskQueue: taskQueueForPool(options.workPool),
    ...(options.workflowBundle ? { workflowBundle: options.workflowBundle } : { workflowsPath: workflowsPath() }),
    activities: {
      ...createActivities({
        pool: options.pool,
        gateway: options.gateway,
        gatewayFor: options.gatewayFor,
        logSink: options.logSink ?? createFlowRunLogSink(),
        resolveSecret: options.resolveSecret,
        pollScheduler: options.pollScheduler ?? createPollScheduler({ strategy: pollStrategyFromEnv() }),
        metrics: options.metrics,
      }),
      ...createRunControlActivities({ client }),
      ...createRunSettingsActivities(runSettings),
      ...createSweeperActivities({ gateway: options.gateway, client, metrics: options.metrics }),
    },
    maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions ?? DEFAULT_MAX_CONCURRENT_ACTIVITIES,
    maxConcurrentWorkflowTaskExecutions: options.maxConcurrentWorkflowTaskExecutions,
    maxCachedWorkflows: options.maxCachedWorkflows ?? DEFAULT_MAX_CACHED_WORKFLOWS,
    // Heartbeats go out every 80 % of the heartbeat timeout, not the SDK's 60 s cap: each is a billed Action.
    maxHeartbeatThrottleInterval: Math.max(60_000, heartbeatThrottleMs(runSettings)),
    plugins: options.plugins,
    workerDeploymentOptions: workerDeploymentOptions(options.versioning),
    // Watch activities run until their container exits: give them a moment to heartbeat their cursor, then hand them over.
    shutdownGraceTime: options.shutdownGraceTime ?? '5 seconds',
    // Then the worker stops whatever still runs, well inside a pod's termination grace period (30 s by default).
    shutdownForceTime: SHUTDOWN_FORCE_TIME,
  });
  if (options.versioning) await adoptAsCurrentIfFresh(options.connection, options.namespace ?? 'default', options.versioning, Runtime.instance().logger);
  await scheduleSweeper(client, options.workPool, options.sweeper);
  return worker;
}

async function scheduleSweeper(client: Client, workPool: string, settings: SweeperSettings | undefined): Promise<void> {
  const logger = Runtime.instance().logger;
  if (!settings?.scopes.length) {
    logger.info(`Orphan sweeper not scheduled for pool ${workPool}: no sweep scopes (--sweep-scope or ${SWEEP_SETTINGS.scopes.env})`);
    return;
  }
  try {
    const outcome = await ensureSweeperSchedule(client, workPool, settings);
    logger.info(`Orphan sweeper schedule ${outcome} for pool ${workPool}`, {
      scopes: settings.scopes.map((scope) => `${scope.subscriptionId}/${scope.resourceGroupName}`),
      intervalMs: settings.intervalMs,
      graceSeconds: settings.graceSeconds,
    });
  } catch (err) {
    // The schedule is the pool's, not this worker's: runs must not wait for it. Another worker, or this one's restart, fixes it.
    logger.warn(
      `Could not create or update the orphan sweeper schedule of pool ${workPool}: ${err instanceof Error ? err.message : String(err)}. ` +
        'The worker starts anyway; it needs permission to manage schedules in its namespace for the sweeper to be scheduled.',
    );
  }
}
