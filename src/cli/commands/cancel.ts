import type { Command } from 'commander';
import type { CancelFlowRunResult } from '../../client/flowRunCancel';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';

export function register(program: Command): void {
  const command = program
    .command('cancel')
    .description('Cancel a flow run: the workflow stops its container, deletes the container group and closes Canceled')
    .argument('<run-id>', 'flow run id')
    .option('--reason <text>', 'why, recorded in the run status and history')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  aci-flow cancel 7f1c --reason "superseded by a newer run"')
    .action(async (flowRunId: string, flags: { reason?: string; json?: boolean }) => {
      const [{ withClient }, { cancelFlowRun }] = await Promise.all([import('../clientSession'), import('../../client/flowRunCancel')]);
      const result = await withClient((client) => cancelFlowRun(client, flowRunId, flags.reason));
      print(flags.json ?? false, { ...result, reason: result.reason ?? flags.reason ?? null }, () => describeReceipt(result));
    });
  withUsageExitCode(command);
}

function describeReceipt(result: CancelFlowRunResult): string {
  const { flowRunId } = result;
  if (result.accepted === true) {
    return `Cancel accepted while ${result.phase} for flow run ${flowRunId}; aci-flow status ${flowRunId} shows when cleanup is done`;
  }
  if (result.accepted === false) {
    return `Flow run ${flowRunId} was already ${result.phase}: its container is done, cleanup goes on and the run keeps its outcome`;
  }
  return `Cancel sent to flow run ${flowRunId}; no worker acknowledged it yet (it takes effect when a worker runs the flow run)`;
}
