/** Temporal connection settings, shared by the worker and the client library. */
import { loadClientConnectConfig, type LoadClientProfileOptions } from '@temporalio/envconfig';
import type { NativeConnectionOptions } from '@temporalio/worker';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

export interface TemporalConnectConfig {
  connectionOptions: NativeConnectionOptions;
  namespace: string;
}

/**
 * Where Temporal is, from the standard sources every Temporal tool reads: the
 * TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS_* variables and
 * the TOML config profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE). Defaults to the local dev server.
 */
export function temporalConnectConfig(options: LoadClientProfileOptions = {}): TemporalConnectConfig {
  const loaded = loadClientConnectConfig(options);
  return {
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS },
    namespace: loaded.namespace ?? DEFAULT_NAMESPACE,
  };
}
