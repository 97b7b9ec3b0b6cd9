/**
 * The flags `start` and `render` share, and the one way they become a prepared flow run:
 * a dry run (`render`) accepts exactly what `start` would start.
 */
import type { PreparedFlowRun } from '../client/flowRuns';
import { poolConfigPath } from './commandSupport';
import { CliError, ExitCodes } from './output';

export interface RunFlags {
  pool?: string;
  poolConfig?: string;
  flow: string;
  runId?: string;
  set: string[];
  values?: string;
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
