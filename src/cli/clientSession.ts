/**
 * The part of a command that talks to Temporal, loaded by the command's action only, so
 * `--help` and usage errors never pay for the Temporal SDK.
 */
import { connect } from 'node:net';
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
  const address = config.connectionOptions.address;
  try {
    if (address !== undefined) await refuseFast(address);
    client = await connectClient(config);
  } catch (err) {
    throw new TemporalUnreachableError(
      `cannot connect to Temporal at ${address} (namespace ${config.namespace}): ${messageOf(err)}. ` +
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

/**
 * A refused TCP connection is final, yet the gRPC client retries it until its 10-second connect
 * timeout; one plain connect first lets a command fail at once when nothing listens there. Any
 * other outcome (connected, no answer within a second, a name that does not resolve) is left
 * to the gRPC client, which reports it in its own words.
 */
async function refuseFast(address: string): Promise<void> {
  let host: string;
  let port: number;
  try {
    const url = new URL(`tcp://${address}`);
    host = url.hostname.replace(/^\[(.*)\]$/, '$1');
    port = Number(url.port);
  } catch {
    return;
  }
  if (!host || !port) return;
  const refused = await new Promise<Error | undefined>((resolve) => {
    const socket = connect({ host, port, timeout: 1_000 });
    const done = (err?: Error) => {
      socket.destroy();
      resolve(err);
    };
    socket.once('connect', () => done());
    socket.once('timeout', () => done());
    socket.once('error', (err: NodeJS.ErrnoException) => done(err.code === 'ECONNREFUSED' ? err : undefined));
  });
  if (refused) throw new Error(`connection refused (${refused.message})`);
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
