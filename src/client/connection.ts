import { Client, Connection } from '@temporalio/client';
import { temporalConnectConfig, type TemporalConnectConfig } from '../shared/temporalConnection';

/** A client for orchestrator code and the CLI; close it with `client.connection.close()`. */
export async function connectClient(config: TemporalConnectConfig = temporalConnectConfig()): Promise<Client> {
  const connection = await Connection.connect(config.connectionOptions);
  return new Client({ connection, namespace: config.namespace });
}
