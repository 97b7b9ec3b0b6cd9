/**
 * The work pool as Prefect holds it: its base job template is read from the API for every
 * batch of runs, so an edit in the Prefect UI applies to the next run, as with Prefect's workers.
 */
import type { PoolSource } from '../config/poolSource';
import { ACI_WORK_POOL_TYPE, ConfigError, defaultBaseJobTemplate, parsePoolConfig, type PoolConfig } from '../config';
import { done, ok, type PrefectApi, type WorkPool } from './api/client';
import { resolveBlockReferences } from './blocks';

/** A pool's configuration with its Prefect id (the id names it in events). */
export type PrefectPool = PoolConfig & { id?: string };

/** The pool's configuration as the Prefect API holds it now (what an aci-flow worker of the pool renders runs with). */
export async function readPool(api: PrefectApi, name: string): Promise<PrefectPool> {
  const pool = ok(`GET /work_pools/${name}`, await api.GET('/work_pools/{name}', { params: { path: { name } } }));
  return poolConfigOf(pool);
}

/**
 * A pool source over the Prefect API: an aci-flow worker that renders runs itself (the one
 * `prefect-worker` runs in-process) reads the pool's template here, as Prefect holds it now,
 * with the pool's blocks resolved (blockResolvingPoolSource).
 */
export function prefectPoolSource(api: PrefectApi, workPool: string): PoolSource {
  return blockResolvingPoolSource(api, () => readPool(api, workPool));
}

/**
 * A pool whose blocks (aci_credentials, image_registry) are read through the Prefect API at
 * every load: their secret fields read with the secrets, kept in this worker's memory and
 * referenced as `secretref:prefect-block-…` from the template, so a run's input and the
 * renderFlowRun result carry only the reference. The pool comes from the Prefect API
 * (prefectPoolSource) or from a pool file whose variables name blocks (`aci-flow worker --pool-config`).
 */
export function blockResolvingPoolSource(api: PrefectApi, load: () => Promise<PoolConfig>): PoolSource {
  const secrets = new Map<string, string>();
  return {
    async loadPool() {
      const pool = await load();
      // The newest values win (a rotated password). A block the pool named earlier stays known,
      // so a run deployed with it can still be watched and cleaned up after the pool changed.
      const { template } = await resolveBlockReferences(api, pool.base_job_template, {}, { secrets });
      return { ...pool, base_job_template: template };
    },
    operatorSecret: (name) => secrets.get(name),
  };
}

export function poolConfigOf(pool: Pick<WorkPool, 'name' | 'type' | 'base_job_template'> & { id?: string }): PrefectPool {
  // A pool without a template gets a ConfigError naming base_job_template.
  return {
    id: pool.id,
    ...parsePoolConfig({ name: pool.name, type: pool.type, base_job_template: pool.base_job_template }, `Prefect work pool "${pool.name}"`),
  };
}

export interface EnsurePoolOptions {
  /** `--base-job-template`: the pool is created with it, or an existing pool's template is replaced by it. */
  baseJobTemplate?: unknown;
  /** `--create-pool-if-not-found` (default true, as Prefect's). */
  create?: boolean;
}

/**
 * Reads the pool, creating it when it does not exist yet (with the given template, else
 * aci-flow's default) as `prefect worker start` does; refuses a pool of another type.
 */
export async function ensurePool(api: PrefectApi, name: string, log: (message: string) => void, options: EnsurePoolOptions = {}): Promise<PrefectPool> {
  const given = options.baseJobTemplate === undefined ? undefined : parsePoolConfig(options.baseJobTemplate, '--base-job-template').base_job_template;
  const found = await api.GET('/work_pools/{name}', { params: { path: { name } } });
  if (found.response.status === 404) {
    if (options.create === false) {
      throw new ConfigError(
        '--pool',
        `work pool "${name}" does not exist and --create-pool-if-not-found is false; create it first (prefect work-pool create --type ${ACI_WORK_POOL_TYPE})`,
      );
    }
    log(
      `work pool "${name}" does not exist; creating it (type ${ACI_WORK_POOL_TYPE}, ${given ? 'the --base-job-template file' : "aci-flow's default base job template"})`,
    );
    const created = await api.POST('/work_pools/', {
      body: { name, type: ACI_WORK_POOL_TYPE, is_paused: false, base_job_template: (given ?? defaultBaseJobTemplate()) as unknown as Record<string, unknown> },
    });
    // Another worker may have created it in between: read whatever is there now.
    if (created.response.status !== 409) ok(`POST /work_pools/ (${name})`, created);
    return readPool(api, name);
  }
  const pool = poolConfigOf(ok(`GET /work_pools/${name}`, found));
  if (!given) return pool;
  log(`work pool "${name}": replacing its base job template with the --base-job-template file`);
  done(
    `PATCH /work_pools/${name}`,
    await api.PATCH('/work_pools/{name}', { params: { path: { name } }, body: { base_job_template: given as unknown as Record<string, unknown> } }),
  );
  return readPool(api, name);
}
