#!/usr/bin/env node
/**
 * The `aci-flow` command line. Each subcommand lives in ./commands/<name>.ts and
 * registers itself on the program; this file only wires them and maps errors to exit codes.
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
    if (err instanceof CliError) {
      process.stderr.write(`aci-flow: ${err.message}\n`);
      return err.exitCode;
    }
    process.stderr.write(`aci-flow: ${err instanceof Error ? err.message : String(err)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main().then((code) => {
    process.exitCode = code;
  });
}
