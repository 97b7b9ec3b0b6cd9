import { type Command, InvalidArgumentError } from 'commander';
import { FLOW_RUN_PHASES } from '../../workflows/phases';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';

interface ListFlags {
  pool?: string;
  phase?: string;
  limit: number;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('list')
    .description('List flow runs, newest first')
    .option('--pool <name>', 'only runs of this work pool')
    .option('--phase <phase>', `only runs in this phase: ${FLOW_RUN_PHASES.join(', ')}`, parsePhase)
    .option('--limit <n>', 'at most this many runs', parseLimit, 50)
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  aci-flow list --pool my-pool --phase Running')
    .action(async (flags: ListFlags) => {
      const [{ withClient }, { listFlowRuns }, { formatList }] = await Promise.all([
        import('../clientSession'),
        import('../../client/flowRunList'),
        import('../flowRunText'),
      ]);
      const runs = await withClient((client) =>
        listFlowRuns(client, { workPool: flags.pool, phase: flags.phase as (typeof FLOW_RUN_PHASES)[number] | undefined, limit: flags.limit }),
      );
      print(flags.json ?? false, runs, () => formatList(runs));
    });
  withUsageExitCode(command);
}

function parsePhase(value: string): string {
  if (!(FLOW_RUN_PHASES as readonly string[]).includes(value)) {
    throw new InvalidArgumentError(`must be one of ${FLOW_RUN_PHASES.join(', ')}`);
  }
  return value;
}

function parseLimit(value: string): number {
  const limit = Number(value);
  if (!Number.isInteger(limit) || limit < 1) throw new InvalidArgumentError('must be a whole number of at least 1');
  return limit;
}
