/**
 * What every subcommand shares at registration: exit codes, usage errors and flag parsers.
 * Light on purpose: `aci-flow --help` loads this file and commander, nothing more.
 */
import { type Command, CommanderError, InvalidArgumentError } from 'commander';
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

/** `--port`: a TCP port; `lowest` 0 lets the system pick a free one, 1 refuses that. */
export function portParser(lowest: 0 | 1 = 0): (value: string) => number {
  return (value) => {
    const port = Number(value);
    if (!Number.isInteger(port) || port < lowest || port > 65535) throw new InvalidArgumentError(`must be a port number between ${lowest} and 65535`);
    return port;
  };
}

/** A numeric flag that `accepts` the number; otherwise `"<value>" is not <expected>`, e.g. "a positive whole number, e.g. 4". */
export function numberParser(expected: string, accepts: (value: number) => boolean): (value: string) => number {
  return (value) => {
    const parsed = Number(value);
    if (!accepts(parsed)) throw new InvalidArgumentError(`"${value}" is not ${expected}`);
    return parsed;
  };
}

export const isPositiveInteger = (value: number): boolean => Number.isInteger(value) && value >= 1;
