/**
 * The work pool as Prefect holds it: its base job template is read from the API for every
 * batch of runs, so an edit in the Prefect UI applies to the next run, as with Prefect's workers.
 */
import { ACI_WORK_POOL_TYPE, defaultBaseJobTemplate, parsePoolConfig, type PoolConfig } from '../config';
import { ok, type PrefectApi, type WorkPool } from './api/client';

export async function readPool(api: PrefectApi, name: string): Promise<PoolConfig> {
  const pool = ok(`GET /work_pools/${name}`, await api.GET('/work_pools/{name}', { params: { path: { name } } }));
  return poolConfigOf(pool);
}

export function poolConfigOf(pool: Pick<WorkPool, 'name' | 'type' | 'base_job_template'>): PoolConfig {
  // A pool without a template gets a ConfigError naming base_job_template.
  return parsePoolConfig({ name: pool.name, type: pool.type, base_job_template: pool.base_job_template }, `Prefect work pool "${pool.name}"`);
}

/**
 * Reads the pool, creating it with aci-flow's default template when it does not exist yet
 * (as `prefect worker start --type azure-container-instance` does); refuses a pool of another type.
 */
export async function ensurePool(api: PrefectApi, name: string, log: (message: string) => void): Promise<PoolConfig> {
  const found = await api.GET('/work_pools/{name}', { params: { path: { name } } });
  if (found.response.status === 404) {
    log(`work pool "${name}" does not exist; creating it (type ${ACI_WORK_POOL_TYPE}, aci-flow's default base job template)`);
    const created = await api.POST('/work_pools/', {
      body: { name, type: ACI_WORK_POOL_TYPE, is_paused: false, base_job_template: defaultBaseJobTemplate() as unknown as Record<string, unknown> },
    });
    // Another worker may have created it in between: read whatever is there now.
    if (created.response.status !== 409) ok(`POST /work_pools/ (${name})`, created);
    return readPool(api, name);
  }
  return poolConfigOf(ok(`GET /work_pools/${name}`, found));
}
