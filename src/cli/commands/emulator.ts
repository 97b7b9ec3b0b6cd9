import { existsSync, readFileSync } from 'node:fs';
import { type Command, InvalidArgumentError } from 'commander';
import type { ActiveFaults } from '../../emulator';
import { DEFAULT_RESOURCE_GROUPS, EMULATOR_TOKEN_ENV } from '../../emulator/defaults';
import { collect, portParser, withUsageExitCode } from '../commandSupport';
import { listeningText, serveUntilStopped, stopRequested } from '../foreground';
import { CliError, ExitCodes } from '../output';

interface EmulatorFlags {
  port: number;
  host: string;
  requireToken?: string;
  dataDir: string;
  resourceGroup: string[];
  location: string;
  faults?: string;
  deploymentDelayMs: number;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('emulator')
    .description('Run the local HTTPS ARM/ACI emulator: containers run as local processes, the Azure SDKs work against it unchanged')
    .option('--port <port>', 'port to listen on (0 = any free port)', portParser(), 8443)
    .option(
      '--host <host>',
      'address to listen on (the certificate covers localhost, 127.0.0.1, ::1 and this host); off loopback it needs a token',
      '127.0.0.1',
    )
    .option(
      '--require-token <token>',
      `require 'Authorization: Bearer <token>' on every call, ARM and /_emulator (default: $${EMULATOR_TOKEN_ENV}, which keeps it out of the process list)`,
    )
    .option('--data-dir <dir>', 'where the CA certificate (ca.pem) and container output go', '.aci-flow/emulator')
    .option('--resource-group <name>', `a resource group that exists (repeatable; default ${DEFAULT_RESOURCE_GROUPS.join(', ')})`, collect, [])
    .option('--location <region>', 'region reported for resource groups and container groups', 'eastus')
    .option('--faults <json-or-file>', 'initial fault injection: inline JSON or a JSON file (see docs/emulator.md)')
    .option('--deployment-delay-ms <ms>', 'how long a deployment stays Running before it finishes', parseNonNegative, 300)
    .option('--json', 'print one JSON line { endpoint, caCertPath, dataDir } instead of text')
    .addHelpText(
      'after',
      [
        '',
        'Point the worker at it with ACI_FLOW_ARM_ENDPOINT=<endpoint> ACI_FLOW_ARM_CA_FILE=<ca path>.',
        'Control endpoint: GET <endpoint>/_emulator/counters, PATCH <endpoint>/_emulator/faults, ... (with the token when one is required).',
        `Off loopback (--host 0.0.0.0, a LAN address) a token is required: ${EMULATOR_TOKEN_ENV}=<token> aci-flow emulator --host ...;`,
        'the worker then sends it with ACI_FLOW_ARM_TOKEN=<token>.',
        'Runs until SIGINT/SIGTERM, then ends every container process.',
        '',
        'Examples:',
        '  aci-flow emulator',
        '  aci-flow emulator --port 0 --json --faults \'{"throttling":{"reads":{"capacity":25,"refillPerSecond":25}}}\'',
      ].join('\n'),
    )
    .action(async (flags: EmulatorFlags) => {
      const [{ listenProblem }, { resourceGroupNameProblem }] = await Promise.all([import('../../emulator/access'), import('../../emulator/names')]);
      for (const resourceGroup of flags.resourceGroup) {
        const problem = resourceGroupNameProblem(resourceGroup);
        if (problem) throw new CliError(`--resource-group: '${resourceGroup}' ${problem}`, ExitCodes.usage);
      }
      const requireToken = flags.requireToken ?? (process.env[EMULATOR_TOKEN_ENV] || undefined);
      const refused = listenProblem(flags.host, requireToken);
      if (refused) throw new CliError(`cannot start the emulator: ${refused}`, ExitCodes.usage);
      // listening before anything starts, so a signal sent as soon as the endpoint is printed is never missed
      const stop = stopRequested();
      const { startEmulator } = await import('../../emulator');
      const faults = flags.faults === undefined ? undefined : await readFaults(flags.faults);
      const emulator = await startEmulator({
        port: flags.port,
        host: flags.host,
        requireToken,
        dataDir: flags.dataDir,
        resourceGroups: flags.resourceGroup.length > 0 ? flags.resourceGroup : undefined,
        location: flags.location,
        faults,
        deploymentDelayMs: flags.deploymentDelayMs,
      }).catch((error: unknown) => {
        throw new CliError(
          `cannot start the emulator on ${flags.host}:${flags.port}: ${error instanceof Error ? error.message : String(error)}`,
          ExitCodes.failure,
        );
      });
      const text = flags.json
        ? `${JSON.stringify({ endpoint: emulator.endpoint, caCertPath: emulator.caCertPath, dataDir: flags.dataDir })}\n`
        : listeningText([
            `ACI emulator listening on ${emulator.endpoint}`,
            `CA certificate: ${emulator.caCertPath}`,
            `Use it: ACI_FLOW_ARM_ENDPOINT=${emulator.endpoint} ACI_FLOW_ARM_CA_FILE=${emulator.caCertPath}${requireToken ? ' ACI_FLOW_ARM_TOKEN=<the required token>' : ''}`,
          ]);
      await serveUntilStopped(stop, text, () => emulator.close());
    });
  withUsageExitCode(command);
}

async function readFaults(value: string): Promise<ActiveFaults> {
  const { parseFaultConfig } = await import('../../emulator/faults');
  const inline = value.trim().startsWith('{');
  if (!inline && !existsSync(value)) {
    throw new CliError(`--faults: '${value}' is neither inline JSON nor an existing file`, ExitCodes.usage);
  }
  const text = inline ? value : readFileSync(value, 'utf8');
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    throw new CliError(
      `--faults: ${inline ? 'inline JSON' : value} is not valid JSON: ${error instanceof Error ? error.message : String(error)}`,
      ExitCodes.usage,
    );
  }
  try {
    return parseFaultConfig(parsed, `--faults ${inline ? '(inline JSON)' : value}`);
  } catch (error) {
    throw new CliError(error instanceof Error ? error.message : String(error), ExitCodes.usage);
  }
}

function parseNonNegative(value: string): number {
  const number = Number(value);
  if (!Number.isFinite(number) || number < 0) throw new InvalidArgumentError('must be a non-negative number of milliseconds');
  return number;
}
