/** The Prefect worker bridge (docs/prefect.md): `runPrefectWorker` and what it is built from. */
export { DEFAULT_API_KEY_SECRET, DEFAULT_AUTH_STRING_SECRET, runPrefectWorker, type PrefectWorkerOptions } from './worker';
export {
  DEFAULT_HEARTBEAT_SECONDS,
  DEFAULT_PREFETCH_SECONDS,
  DEFAULT_QUERY_SECONDS,
  DEFAULT_WEBSERVER_HOST,
  DEFAULT_WEBSERVER_PORT,
  workerSettingsFromEnv,
  type WorkerSettings,
} from './settings';
export { withActiveProfile } from './profile';
export { blockResolvingPoolSource, prefectPoolSource, readPool, type PrefectPool } from './pool';
export { createPrefectApi, prefectApiSettingsFromEnv, PrefectApiError, PrefectSettingsError, type PrefectApi, type PrefectApiSettings } from './api/client';
export { DEFAULT_FLOW_RUN_COMMAND, jobValues, mergeJobVariables, type Injection } from './jobVariables';
export { stateForOutcome } from './outcomes';
