/**
 * The part of a command that talks to Temporal, loaded by the command's action only, so
 * `--help` and usage errors never pay for the Temporal SDK.
 */
import type { Client } from '@temporalio/client';
import { connectClient } from '../client/connection';
import { temporalConnectConfig } from '../common/temporalConnection';
import { CliError, ExitCodes } from './output';

/** Temporal could not be reached: the message names the address and how to change it. */
export class TemporalUnreachableError extends CliError {}

/** Runs `fn` with a client connected from the standard Temporal environment, then disconnects. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const config = temporalConnectConfig();
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    throw new TemporalUnreachableError(
      `cannot connect to Temporal at ${config.connectionOptions.address} (namespace ${config.namespace}): ${messageOf(err)}. ` +
        'Start a server (aci-flow demo starts a local one) or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE.',
      ExitCodes.failure,
    );
  }
  try {
    return await fn(client);
  } finally {
    await client.connection.close();
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
