/** Worker settings the CLI shows in its help; kept apart so `aci-flow --help` never loads the worker. */
import { DEFAULT_SWEEP_GRACE_SECONDS } from '../workflows/sweeperDefinitions';

/** A prebuilt workflow bundle (see `bundleFlowRunWorkflows`) to load instead of bundling at start. */
export const WORKFLOW_BUNDLE_ENV = 'ACI_FLOW_WORKFLOW_BUNDLE';

/**
 * Every running flow run holds one activity slot for its whole life (the watch activity,
 * which mostly sleeps), so the SDK's default of 100 would cap a worker at 100 concurrent runs.
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 2_000;

/**
 * Workflows kept in the worker's sticky cache. A flow run's workflow sits idle for the run's
 * whole life (its watch activity does the work) and has only a handful of workflow tasks, so
 * replaying its short history on a cache miss is cheap, while keeping it cached is not: the
 * SDK's default (600 per GiB of heap, about 2,300 here) held every run in memory, about
 * 220 KiB each, 700 MiB of RSS at 1,000 runs (docs/benchmark.md, "Where a worker's memory goes").
 */
export const DEFAULT_MAX_CACHED_WORKFLOWS = 100;

/** host:port the worker serves Prometheus metrics on (`/metrics`); unset = no metrics endpoint. */
export const METRICS_ADDRESS_ENV = 'ACI_FLOW_METRICS_ADDRESS';

/** `--metrics-port` alone listens on every interface, so a scraper on another host or container reaches it. */
export const METRICS_PORT_HOST = '0.0.0.0';

/**
 * The orphan sweeper's settings (docs/operations.md, "Orphan sweeper"): each one's environment
 * variable and default; the grace period's default is the one `aci-flow sweep` uses too.
 */
export const SWEEP_SETTINGS = {
  scopes: { env: 'ACI_FLOW_SWEEP_SCOPES' },
  interval: { env: 'ACI_FLOW_SWEEP_INTERVAL', default: '10m' },
  grace: { env: 'ACI_FLOW_SWEEP_GRACE', default: `${DEFAULT_SWEEP_GRACE_SECONDS / 60}m` },
} as const;

/**
 * Heartbeat timeout of a run's polling activities (waitForStart, watch): how long a killed
 * worker's runs wait before another worker resumes them. The SDK sends a heartbeat every 80 %
 * of it (each one a billed Action on Temporal Cloud), so 4 minutes means one heartbeat every
 * 192 s, about 19 per run-hour, and a killed worker's runs resume within about 4 minutes
 * (docs/operations.md, "Heartbeats: recovery time against Actions").
 */
export const POLL_HEARTBEAT_TIMEOUT_ENV = 'ACI_FLOW_HEARTBEAT_TIMEOUT';
export const DEFAULT_POLL_HEARTBEAT_TIMEOUT = '4m';

/**
 * After SIGTERM the worker stops polling, gives running activities its grace time (5 s) to
 * heartbeat, then force-stops by this time: below Kubernetes' default 30 s termination grace
 * period, so a pod is never SIGKILLed mid-shutdown (docs/operations.md, "Shutdown").
 */
export const SHUTDOWN_FORCE_TIME = '20 seconds';

/** `node dist/worker.js` (the image) takes its pool and the pool's file from these; `aci-flow worker` from --pool and --pool-config. */
export const POOL_ENV = 'ACI_FLOW_POOL';
export const POOL_CONFIG_ENV = 'ACI_FLOW_POOL_CONFIG';
