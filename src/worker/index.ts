/**
 * The aci-flow worker: polls the task queue of one work pool and does every Azure call of
 * its flow runs. `aci-flow worker --pool <name>` runs it; tests and the benchmark create
 * it in-process with their own connection, gateway and a shared workflow bundle.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { bundleWorkflowCode, type Logger, NativeConnection, Runtime, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import { createRunControlActivities } from '../activities/runControl';
import { createRunSettingsActivities, heartbeatThrottleMs } from '../activities/runSettings';
import { createSweeperActivities } from '../activities/sweep';
import { createFlowRunLogSink, type FlowRunLogSink } from '../activities/logSink';
import { createPollScheduler, type PollScheduler, pollStrategyFromEnv } from '../activities/pollScheduler';
import type { AciGateway } from '../azure/gateway';
import { type AzureConnectionConfig, azureConnectionFromEnv, createGateway, usesStaticToken } from '../azure/credentials';
import { createGatewayFactory, type GatewayFor } from '../azure/gatewayFactory';
import { ArmRateLimiter } from '../azure/rateLimiter';
import { type PoolSource, poolFileSource, withPoolSecrets } from '../config/poolSource';
import { secretResolverFromEnvironment, type SecretResolver } from '../config/secrets';
import { logContainerClient } from '../logs/blobContainer';
import { blobLogSettingsFromEnv, type BlobLogSettings } from '../logs/blobLogs';
import { logDirFromEnv } from '../logs/logFiles';
import { checkLogStore } from '../logs/logStoreCheck';
import { type AciFlowMetrics, createPromMetrics } from '../common/metrics';
import { DEFAULT_TEMPORAL_ADDRESS, temporalConnectConfig } from '../common/temporalConnection';
import { taskQueueForPool } from '../workflows/definitions';
import { tracingFromEnv } from './tracing';
import { createWorkerRegistry, installSdkMetrics, type MetricsAddress, metricsAddressFrom, type Readiness, startMetricsServer } from './metricsServer';
import { watchConnection } from './connectionWatch';
import { DEFAULT_MAX_CACHED_WORKFLOWS, DEFAULT_MAX_CONCURRENT_ACTIVITIES, SHUTDOWN_FORCE_TIME, SWEEP_SCOPES_ENV, WORKFLOW_BUNDLE_ENV } from './settings';
import { pollHeartbeatTimeoutMs } from './heartbeatSettings';
import { checkSearchAttributes } from './searchAttributeCheck';
import { adoptAsCurrentIfFresh, type VersioningSettings, versioningSettings, workerDeploymentOptions } from './versioning';
import { ensureSweeperSchedule } from './sweeperSchedule';
import { createWorkerLogger } from './workerLogger';
import { type SweeperSettings, sweeperSettings } from './sweeperSettings';

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
    logger.info(`Orphan sweeper not scheduled for pool ${workPool}: no sweep scopes (--sweep-scope or ${SWEEP_SCOPES_ENV})`);
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

export interface RunWorkerOptions {
  workPool: string;
  /**
   * What every run is rendered from: a pool file's path (a Prefect work pool export or a base
   * job template), or a PoolSource (the Prefect bridge's in-process worker reads the pool from the Prefect API).
   */
  poolConfig: string | PoolSource;
  /** Per-run log files; default ACI_FLOW_LOG_DIR, then DEFAULT_LOG_DIR. Unused when logs go to blobs. */
  logDir?: string;
  /** Concurrent flow runs this worker watches (default DEFAULT_MAX_CONCURRENT_ACTIVITIES). */
  maxConcurrentActivityTaskExecutions?: number;
  /** Workflows kept in the sticky cache (default DEFAULT_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Serve Prometheus metrics on 0.0.0.0:<port>; default ACI_FLOW_METRICS_ADDRESS, else none. */
  metricsPort?: number;
  /** Default: from ACI_FLOW_SWEEP_SCOPES / ACI_FLOW_SWEEP_INTERVAL / ACI_FLOW_SWEEP_GRACE. */
  sweeper?: SweeperSettings;
  /** Shuts the worker down gracefully when it aborts (besides SIGINT/SIGTERM): `prefect-worker` runs one in-process. */
  signal?: AbortSignal;
  /** Default: ACI_FLOW_HEARTBEAT_TIMEOUT, else DEFAULT_POLL_HEARTBEAT_TIMEOUT. */
  pollHeartbeatTimeoutMs?: number;
  /** Default: from ACI_FLOW_VERSIONING / ACI_FLOW_DEPLOYMENT_NAME / ACI_FLOW_BUILD_ID (on, `aci-flow-<pool>`, the package version); null = off. */
  versioning?: VersioningSettings | null;
}

