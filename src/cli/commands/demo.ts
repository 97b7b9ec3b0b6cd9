import { join } from 'node:path';
import { type Command, InvalidArgumentError } from 'commander';
import { withUsageExitCode } from '../commandSupport';
import { CliError, ExitCodes } from '../output';

/** The example pool ships with the repository, so `npm run demo` needs no arguments from any directory. */
const EXAMPLE_POOL = join(__dirname, '..', '..', '..', 'examples', 'pool.yaml');

interface DemoFlags {
  poolConfig: string;
  port: number;
  uiPort: number;
  exitWhenDone?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('demo')
    .description(
      'Run everything locally: Temporal dev server with its Web UI, the ACI emulator, a worker and one sample flow run; ' +
        'the UI stays up until Ctrl-C',
    )
    .option('--pool-config <file>', 'work pool to run the sample on', EXAMPLE_POOL)
    .option('--port <port>', 'Temporal gRPC port, if free (else any free port)', parsePort, 7233)
    .option('--ui-port <port>', 'Temporal Web UI port, if free (else any free port)', parsePort, 8233)
    .option('--exit-when-done', 'shut everything down when the sample run has finished (exit 0 if it completed)')
    .addHelpText('after', '\nExamples:\n  npm run demo\n  aci-flow demo --exit-when-done')
    .action(async (flags: DemoFlags) => {
      const interrupted = new AbortController();
      const onInterrupt = () => interrupted.abort();
      process.on('SIGINT', onInterrupt);
      process.on('SIGTERM', onInterrupt);
      try {
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

function parsePort(value: string): number {
  const port = Number(value);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw new InvalidArgumentError('must be a port number between 1 and 65535');
  return port;
}
