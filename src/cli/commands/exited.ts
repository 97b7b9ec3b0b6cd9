import type { Command } from 'commander';
import type { HintFlowRunExitedResult } from '../../client/flowRunExitHint';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';

export function register(program: Command): void {
  const command = program
    .command('exited')
    .description("Hint that a flow run's container has probably exited: its next state poll is immediate (Azure still decides)")
    .argument('<run-id>', 'flow run id')
    .option('--source <source>', 'who says so: client (default), container or prefect; counted in aci_flow_exit_hints_total')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  aci-flow exited 7f1c --source container')
    .action(async (flowRunId: string, flags: { source?: string; json?: boolean }) => {
      const { validExitHint, hintFlowRunExited } = await import('../../client/flowRunExitHint');
      // Checked before connecting: bad input exits 2 whether or not Temporal is reachable.
      const hint = validExitHint(flags.source === undefined ? {} : { source: flags.source });
      const { withClient } = await import('../clientSession');
      const result = await withClient((client) => hintFlowRunExited(client, flowRunId, hint));
      print(flags.json ?? false, { ...result, taken: result.taken ?? null, reason: result.reason ?? null }, () => describeReceipt(result));
    });
  withUsageExitCode(command);
}

function describeReceipt(result: HintFlowRunExitedResult): string {
  const { flowRunId } = result;
  if (result.taken === true) return `Exit hint taken while ${result.phase} for flow run ${flowRunId}: its next state poll is immediate`;
  if (result.taken === false) return `Exit hint not needed for flow run ${flowRunId}: ${result.reason ?? 'not taken'}`;
  return `Exit hint sent to flow run ${flowRunId}; no worker answered yet (it takes effect when a worker runs the flow run)`;
}
