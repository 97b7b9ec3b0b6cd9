import type { Command } from 'commander';
import type { PreparedDeployment } from '../../template/prepare';
import { collect, withUsageExitCode } from '../commandSupport';
import { print } from '../output';
import { prepareRunFromFlags, type RunFlags } from '../runFlags';

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
  const command = program
    .command('render')
    .description('Print the ARM deployment a flow run would get, without touching Azure or Temporal (a dry run)')
    .option('--pool <name>', 'work pool; default: the name in the pool config')
    .option('--pool-config <file>', 'Prefect work pool export or base job template, JSON or YAML; default $ACI_FLOW_POOL_CONFIG')
    .option('--flow <name>', 'flow name (names the container group)', 'flow')
    .option('--run-id <id>', 'flow run id; default: a new UUID')
    .option('--set <key=value>', 'value of a pool variable, e.g. --set cpu=2 --set command="python -m etl" (repeatable)', collect, [])
    .option('--values <file>', 'JSON or YAML mapping of variable values; --set wins over it')
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
