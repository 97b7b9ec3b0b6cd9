import type { Command } from 'commander';
import { withUsageExitCode } from '../commandSupport';
import { CliError, ExitCodes, print } from '../output';
import { addRunOptions, prepareRunFromFlags, type RunFlags } from '../runFlags';

interface StartFlags extends RunFlags {
  wait?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const command = addRunOptions(
    program.command('start').description('Start a flow run on a work pool; starting the same --run-id again returns the existing run'),
    { pool: 'work pool (= task queue of its workers); default: the name in the pool config', setExample: '--set image=python:3.12' },
  )
    .option('--wait', 'wait for the run to finish and print its final status; exit 1 unless it completed')
    .option('--json', 'print JSON')
    .addHelpText('after', `\nExample:\n  aci-flow start --pool-config pool.yaml --flow etl --run-id 7f1c --set command="python -m etl" --wait`)
    .action(async (flags: StartFlags) => {
      // All input is checked before connecting: bad input exits 2 even when Temporal is unreachable.
      const prepared = await prepareRunFromFlags(flags);
      const workPool = prepared.workPool;
      const [{ withClient }, { startFlowRun }, { getFlowRunStatus }, { formatStatus }] = await Promise.all([
        import('../clientSession'),
        import('../../client/flowRuns'),
        import('../../client/flowRunStatus'),
        import('../flowRunText'),
      ]);

      await withClient(async (client) => {
        const started = await startFlowRun(client, prepared);
        const summary = { flowRunId: started.flowRunId, workflowId: started.workflowId, workPool, alreadyStarted: started.alreadyStarted };
        if (!flags.wait) {
          print(flags.json ?? false, summary, () =>
            [
              `${started.alreadyStarted ? 'Already started' : 'Started'} flow run ${started.flowRunId} (workflow ${started.workflowId}) on pool ${workPool}`,
              `Follow it with: aci-flow logs ${started.flowRunId} --follow`,
            ].join('\n'),
          );
          return;
        }
        await started.handle.result().catch(() => undefined);
        const status = await getFlowRunStatus(client, started.flowRunId);
        print(flags.json ?? false, { ...summary, status }, () => formatStatus(status));
        if (status.phase !== 'Completed') {
          throw new CliError(`flow run ${started.flowRunId} ended ${status.phase}${status.message ? `: ${status.message}` : ''}`, ExitCodes.failure);
        }
      });
    });
  withUsageExitCode(command);
}
