import type { Command } from 'commander';
import type { PreparedDeployment } from '../../template/prepare';
import { withUsageExitCode } from '../commandSupport';
import { print } from '../output';
import { addRunOptions, prepareRunFromFlags, type RunFlags } from '../runFlags';

/** Work pool of a dry run whose pool file has no name and no --pool was given. */
const RENDER_WORK_POOL = 'render';

interface RenderFlags extends RunFlags {
  json?: boolean;
}

/** The ARM deployment as `aci-flow render` prints it: the body the worker would send, secrets still as references. */
export interface RenderedDeployment {
  deploymentName: string;
  containerGroupName: string;
  containerName: string;
  resourceGroupName: string;
  subscriptionId: string;
  tags: Record<string, string>;
  properties: { mode: 'Incremental'; template: Record<string, unknown>; parameters: PreparedDeployment['parameters'] };
}

export function register(program: Command): void {
  const command = addRunOptions(
    program.command('render').description('Print the ARM deployment a flow run would get, without touching Azure or Temporal (a dry run)'),
    { pool: 'work pool; default: the name in the pool config', setExample: '--set cpu=2 --set command="python -m etl"', flowDefault: 'flow' },
  )
    .option('--json', 'print JSON (the output is JSON either way; kept for symmetry with the other commands)')
    .addHelpText('after', '\nExample:\n  aci-flow render --pool-config examples/pool.yaml --flow etl --set command="python -m etl" --set cpu=2')
    .action(async (flags: RenderFlags) => {
      const rendered = await renderDeployment(flags);
      print(true, rendered, () => '');
    });
  withUsageExitCode(command);
}

/** A dry run of `start`: the same preparation and checks, so what renders is what would start. */
export async function renderDeployment(flags: RenderFlags): Promise<RenderedDeployment> {
  // The pool only names the task queue, which a dry run never uses.
  const { deployment: prepared } = await prepareRunFromFlags(flags, RENDER_WORK_POOL);
  return {
    deploymentName: prepared.deploymentName,
    containerGroupName: prepared.containerGroupName,
    containerName: prepared.containerName,
    resourceGroupName: prepared.resourceGroupName,
    subscriptionId: prepared.subscriptionId,
    tags: prepared.tags ?? {},
    properties: { mode: 'Incremental', template: prepared.template, parameters: prepared.parameters },
  };
}
