/**
 * A real Prefect server for tests: the demo's launcher (src/cli/demo/prefectServer.ts), API only:
 * `prefect server start` from tools/prefect-venv, on loopback, with SQLite in a temporary PREFECT_HOME.
 */
export { type PrefectServer, prefectCliPath, prefectEnvironment, startPrefectServer } from '../../src/cli/demo/prefectServer';