/**
 * Runs a worker until SIGINT/SIGTERM (the SDK's Runtime turns them into a graceful
 * shutdown), then closes the connection and resolves. Temporal from the standard
 * TEMPORAL_* variables / config profile; Azure, or the emulator when ACI_FLOW_ARM_ENDPOINT is set.
 */
export async function runWorker(options: RunWorkerOptions): Promise<void> {
  const env = process.env;
  // Before anything else: a worker without a valid pool configuration cannot render a single run.
  const pool = typeof options.poolConfig === 'string' ? await poolFileSource(options.poolConfig) : options.poolConfig;
  const temporal = temporalConnectConfig();
  const azure = azureConnectionFromEnv(env);
  const metricsAddress = metricsAddressFrom(options.metricsPort, env);
  // Before anything touches Temporal: the SDK Runtime, with the worker's logger, is installed once per process.
  const logger = createWorkerLogger();
  const metricsEndpoint = metricsAddress ? await startMetricsEndpoint(metricsAddress, logger) : undefined;
  if (!metricsEndpoint) Runtime.install({ logger });
  const metrics = metricsEndpoint?.metrics;
  try {
    const { gateway, gatewayFor, resolveSecret, pollScheduler } = azureAccess(azure, env, metrics, pool);
    const tracing = tracingFromEnv(env);
    if (tracing) Runtime.instance().logger.info('Tracing with OpenTelemetry', { endpoint: tracing.endpoint });
    const bundlePath = env[WORKFLOW_BUNDLE_ENV] || prebuiltWorkflowBundlePath();
    // The tracing plugin's workflow interceptors and the codec's failure converter must be bundled in: then the worker bundles at start.
    const bundlesAtStart = tracing !== undefined || temporal.dataConverter !== undefined;
    if (temporal.dataConverter) Runtime.instance().logger.info('Encrypting payloads and failure messages with the payload codec (ACI_FLOW_CODEC_KEYS*)');
    const workflowBundle = bundlesAtStart ? undefined : bundlePath ? { codePath: bundlePath } : await bundleFlowRunWorkflows();
    const blobLogs = blobLogSettingsFromEnv(env);
    if (blobLogs) await checkLogStore(blobLogs);
    const logSink = flowRunLogSinkFor(options.workPool, blobLogs, options.logDir ?? logDirFromEnv(env), metrics);
    const sweeper = options.sweeper ?? sweeperSettings({}, env);
    const connection = await connectToTemporal(temporal);
    const connectionWatch = watchConnectionOf(connection, temporal.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS);
    try {
      const worker = await createFlowRunWorker({
        workPool: options.workPool,
        pool,
        connection,
        namespace: temporal.namespace,
        dataConverter: temporal.dataConverter,
        gateway,
        gatewayFor,
        resolveSecret,
        logSink,
        workflowBundle,
        plugins: tracing ? [tracing.plugin] : undefined,
        pollScheduler,
        metrics,
        maxConcurrentActivityTaskExecutions: options.maxConcurrentActivityTaskExecutions,
        maxCachedWorkflows: options.maxCachedWorkflows,
        sweeper,
        pollHeartbeatTimeoutMs: options.pollHeartbeatTimeoutMs ?? pollHeartbeatTimeoutMs({}, env),
        versioning: options.versioning === undefined ? versioningSettings(options.workPool, {}, env) : (options.versioning ?? undefined),
      });
      metricsEndpoint?.setReadiness(() => readinessOf(worker, connectionWatch));
      const shutdown = () => {
        // SIGINT/SIGTERM may have started the shutdown already.
        if (worker.getState() === 'RUNNING') worker.shutdown();
      };
      if (options.signal?.aborted) return;
      options.signal?.addEventListener('abort', shutdown, { once: true });
      try {
        await worker.run();
      } finally {
        options.signal?.removeEventListener('abort', shutdown);
      }
    } finally {
      connectionWatch.stop();
      await connection.close();
      await tracing?.shutdown();
    }
  } finally {
    // An open listener would keep the process alive after a failed start.
    await metricsEndpoint?.close();
  }
}

