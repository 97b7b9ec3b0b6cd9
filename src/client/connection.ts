import { Client, Connection } from '@temporalio/client';
import { temporalConnectConfig, type TemporalConnectConfig } from '../common/temporalConnection';

/**
 * A client for orchestrator code and the CLI; close it with `client.connection.close()`.
 * With a codec key configured (ACI_FLOW_CODEC_KEYS / ACI_FLOW_CODEC_KEYS_DIR) it encrypts
 * what it sends and decrypts what it reads.
 */
export async function connectClient(config: TemporalConnectConfig = temporalConnectConfig()): Promise<Client> {
  const connection = await Connection.connect(config.connectionOptions);
  return new Client({ connection, namespace: config.namespace, dataConverter: config.dataConverter });
}
