#!/usr/bin/env node
/**
 * The `aci-flow` command line. Each subcommand lives in ./commands/<name>.ts and
 * registers itself on the program; this file only wires them and maps errors to exit codes.
 * Commands load what they need inside their action, so `--help` costs little more than Node.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands';
import { CliError } from './output';

export function buildProgram(): Command {
  const program = new Command('aci-flow')
    .description('Run orchestrator flow runs as containers on Azure Container Instances, driven by Temporal')
    .showHelpAfterError()
    .exitOverride();
  for (const register of commands) register(program);
  return program;
}

export async function main(argv: string[] = process.argv): Promise<number> {
  try {
    await buildProgram().parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) {
      // --help and --version exit through here with code 0; usage errors were printed by commander.
      return err.exitCode;
    }
    const { asCliError } = await import('./errors');
    const mapped = asCliError(err);
    if (mapped instanceof CliError) {
      process.stderr.write(`aci-flow: ${mapped.message}\n`);
      return mapped.exitCode;
    }
    process.stderr.write(`aci-flow: ${mapped instanceof Error ? mapped.message : String(mapped)}\n`);
    return 1;
  }
}

if (require.main === module) {
  // main() turns every error into a message and an exit code, so this promise never rejects.
  void main().then((code) => {
    process.exitCode = code;
  });
}
