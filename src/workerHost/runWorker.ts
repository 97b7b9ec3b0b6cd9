/**
 * A worker process: reads the worker's settings from the environment, connects to Temporal
 * and Azure, serves metrics, and runs one pool's worker until SIGINT/SIGTERM. src/worker.ts,
 * the entry point, runs it for `aci-flow worker` and for `node dist/worker.js`.
 */
import { type Logger, NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { createFlowRunLogSink, type FlowRunLogSink } from '../activities/logSink';
import { createPollScheduler, pollStrategyFromEnv } from '../polling/pollScheduler';
import { type AzureConnectionConfig, azureConnectionFromEnv, createArmLimiter, createGateway, usesStaticToken } from '../azure/credentials';
import { createGatewayFactory } from '../azure/gatewayFactory';
import { type PoolSource, poolFileSource, withPoolSecrets } from '../config/poolSource';
import { secretResolverFromEnvironment } from '../config/secrets';
import { logContainerClient } from '../logs/blobContainer';
import { blobLogSettingsFromEnv, type BlobLogSettings } from '../logs/blobLogs';
import { logDirFromEnv } from '../logs/logFiles';
import { checkLogStore } from '../logs/logStoreCheck';
import { type AciFlowMetrics, createPromMetrics } from '../common/metrics';
import { DEFAULT_TEMPORAL_ADDRESS, temporalConnectConfig } from '../common/temporalConnection';
import { EXIT_HINT_SOURCES } from '../workflows/definitions';
import { bundleFlowRunWorkflows, createFlowRunWorker, prebuiltWorkflowBundlePath } from './index';
import { tracingFromEnv } from './tracing';
import { createWorkerRegistry, installSdkMetrics, type MetricsAddress, metricsAddressFrom, type Readiness, startMetricsServer } from './metricsServer';
import { watchConnection } from './connectionWatch';
import { WORKFLOW_BUNDLE_ENV } from './settings';
import { pollHeartbeatTimeoutMs } from './heartbeatSettings';
import { type VersioningSettings, versioningSettings } from './versioning';
import { createWorkerLogger } from './workerLogger';
import { applyWorkerV8Flags } from './v8Flags';
import { type SweeperSettings, sweeperSettings } from './sweeperSettings';

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
  // Before the SDK starts the workflow thread, which inherits them.
  applyWorkerV8Flags();
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
  const armLimiter = createArmLimiter(azure, metrics);
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
  const metrics = createPromMetrics(registry, { exitHintSources: EXIT_HINT_SOURCES });
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