/** Ready while the worker polls its task queue and the last connection check reached Temporal. */
function readinessOf(worker: Worker, connection: { reachable(): boolean }): Readiness {
  const state = worker.getState();
  if (state !== 'RUNNING') return { ready: false, detail: `worker ${state.toLowerCase()}` };
  if (!connection.reachable()) return { ready: false, detail: 'Temporal unreachable; the worker keeps retrying' };
  return { ready: true, detail: 'ready: polling Temporal' };
}

/**
 * The worker's way to Azure: one gateway with the ARM budget it steers from ARM's
 * remaining-budget headers, a gateway per pool's aci_credentials, and the poll schedule that
 * follows the read budget.
 */
function azureAccess(azure: AzureConnectionConfig, env: NodeJS.ProcessEnv, metrics: AciFlowMetrics | undefined, pool: PoolSource) {
  const armLimiter = new ArmRateLimiter(azure.limits, undefined, metrics, azure.steering === false ? { steering: false } : {});
  const gateway = createGateway(azure, { metrics, limiter: armLimiter });
  // A client secret from the pool's Prefect block is the pool source's; every other one the secret store's.
  const resolveSecret = withPoolSecrets(pool, secretResolverFromEnvironment(env));
  // A pool's aci_credentials get their own gateway (and ARM budget, as ARM throttles per principal).
  const gatewayFor = createGatewayFactory({
    defaultGateway: gateway,
    build: (credential) => createGateway(azure, { metrics, credential }),
    resolveSecret,
    staticToken: usesStaticToken(azure),
  });
  // Polls share the ARM read budget the gateway enforces, and follow it as the fleet steers it.
  const pollScheduler = createPollScheduler({
    strategy: pollStrategyFromEnv(env),
    armReadsPerSecond: armLimiter.currentRate('read'),
  });
  armLimiter.onRateChange(({ kind }) => {
    if (kind === 'read') pollScheduler.setArmReadsPerSecond(armLimiter.currentRate('read'));
  });
  return { gateway, gatewayFor, resolveSecret, pollScheduler };
}

async function connectToTemporal(temporal: ReturnType<typeof temporalConnectConfig>): Promise<NativeConnection> {
  return NativeConnection.connect(temporal.connectionOptions).catch((err: unknown) => {
    throw new Error(
      `cannot connect to Temporal at ${temporal.connectionOptions.address} (namespace ${temporal.namespace}): ` +
        `${err instanceof Error ? err.message : String(err)}. Start a server (aci-flow demo starts a local one) ` +
        'or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE.',
    );
  });
}

/** Logs when Temporal becomes unreachable and when it is back (the SDK reconnects by itself). */
function watchConnectionOf(connection: NativeConnection, address: string) {
  const logger = Runtime.instance().logger;
  return watchConnection({
    address,
    check: () => connection.workflowService.getSystemInfo({}),
    warn: (message) => logger.warn(message),
    info: (message) => logger.info(message),
  });
}

/**
 * Installs the SDK Runtime with its metrics exporter (before anything connects to Temporal)
 * and serves both metric sets on `address`.
 */
async function startMetricsEndpoint(address: MetricsAddress, logger: Logger) {
  let readiness: (() => Readiness) | undefined;
  const registry = createWorkerRegistry();
  const metrics = createPromMetrics(registry);
  const sdkMetricsUrl = await installSdkMetrics({ logger });
  const server = await startMetricsServer({
    address,
    registry,
    sdkMetricsUrl,
    onError: (message) => Runtime.instance().logger.warn(message),
    readiness: () => readiness?.() ?? { ready: false, detail: 'starting: not yet polling Temporal' },
  });
  Runtime.instance().logger.info('Serving Prometheus metrics', { url: `http://${address.host}:${server.address.port}/metrics` });
  return {
    metrics,
    close: server.close,
    /** From now on `/readyz` asks `probe`. */
    setReadiness: (probe: () => Readiness) => (readiness = probe),
  };
}

/** Append blobs when an account is configured (ACI_FLOW_LOG_BLOB_*), else per-run files; the worker's stdout always. */
export function flowRunLogSinkFor(workPool: string, blob: BlobLogSettings | undefined, logDir: string | undefined, metrics?: AciFlowMetrics): FlowRunLogSink {
  if (blob) return createFlowRunLogSink({ blob: { container: logContainerClient(blob), workPool }, metrics });
  return createFlowRunLogSink({ logDir, metrics });
}
