/** What every flow-run subcommand shares: a Temporal client, exit codes and usage errors. */
import type { Client } from '@temporalio/client';
import { type Command, CommanderError } from 'commander';
import { ConfigError } from '../config';
import { connectClient, temporalConnectConfig } from './connection';
import { FlowRunAlreadyClosedError, FlowRunNotFoundError, InvalidFlowRunOptionsError } from './errors';
import { CliError, ExitCodes } from './output';

/**
 * Commander exits with 1 on a usage error; aci-flow promises 2 for bad input, so a script
 * can tell "you called me wrong" from "the flow run failed".
 */
export function withUsageExitCode(command: Command): Command {
  return command.exitOverride((err) => {
    throw err.exitCode === 0 ? err : new CommanderError(ExitCodes.usage, err.code, err.message);
  });
}

/** Runs `fn` with a client connected from the standard Temporal environment, then disconnects. */
export async function withClient<T>(fn: (client: Client) => Promise<T>): Promise<T> {
  const config = temporalConnectConfig();
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    throw new CliError(
      `cannot connect to Temporal at ${config.connectionOptions.address} (namespace ${config.namespace}): ${messageOf(err)}. ` +
        'Start a server (aci-flow demo starts a local one) or set TEMPORAL_ADDRESS / TEMPORAL_PROFILE.',
      ExitCodes.failure,
    );
  }
  try {
    return await fn(client);
  } catch (err) {
    throw asCliError(err);
  } finally {
    await client.connection.close();
  }
}

/** Library errors become CLI errors with the exit code their kind promises. */
export function asCliError(err: unknown): unknown {
  if (err instanceof CliError) return err;
  if (err instanceof FlowRunNotFoundError) return new CliError(err.message, ExitCodes.notFound);
  if (err instanceof InvalidFlowRunOptionsError || err instanceof ConfigError) return new CliError(err.message, ExitCodes.usage);
  if (err instanceof FlowRunAlreadyClosedError) return new CliError(err.message, ExitCodes.failure);
  return err;
}

/** The work pool file: `--pool-config`, else ACI_FLOW_POOL_CONFIG, so a scheduler sets it once. */
export function poolConfigPath(flag: string | undefined, env: NodeJS.ProcessEnv = process.env): string {
  const path = flag ?? env.ACI_FLOW_POOL_CONFIG;
  if (!path) {
    throw new CliError('--pool-config <file> is required (or set ACI_FLOW_POOL_CONFIG to the work pool file)', ExitCodes.usage);
  }
  return path;
}

/** Commander option parser for repeatable flags such as `--set a=1 --set b=2`. */
export function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
