import type { Command } from 'commander';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';

export function register(program: Command): void {
  const command = program
    .command('cancel')
    .description('Cancel a flow run: the workflow stops its container and deletes the container group')
    .argument('<run-id>', 'flow run id')
    .option('--reason <text>', 'why, recorded in the run status and history')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  aci-flow cancel 7f1c --reason "superseded by a newer run"')
    .action(async (flowRunId: string, flags: { reason?: string; json?: boolean }) => {
      const [{ withClient }, { cancelFlowRun }] = await Promise.all([import('../clientSession'), import('../../client/flowRuns')]);
      await withClient((client) => cancelFlowRun(client, flowRunId, flags.reason));
      print(flags.json ?? false, { flowRunId, cancelRequested: true, reason: flags.reason ?? null }, () =>
        `Cancel requested for flow run ${flowRunId}; aci-flow status ${flowRunId} shows when cleanup is done`,
      );
    });
  withUsageExitCode(command);
}
