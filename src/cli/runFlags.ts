/**
 * The flags `start` and `render` share, and the one way they become a prepared flow run:
 * a dry run (`render`) accepts exactly what `start` would start.
 */
import type { Command } from 'commander';
import type { PreparedFlowRun } from '../client/flowRuns';
import { collect, poolConfigPath } from './commandSupport';
import { CliError, ExitCodes } from './output';

export interface RunFlags {
  pool?: string;
  poolConfig?: string;
  flow: string;
  runId?: string;
  set: string[];
  values?: string;
}

/** How the two commands' run flags differ: the help of --pool and --set, and whether --flow has a default. */
export interface RunOptionsHelp {
  pool: string;
  /** `--set` example, e.g. `--set cpu=2`. */
  setExample: string;
  /** --flow's default; without one, --flow is required. */
  flowDefault?: string;
}

/** Declares the flags of RunFlags on `command`, in the order its help lists them. */
export function addRunOptions(command: Command, help: RunOptionsHelp): Command {
  command
    .option('--pool <name>', help.pool)
    .option('--pool-config <file>', 'Prefect work pool export or base job template, JSON or YAML; default $ACI_FLOW_POOL_CONFIG');
  const flow = 'flow name (names the container group)';
  if (help.flowDefault === undefined) command.requiredOption('--flow <name>', flow);
  else command.option('--flow <name>', flow, help.flowDefault);
  return command
    .option('--run-id <id>', 'flow run id; default: a new UUID')
    .option('--set <key=value>', `value of a pool variable, e.g. ${help.setExample} (repeatable)`, collect, [])
    .option('--values <file>', 'JSON or YAML mapping of variable values; --set wins over it');
}

/**
 * Loads the pool file and the per-run values and prepares the run (no network, unless the pool names Prefect blocks).
 * `defaultWorkPool` names the pool when neither --pool nor the pool file does; without it that is a usage error.
 */
export async function prepareRunFromFlags(flags: RunFlags, defaultWorkPool?: string): Promise<PreparedFlowRun> {
  const [{ loadPoolConfig }, { loadValuesFile, mergeRunValues, parseSetFlags }, { prepareFlowRun }] = await Promise.all([
    import('../config/poolConfig'),
    import('./runValues'),
    import('../client/flowRuns'),
  ]);
  const poolConfigFile = poolConfigPath(flags.poolConfig);
  // A pool that names Prefect blocks reads them through the Prefect API (network), or stops naming them.
  const pool = await (await import('./poolBlocks')).withResolvedBlocks(await loadPoolConfig(poolConfigFile));
  const values = mergeRunValues(flags.values ? await loadValuesFile(flags.values) : {}, parseSetFlags(flags.set));
  const workPool = flags.pool ?? pool.name ?? defaultWorkPool;
  if (!workPool) throw new CliError(`--pool <name> is required: ${poolConfigFile} has no work pool name`, ExitCodes.usage);
  return prepareFlowRun({ workPool, flowName: flags.flow, flowRunId: flags.runId, pool, values });
}
