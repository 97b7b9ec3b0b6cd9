import { randomUUID } from 'node:crypto';
import type { Command } from 'commander';
import { loadPoolConfig, renderJobConfiguration } from '../../config';
import { prepareDeployment, type PreparedDeployment } from '../../template/prepare';
import { workflowIdForFlowRun } from '../../workflows/definitions';
import { asCliError, collect, poolConfigPath, withUsageExitCode } from '../commandSupport';
import { print } from '../output';
import { loadValuesFile, mergeRunValues, parseSetFlags } from '../runValues';

interface RenderFlags {
  poolConfig?: string;
  flow: string;
  runId?: string;
  set: string[];
  values?: string;
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
    .option('--pool-config <file>', 'Prefect work pool export or base job template, JSON or YAML; default $ACI_FLOW_POOL_CONFIG')
    .option('--flow <name>', 'flow name (names the container group)', 'flow')
    .option('--run-id <id>', 'flow run id; default: a new UUID')
    .option('--set <key=value>', 'value of a pool variable, e.g. --set cpu=2 --set command="python -m etl" (repeatable)', collect, [])
    .option('--values <file>', 'JSON or YAML mapping of variable values; --set wins over it')
    .option('--json', 'print JSON (the output is JSON either way; kept for symmetry with the other commands)')
    .addHelpText('after', '\nExample:\n  aci-flow render --pool-config examples/pool.yaml --flow etl --set command="python -m etl" --set cpu=2')
    .action(async (flags: RenderFlags) => {
      const rendered = await renderDeployment(flags).catch((err) => {
        throw asCliError(err);
      });
      print(true, rendered, () => '');
    });
  withUsageExitCode(command);
}

export async function renderDeployment(flags: RenderFlags): Promise<RenderedDeployment> {
  const pool = await loadPoolConfig(poolConfigPath(flags.poolConfig));
  const fileValues = flags.values ? await loadValuesFile(flags.values) : {};
  const values = mergeRunValues(fileValues, parseSetFlags(flags.set));
  const configuration = renderJobConfiguration(pool.base_job_template, values);
  const flowRunId = flags.runId ?? randomUUID();
  const prepared = prepareDeployment(configuration, {
    flowRunId,
    flowName: flags.flow,
    workflowId: workflowIdForFlowRun(flowRunId),
  });
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
