/** Temporal connection settings, shared by the worker and the client library. */
import type { Metadata, TLSConfig } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { loadClientConnectConfig, type LoadClientProfileOptions } from '@temporalio/envconfig';
import { codecFromEnv, encryptingDataConverter } from './codec';

export const DEFAULT_TEMPORAL_ADDRESS = 'localhost:7233';
export const DEFAULT_NAMESPACE = 'default';

/**
 * What a profile or the TEMPORAL_* variables set: options both the client's `Connection` and the
 * worker's `NativeConnection` take. Declared here, not as the worker's NativeConnectionOptions,
 * so the client package's types never name `@temporalio/worker`, which it does not install.
 */
export interface TemporalConnectionOptions {
  address: string;
  tls?: TLSConfig | boolean | null;
  apiKey?: string;
  metadata?: Metadata;
}

export interface TemporalConnectConfig {
  connectionOptions: TemporalConnectionOptions;
  namespace: string;
  /** Encrypts payloads and failure messages when a codec key is configured; undefined: the SDK's default. */
  dataConverter?: DataConverter;
}

/**
 * Where Temporal is, from the standard sources every Temporal tool reads: the
 * TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE / TEMPORAL_API_KEY / TEMPORAL_TLS_* variables and
 * the TOML config profile (TEMPORAL_PROFILE, TEMPORAL_CONFIG_FILE). Defaults to the local dev server.
 * The payload codec's keys come from ACI_FLOW_CODEC_KEYS / ACI_FLOW_CODEC_KEYS_DIR (see ./codec).
 */
export function temporalConnectConfig(options: LoadClientProfileOptions = {}): TemporalConnectConfig {
  const loaded = loadClientConnectConfig(options);
  const codec = codecFromEnv(options.overrideEnvVars ?? process.env);
  return {
    connectionOptions: { ...loaded.connectionOptions, address: loaded.connectionOptions.address ?? DEFAULT_TEMPORAL_ADDRESS },
    namespace: loaded.namespace ?? DEFAULT_NAMESPACE,
    ...(codec ? { dataConverter: encryptingDataConverter(codec) } : {}),
  };
}
