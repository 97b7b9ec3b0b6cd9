import type { Command } from 'commander';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';

export function register(program: Command): void {
  const command = program
    .command('status')
    .description('Show the phase, container group, exit code and outcome of a flow run')
    .argument('<run-id>', 'flow run id')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  aci-flow status 7f1c --json')
    .action(async (flowRunId: string, flags: { json?: boolean }) => {
      const [{ withClient }, { getFlowRunStatus }, { formatStatus }] = await Promise.all([
        import('../clientSession'),
        import('../../client/flowRunStatus'),
        import('../flowRunText'),
      ]);
      const status = await withClient((client) => getFlowRunStatus(client, flowRunId));
      print(flags.json ?? false, status, () => formatStatus(status));
    });
  withUsageExitCode(command);
}
