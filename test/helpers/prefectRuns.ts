/** Prefect flow runs and the bridge as the Prefect e2e tests drive them, against a real Prefect server. */
import { runPrefectWorker, type PrefectWorkerOptions } from '../../src/prefect';
import { type FlowRun, ok, type PrefectApi } from '../../src/prefect/api/client';
import { waitFor } from './waitFor';

export async function readFlowRun(api: PrefectApi, id: string): Promise<FlowRun> {
  return ok('read flow run', await api.GET('/flow_runs/{id}', { params: { path: { id } } }));
}

/** The flow run once its state type is `type`; on timeout the message shows its last state and what `bridge()` says. */
export async function waitForFlowRunState(api: PrefectApi, id: string, type: string, options: { timeoutMs?: number; bridge: () => string }): Promise<FlowRun> {
  let last: FlowRun | undefined;
  return waitFor(
    async () => {
      last = await readFlowRun(api, id);
      return last.state_type === type ? last : undefined;
    },
    `flow run ${id} to be ${type}`,
    {
      timeoutMs: options.timeoutMs ?? 120_000,
      intervalMs: 250,
      lastSeen: () => `${last?.state_type} ${last?.state?.message ?? ''}; bridge: ${options.bridge()}`,
    },
  );
}

/**
 * The bridge in this process, its lines collected in `log`. A bridge that stops with an error
 * adds that as a line too, so it surfaces in every waitFor's last-seen text instead of as an
 * unobserved rejection.
 */
export function runTestBridge(options: Omit<PrefectWorkerOptions, 'log'>, log: string[]): Promise<void> {
  return runPrefectWorker({ ...options, log: (line) => log.push(line) }).catch((err: unknown) => {
    log.push(`bridge stopped: ${err instanceof Error ? err.stack : String(err)}`);
  });
}
