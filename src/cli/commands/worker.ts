import type { Command } from 'commander';
import { DEFAULT_LOG_BLOB_CONTAINER, LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV, LOG_BLOB_URL_ENV } from '../../logs/blobLogs';
import { DEFAULT_LOG_DIR, LOG_DIR_ENV } from '../../logs/logFiles';
import {
  DEFAULT_MAX_CACHED_WORKFLOWS,
  DEFAULT_MAX_CONCURRENT_ACTIVITIES,
  DEFAULT_POLL_HEARTBEAT_TIMEOUT,
  METRICS_ADDRESS_ENV,
  METRICS_PORT_HOST,
  POLL_HEARTBEAT_TIMEOUT_ENV,
  SWEEP_SETTINGS,
  WORKFLOW_BUNDLE_ENV,
} from '../../workerHost/settings';
import { collect, isPositiveInteger, numberParser, poolConfigPath, withUsageExitCode } from '../commandSupport';

const positiveInteger = numberParser('a positive whole number, e.g. 500', isPositiveInteger);
/** The SDK needs room for at least two cached workflows (it would quietly raise a smaller number). */
const atLeastTwo = numberParser('a whole number of at least 2, e.g. 100', (value) => Number.isInteger(value) && value >= 2);
const portNumber = numberParser('a TCP port (1-65535), e.g. 9464', (value) => isPositiveInteger(value) && value <= 65535);

export function register(program: Command): void {
  const command = program
    .command('worker')
    .description("Run a worker for one work pool: it polls the pool's task queue and does all Azure calls of its flow runs")
    .requiredOption('--pool <name>', 'work pool name (= Temporal task queue)')
    .option(
      '--pool-config <file>',
      "the pool's Prefect work pool export or base job template, JSON or YAML; every run is rendered from it; default $ACI_FLOW_POOL_CONFIG",
    )
    .option('--log-dir <dir>', `directory for per-run log files when logs are not in blobs (default: $${LOG_DIR_ENV} or ${DEFAULT_LOG_DIR})`)
    .option('--max-concurrent-runs <n>', `flow runs this worker watches at once (default: ${DEFAULT_MAX_CONCURRENT_ACTIVITIES})`, positiveInteger)
    .option(
      '--max-cached-workflows <n>',
      `workflows kept in memory between their tasks; the rest are replayed from history (default: ${DEFAULT_MAX_CACHED_WORKFLOWS})`,
      atLeastTwo,
    )
    .option(
      '--metrics-port <port>',
      `serve Prometheus metrics on ${METRICS_PORT_HOST}:<port>/metrics (default: $${METRICS_ADDRESS_ENV} as host:port, else no metrics)`,
      portNumber,
    )
    .option(
      '--sweep-scope <subscriptionId/resourceGroup>',
      `where the pool's orphan sweeper looks; repeat for several (default: $${SWEEP_SETTINGS.scopes.env}, comma-separated; none: no schedule)`,
      collect,
      [],
    )
    .option(
      '--heartbeat-timeout <duration>',
      `how long a killed worker's runs wait before another worker resumes them; a heartbeat (a billed Action) every 80 % of it, e.g. 4m (default: $${POLL_HEARTBEAT_TIMEOUT_ENV} or ${DEFAULT_POLL_HEARTBEAT_TIMEOUT})`,
    )
    .option('--deployment-name <name>', 'Worker Versioning deployment of this pool (default: $ACI_FLOW_DEPLOYMENT_NAME or aci-flow-<pool>)')
    .option(
      '--build-id <id>',
      "this worker's build id; flow runs are Pinned to it (default: $ACI_FLOW_BUILD_ID or the package version; ACI_FLOW_VERSIONING=off: unversioned)",
    )
    .option('--sweep-interval <duration>', `time between sweeps, e.g. 10m (default: $${SWEEP_SETTINGS.interval.env} or ${SWEEP_SETTINGS.interval.default})`)
    .option(
      '--sweep-grace <duration>',
      `how long leftovers of a closed run are kept, e.g. 15m (default: $${SWEEP_SETTINGS.grace.env} or ${SWEEP_SETTINGS.grace.default})`,
    )
    .addHelpText(
      'after',
      [
        '',
        'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or a config profile (default localhost:7233).',
        'Azure: DefaultAzureCredential; ACI_FLOW_ARM_ENDPOINT + ACI_FLOW_ARM_CA_FILE select the local emulator.',
        `Logs: an append blob per run in $${LOG_BLOB_URL_ENV} (DefaultAzureCredential; needs Storage Blob Data Contributor)`,
        `or $${LOG_BLOB_CONNECTION_STRING_ENV} (Azurite), container $${LOG_BLOB_CONTAINER_ENV} (default ${DEFAULT_LOG_BLOB_CONTAINER}); else files in --log-dir.`,
        `Workflow code: bundled at start, or loaded from $${WORKFLOW_BUNDLE_ENV}. Stops gracefully on SIGINT/SIGTERM.`,
        '',
        'Example:',
        '  aci-flow worker --pool my-pool --pool-config pool.yaml',
        '  aci-flow worker --pool my-pool --pool-config pool.yaml --sweep-scope 00000000-0000-0000-0000-000000000000/my-rg --sweep-interval 10m',
      ].join('\n'),
    )
    .action(async (flags: WorkerFlags) => {
      const [{ runWorker }, { sweeperSettings }, { pollHeartbeatTimeoutMs }, { versioningSettings }, { CliError, ExitCodes }] = await Promise.all([
        import('../../worker'),
        import('../../workerHost/sweeperSettings'),
        import('../../workerHost/heartbeatSettings'),
        import('../../workerHost/versioning'),
        import('../output'),
      ]);
      // Prefect blocks in the pool file are read through the Prefect API, or the worker does not start (exit 2).
      const poolConfig = await (await import('../poolBlocks')).poolFileSourceWithBlocks(poolConfigPath(flags.poolConfig));
      let sweeper;
      let heartbeatTimeoutMs;
      let versioning;
      try {
        versioning = versioningSettings(flags.pool, { deploymentName: flags.deploymentName, buildId: flags.buildId }) ?? null;
        sweeper = sweeperSettings({ scopes: flags.sweepScope, interval: flags.sweepInterval, grace: flags.sweepGrace });
        heartbeatTimeoutMs = pollHeartbeatTimeoutMs({ heartbeatTimeout: flags.heartbeatTimeout });
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), ExitCodes.usage);
      }
      await runWorker({
        workPool: flags.pool,
        poolConfig,
        logDir: flags.logDir,
        maxConcurrentActivityTaskExecutions: flags.maxConcurrentRuns,
        maxCachedWorkflows: flags.maxCachedWorkflows,
        metricsPort: flags.metricsPort,
        sweeper,
        pollHeartbeatTimeoutMs: heartbeatTimeoutMs,
        versioning,
      });
    });
  withUsageExitCode(command);
}

interface WorkerFlags {
  pool: string;
  poolConfig?: string;
  logDir?: string;
  maxConcurrentRuns?: number;
  maxCachedWorkflows?: number;
  metricsPort?: number;
  sweepScope?: string[];
  sweepInterval?: string;
  sweepGrace?: string;
  heartbeatTimeout?: string;
  deploymentName?: string;
  buildId?: string;
}
