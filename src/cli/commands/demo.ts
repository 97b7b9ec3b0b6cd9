import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { portParser, withUsageExitCode } from '../commandSupport';
import { CliError, ExitCodes } from '../output';
import { PREFECT_DEMO_OUTCOMES, type PrefectDemoOutcome } from '../prefectDemoOutcomes';

/** The example pool ships with the repository, so `npm run demo` needs no arguments from any directory. */
const EXAMPLE_POOL = join(__dirname, '..', '..', '..', 'examples', 'pool.yaml');

interface DemoFlags {
  poolConfig: string;
  port: number;
  uiPort: number;
  exitWhenDone?: boolean;
  prefect?: boolean;
  prefectPort: number;
  outcomes?: PrefectDemoOutcome[];
}

export function register(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'Run everything locally: Temporal dev server with its Web UI, the ACI emulator, a worker and one sample flow run; ' +
        'the UI stays up until Ctrl-C; with --prefect, a Prefect deployment through the bridge and a local Prefect server',
    )
    .option('--pool-config <file>', 'work pool to run the sample on', EXAMPLE_POOL)
    .option('--port <port>', 'Temporal gRPC port, if free (else any free port)', portParser(1), 7233)
    .option('--ui-port <port>', 'Temporal Web UI port, if free (else any free port)', portParser(1), 8233)
    .option('--exit-when-done', 'shut everything down when the sample run has finished (exit 0 if it completed)')
    .option('--prefect', 'run a Prefect deployment through aci-flow instead: a local Prefect server, the bridge and a flow from examples/prefect')
    .option('--prefect-port <port>', 'with --prefect: Prefect server and UI port, if free (else any free port)', portParser(1), 4200)
    .option(
      '--outcomes <list>',
      `with --prefect: the flow runs to show, comma-separated, in order (${PREFECT_DEMO_OUTCOMES.join(', ')}; default completed)`,
      parseOutcomes,
    )
    .addHelpText(
      'after',
      '\nExamples:\n  npm run demo\n  aci-flow demo --exit-when-done\n  npm run demo -- --prefect\n  aci-flow demo --prefect --outcomes completed,crashed,cancelled --exit-when-done',
    )
    .action(async (flags: DemoFlags) => {
      if (!flags.prefect && flags.outcomes)
        throw new CliError('--outcomes needs --prefect (the sample run of the plain demo always completes)', ExitCodes.usage);
      const interrupted = new AbortController();
      const onInterrupt = () => interrupted.abort();
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      try {
        if (flags.prefect) {
          await prefectDemo(flags, interrupted.signal);
          return;
        }
        const { runDemo } = await import('../demo/runDemo');
        const status = await runDemo({
          poolConfigPath: flags.poolConfig,
          exitWhenDone: flags.exitWhenDone ?? false,
          port: flags.port,
          uiPort: flags.uiPort,
          signal: interrupted.signal,
          write: (line) => process.stdout.write(`${line}\n`),
        });
        // runDemo returns no status only when Ctrl-C came before the sample run finished.
        if (!status) throw new CliError('interrupted before the sample flow run finished; everything it started is shut down', ExitCodes.failure);
        if (status.phase !== 'Completed') {
          throw new CliError(`the sample flow run ended ${status.phase}${status.message ? `: ${status.message}` : ''}`, ExitCodes.failure);
        }
      } finally {
        process.off('SIGINT', onInterrupt);
        process.off('SIGTERM', onInterrupt);
        // Everything the demo started is closed by now, but the Temporal native runtime can take
        // several more seconds to wind down its threads; nothing is left to wait for.
        setTimeout(() => process.exit(), 1_000).unref();
      }
    });
  withUsageExitCode(command);
}

async function prefectDemo(flags: DemoFlags, signal: AbortSignal): Promise<void> {
  const { runPrefectDemo } = await import('../demo/runPrefectDemo');
  const results = await runPrefectDemo({
    outcomes: flags.outcomes ?? ['completed'],
    exitWhenDone: flags.exitWhenDone ?? false,
    port: flags.port,
    uiPort: flags.uiPort,
    prefectPort: flags.prefectPort,
    signal,
    write: (line) => process.stdout.write(`${line}\n`),
  });
  if (!results) throw new CliError('interrupted before the Prefect flow runs finished; everything it started is shut down', ExitCodes.failure);
  const unexpected = results.filter((result) => result.state !== result.expected);
  if (unexpected.length > 0) {
    throw new CliError(
      unexpected.map((result) => `flow run ${result.flowRunId} (${result.outcome}) ended ${result.state}, expected ${result.expected}`).join('; '),
      ExitCodes.failure,
    );
  }
}

function parseOutcomes(value: string): PrefectDemoOutcome[] {
  const outcomes = value.split(',').map((item) => item.trim());
  const unknown = outcomes.filter((item) => !(PREFECT_DEMO_OUTCOMES as readonly string[]).includes(item));
  if (outcomes.length === 0 || unknown.length > 0) {
    throw new InvalidArgumentError(
      `unknown outcome ${unknown.map((item) => `'${item}'`).join(', ')}; use a comma-separated list of ${PREFECT_DEMO_OUTCOMES.join(', ')}`,
    );
  }
  return outcomes as PrefectDemoOutcome[];
}
