/**
 * The one launcher of local services, for the demo, the tests and the benchmark: the Temporal
 * dev server (in memory or on a database file), Azurite and a Prefect server, each a child
 * process on loopback that is stopped with this process. Never imported by the worker or the
 * client library (lint enforces it); the ACI emulator runs in-process (`src/emulator`).
 */
export { type RunningAzurite, AZURITE_ACCOUNT, AZURITE_ACCOUNT_KEY, azuriteConnectionString, startAzurite } from './azurite';
export { type DevServer, type DevServerOptions, devServerArgs, startDevServer, webUiUrl } from './devServer';
export { freePort } from './ports';
export { type PrefectServer, type PrefectServerOptions, prefectCliPath, prefectEnvironment, startPrefectServer } from './prefectServer';
export { temporalCliPath } from './temporalCli';
