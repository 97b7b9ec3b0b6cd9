/**
 * Where a worker gets its pool's configuration: the worker renders every run from it
 * (docs/workflow.md), never from workflow input. A pool file today; a Prefect pool's base
 * job template read from the Prefect API implements the same interface.
 */
import { loadPoolConfig, type PoolConfig } from './poolConfig';
import { isBlockSecretName } from './secretReferences';
import type { SecretResolver } from './secrets';

export interface PoolSource {
  /** The pool as the operator configured it. Called for every render, so a source may refresh. */
  loadPool(): Promise<PoolConfig>;
  /**
   * Secrets the pool's own configuration holds outside the worker's secret store (a Prefect
   * pool's blocks), by the reference name the loaded pool uses (`prefect-block-…`): known
   * after loadPool, kept in worker memory only.
   */
  operatorSecret?(name: string): string | undefined;
}

/** A pool given in code (in-process workers, tests, the benchmark). */
export function fixedPoolSource(pool: PoolConfig): PoolSource {
  return { loadPool: async () => pool };
}

/** A pool file, read and validated once, at start: a worker with a broken pool file does not start. */
export async function poolFileSource(path: string): Promise<PoolSource> {
  return fixedPoolSource(await loadPoolConfig(path));
}

/**
 * The worker's secret resolver with the pool's block secrets: a `prefect-block-…` name
 * resolves only from the pool source (never from ACI_FLOW_SECRET_* or a file, which would let
 * someone who can set those shadow a block), every other name from the secret store.
 */
export function withPoolSecrets(pool: PoolSource | undefined, store: SecretResolver): SecretResolver {
  return (name) => (isBlockSecretName(name) ? pool?.operatorSecret?.(name) : store(name));
}
