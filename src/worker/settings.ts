/** Worker settings the CLI shows in its help; kept apart so `aci-flow --help` never loads the worker. */

/** A prebuilt workflow bundle (see `bundleFlowRunWorkflows`) to load instead of bundling at start. */
export const WORKFLOW_BUNDLE_ENV = 'ACI_FLOW_WORKFLOW_BUNDLE';

/**
 * Every running flow run holds one activity slot for its whole life (the watch activity,
 * which mostly sleeps), so the SDK's default of 100 would cap a worker at 100 concurrent runs.
 */
export const DEFAULT_MAX_CONCURRENT_ACTIVITIES = 2_000;

/** host:port the worker serves Prometheus metrics on (`/metrics`); unset = no metrics endpoint. */
export const METRICS_ADDRESS_ENV = 'ACI_FLOW_METRICS_ADDRESS';

/** `--metrics-port` alone listens on every interface, so a scraper on another host or container reaches it. */
export const METRICS_PORT_HOST = '0.0.0.0';

/** Orphan sweeper settings (docs/operations.md, "Orphan sweeper"). */
export const SWEEP_SCOPES_ENV = 'ACI_FLOW_SWEEP_SCOPES';
export const SWEEP_INTERVAL_ENV = 'ACI_FLOW_SWEEP_INTERVAL';
export const SWEEP_GRACE_ENV = 'ACI_FLOW_SWEEP_GRACE';
export const DEFAULT_SWEEP_INTERVAL = '10m';
export const DEFAULT_SWEEP_GRACE = '15m';
