/** The Prefect worker bridge (docs/prefect.md): `runPrefectWorker` and what it is built from. */
export {
  DEFAULT_API_KEY_SECRET,
  DEFAULT_AUTH_STRING_SECRET,
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_POLL_SECONDS,
  DEFAULT_PREFETCH_SECONDS,
  runPrefectWorker,
  type PrefectWorkerOptions,
} from './worker';
export { createPrefectApi, prefectApiSettingsFromEnv, PrefectApiError, PrefectSettingsError, type PrefectApi, type PrefectApiSettings } from './api/client';
export { DEFAULT_FLOW_RUN_COMMAND, jobValues, mergeJobVariables, type Injection } from './jobVariables';
export { stateForOutcome } from './outcomes';
