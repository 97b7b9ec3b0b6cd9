/** Prefect ACI worker defaults, shared by the job configuration schema, the base job template and the ARM template. */
export const ACI_DEFAULT_CPU = 1.0;
export const ACI_DEFAULT_MEMORY_GB = 1.0;
export const DEFAULT_CONTAINER_ENTRYPOINT = '/opt/prefect/entrypoint.sh';
/** Prefect picks an image matching the local Prefect version; aci-flow has none, so it uses the moving 3.x tag. */
export const DEFAULT_IMAGE = 'prefecthq/prefect:3-latest';
export const DEFAULT_TASK_START_TIMEOUT_SECONDS = 240;
export const DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS = 5.0;
/** aci-flow: how long cleanup keeps retrying before the run ends marked `cleanup: abandoned` (docs/workflow.md, "Cleanup"). */
export const DEFAULT_CLEANUP_TIMEOUT_SECONDS = 86_400;
