import { existsSync } from 'node:fs';
import type { Command } from 'commander';
import { logFilePath } from '../../logs/logFiles';
import { withUsageExitCode } from '../commandSupport';

export function register(program: Command): void {
  const command = program
    .command('logs')
    .description("Print a flow run's container log lines, as recorded by the worker on this machine")
    .argument('<run-id>', 'flow run id')
    .option('-f, --follow', 'keep printing new lines until the run finishes')
    .option('--log-dir <dir>', 'directory of the worker log files; default $ACI_FLOW_LOG_DIR or .aci-flow/logs')
    .addHelpText('after', '\nExample:\n  aci-flow logs 7f1c --follow')
    .action(async (flowRunId: string, flags: { follow?: boolean; logDir?: string }) => {
      const [{ withClient }, { followLogs }] = await Promise.all([import('../clientSession'), import('../../client/flowRunLogs')]);
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        await withClient(async (client) => {
          for await (const line of followLogs(flowRunId, { client, follow: flags.follow, logDir: flags.logDir, signal: stop.signal })) {
            process.stdout.write(`${line}\n`);
          }
        });
        const path = logFilePath(flowRunId, flags.logDir);
        if (!existsSync(path)) {
          process.stderr.write(
            `aci-flow: no log lines recorded at ${path}: the run has stream_output off, has printed nothing yet, ` +
              'or its worker writes logs on another machine (point --log-dir or ACI_FLOW_LOG_DIR at its log directory)\n',
          );
        }
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
  withUsageExitCode(command);
}
