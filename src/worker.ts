/**
 * The worker's entry point. `aci-flow worker` calls `runWorker` from here with its flags; the
 * image runs this file (`node dist/worker.js`), which reads the same settings from the
 * environment. The wiring behind it (one task queue per pool, the workflow bundle, metrics,
 * tracing, the sweeper schedule) is in src/workerHost.
 */
import { z } from 'zod';
import { CodecConfigError } from './common/codec/errors';
import { ConfigError, configErrorFromZod } from './config/errors';
import { pollHeartbeatTimeoutMs } from './workerHost/heartbeatSettings';
import { runWorker, type RunWorkerOptions } from './workerHost/runWorker';
import { POOL_CONFIG_ENV, POOL_ENV } from './workerHost/settings';
import { sweeperSettings } from './workerHost/sweeperSettings';
import { versioningSettings } from './workerHost/versioning';

export { runWorker, type RunWorkerOptions } from './workerHost/runWorker';

const entryEnv = z.object({
  [POOL_ENV]: z.string({ error: 'is required: the work pool (Temporal task queue) this worker serves' }).trim().min(1, 'must not be empty'),
  [POOL_CONFIG_ENV]: z
    .string({ error: "is required: the pool file every run is rendered from (the pool's Prefect export or base job template)" })
    .trim()
    .min(1, 'must not be empty'),
});

/**
 * What `node dist/worker.js` runs: the pool and its file from ACI_FLOW_POOL and
 * ACI_FLOW_POOL_CONFIG, every other setting from the variables `aci-flow worker` falls back to.
 * Throws ConfigError naming the variable at fault.
 */
export function workerOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): RunWorkerOptions {
  const parsed = entryEnv.safeParse(env);
  if (!parsed.success) throw configErrorFromZod(parsed.error, '');
  const workPool = parsed.data[POOL_ENV];
  try {
    return {
      workPool,
      poolConfig: parsed.data[POOL_CONFIG_ENV],
      sweeper: sweeperSettings({}, env),
      pollHeartbeatTimeoutMs: pollHeartbeatTimeoutMs({}, env),
      versioning: versioningSettings(workPool, {}, env) ?? null,
    };
  } catch (err) {
    // These settings name their variable in the message ("ACI_FLOW_SWEEP_INTERVAL: ...").
    throw new ConfigError('', err instanceof Error ? err.message : String(err));
  }
}

/** Runs the worker from the environment; resolves to the exit code: 0 after a graceful shutdown, 2 for bad configuration, else 1. */
export async function main(env: NodeJS.ProcessEnv = process.env): Promise<number> {
  try {
    await runWorker(workerOptionsFromEnv(env));
    return 0;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`aci-flow worker: ${message}\n`);
    return err instanceof ConfigError || err instanceof CodecConfigError ? 2 : 1;
  }
}

if (require.main === module) {
  // main() turns every error into a message and an exit code, so this promise never rejects.
  void main().then((code) => {
    process.exitCode = code;
  });
}
