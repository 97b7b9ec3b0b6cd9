import type { Command } from 'commander';
import { withClient, withUsageExitCode } from '../commandSupport';
import { followLogs } from '../flowRuns';

export function register(program: Command): void {
  const command = program
    .command('logs')
    .description("Print a flow run's container log lines, as recorded by the worker on this machine")
    .argument('<run-id>', 'flow run id')
    .option('-f, --follow', 'keep printing new lines until the run finishes')
    .option('--log-dir <dir>', 'directory of the worker log files; default $ACI_FLOW_LOG_DIR or .aci-flow/logs')
    .addHelpText('after', '\nExample:\n  aci-flow logs 7f1c --follow')
    .action(async (flowRunId: string, flags: { follow?: boolean; logDir?: string }) => {
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        await withClient(async (client) => {
          for await (const line of followLogs(flowRunId, { client, follow: flags.follow, logDir: flags.logDir, signal: stop.signal })) {
            process.stdout.write(`${line}\n`);
          }
        });
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
  withUsageExitCode(command);
}
