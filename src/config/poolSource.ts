/**
 * Where a worker gets its pool's configuration: the worker renders every run from it
 * (docs/workflow.md), never from workflow input. A pool file today; a Prefect pool's base
 * job template read from the Prefect API implements the same interface.
 */
import { loadPoolConfig, type PoolConfig } from './poolConfig';

export interface PoolSource {
  /** The pool as the operator configured it. Called for every render, so a source may refresh. */
  loadPool(): Promise<PoolConfig>;
}

/** A pool given in code (in-process workers, tests, the benchmark). */
export function fixedPoolSource(pool: PoolConfig): PoolSource {
  return { loadPool: async () => pool };
}

/** A pool file, read and validated once, at start: a worker with a broken pool file does not start. */
export async function poolFileSource(path: string): Promise<PoolSource> {
  return fixedPoolSource(await loadPoolConfig(path));
}
