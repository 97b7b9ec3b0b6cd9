/**
 * A pool file whose variables name Prefect blocks (a pool exported from Prefect points
 * aci_credentials at one): the blocks are read through the Prefect API when one is configured
 * (PREFECT_API_URL, or the active Prefect profile, as for `prefect-worker`), else the command
 * stops naming the variable and the block. Nothing deploys with another identity in silence.
 */
import { blockReferencesInDefaults, unresolvedBlockError } from '../config/blockReferences';
import { ConfigError } from '../config/errors';
import { loadPoolConfig, type PoolConfig } from '../config/poolConfig';
import { fixedPoolSource, type PoolSource } from '../config/poolSource';
import type { PrefectApi } from '../prefect/api/client';

/** The Prefect API that reads the pool's blocks; undefined when it names none. */
async function blockApi(pool: PoolConfig, env: NodeJS.ProcessEnv): Promise<PrefectApi | undefined> {
  const [first] = blockReferencesInDefaults(pool.base_job_template.variables.properties);
  if (!first) return undefined;
  // Loaded only for a pool with blocks: the other commands never load the bridge.
  const { createPrefectApi, prefectApiSettingsFromEnv, PrefectSettingsError, withActiveProfile } = await import('../prefect');
  try {
    const settings = withActiveProfile(env);
    if (!settings.PREFECT_API_URL?.trim()) {
      const error = unresolvedBlockError(first.variable, first.reference);
      throw new ConfigError(`${pool.source}: ${error.field}`, error.problem);
    }
    return createPrefectApi(prefectApiSettingsFromEnv(settings));
  } catch (err) {
    if (err instanceof PrefectSettingsError) throw new ConfigError(`${pool.source}: ${first.variable}`, `refers to a Prefect block, and ${err.message}`);
    throw err;
  }
}

/**
 * The worker's pool source for a pool file. With blocks, they are read once now, so a block
 * that does not exist or cannot be read stops the worker at start, named; then at every render.
 */
export async function poolFileSourceWithBlocks(path: string, env: NodeJS.ProcessEnv = process.env): Promise<PoolSource> {
  const pool = await loadPoolConfig(path);
  const api = await blockApi(pool, env);
  if (!api) return fixedPoolSource(pool);
  const { blockResolvingPoolSource } = await import('../prefect');
  const source = blockResolvingPoolSource(api, () => Promise.resolve(pool));
  await source.loadPool();
  return source;
}

/**
 * For `render` and `start`: the blocks' non-secret fields in place of the references, secret
 * fields as `secretref:prefect-block-…`, which only the pool's worker resolves (reading the
 * blocks with their secrets at deploy time), as the bridge does.
 */
export async function withResolvedBlocks(pool: PoolConfig, env: NodeJS.ProcessEnv = process.env): Promise<PoolConfig> {
  const api = await blockApi(pool, env);
  if (!api) return pool;
  const { resolveBlockReferences } = await import('../prefect/blocks');
  const { template } = await resolveBlockReferences(api, pool.base_job_template, {});
  return { ...pool, base_job_template: template };
}
