/** Prefect ACI worker defaults, shared by the job configuration schema, the base job template and the ARM template. */
export const ACI_DEFAULT_CPU = 1.0;
export const ACI_DEFAULT_MEMORY_GB = 1.0;
export const DEFAULT_CONTAINER_ENTRYPOINT = '/opt/prefect/entrypoint.sh';
/**
 * The Prefect version aci-flow is built and tested against. scripts/setup.mjs reads it from
 * here to provision tools/prefect-venv, and the default image follows it, as Prefect's
 * worker picks the image of its own version (`prefecthq/prefect:<version>-python3.12`).
 */
export const PREFECT_VERSION = '3.9.1';
export const DEFAULT_IMAGE_PYTHON = '3.12';
export const DEFAULT_IMAGE = `prefecthq/prefect:${PREFECT_VERSION}-python${DEFAULT_IMAGE_PYTHON}`;
export const DEFAULT_TASK_START_TIMEOUT_SECONDS = 240;
export const DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS = 5.0;
/** aci-flow: how long cleanup keeps retrying before the run ends marked `cleanup: abandoned` (docs/workflow.md, "Cleanup"). */
export const DEFAULT_CLEANUP_TIMEOUT_SECONDS = 86_400;
/**
 * aci-flow: seconds a Cancelling flow run whose flow has started gets to cancel itself (its
 * on_cancellation hooks) before aci-flow deletes its container group (docs/prefect.md, "States").
 */
export const DEFAULT_CANCEL_GRACE_SECONDS = 30;
/**
 * aci-flow: the log line of Prefect's engine when a flow run ends (its console format,
 * `Flow run 'name' - Finished in state Completed()`): the process exits right after it.
 * Task runs log `Task run '…' - Finished in state …`, which must not match.
 */
export const DEFAULT_EXIT_LOG_PATTERN = "Flow run '*' - Finished in state *";
/** An exit_log_pattern is short and has few wildcards, so matching it stays linear enough on any line. */
export const EXIT_LOG_PATTERN_MAX_LENGTH = 200;
export const EXIT_LOG_PATTERN_MAX_WILDCARDS = 4;
