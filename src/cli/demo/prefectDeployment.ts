/**
 * The Prefect side of `aci-flow demo --prefect`: an `azure-container-instance` work pool with
 * aci-flow's default base job template, and a deployment of examples/prefect/hello_flow.py from
 * its local folder, whose runs the emulated containers execute with `prefect flow-run execute`.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type FlowRun, ok, type PrefectApi } from '../../prefect/api/client';
import { ensurePool } from '../../prefect/pool';

/** The folder `prefect flow-run execute` pulls the flow from (the deployment's `set_working_directory` step). */
export const PREFECT_DEMO_FLOW_DIR = join(__dirname, '..', '..', '..', 'examples', 'prefect');
export const PREFECT_DEMO_FLOW_NAME = 'hello-prefect';
export const PREFECT_DEMO_ENTRYPOINT = 'hello_flow.py:hello_flow';

export interface DemoDeploymentOptions {
  workPool: string;
  resourceGroup: string;
  subscriptionId: string;
  /** The folder of the venv's `prefect` and python: emulated containers are local processes that need them on PATH. */
  prefectBinDir: string;
  /** PREFECT_HOME of the flow-run processes (their client settings and caches). */
  flowRunHome: string;
}

/** Creates the work pool and the deployment; returns the deployment's id. */
export async function createDemoDeployment(api: PrefectApi, options: DemoDeploymentOptions): Promise<string> {
  return createLocalFolderDeployment(api, {
    workPool: options.workPool,
    flowName: PREFECT_DEMO_FLOW_NAME,
    entrypoint: PREFECT_DEMO_ENTRYPOINT,
    flowDir: PREFECT_DEMO_FLOW_DIR,
    jobVariables: {
      resource_group_name: options.resourceGroup,
      subscription_id: options.subscriptionId,
      stream_output: true,
      task_watch_poll_interval: 1,
      env: {
        PATH: `${options.prefectBinDir}:${process.env.PATH ?? '/usr/bin:/bin'}`,
        PREFECT_HOME: options.flowRunHome,
        // Keeps __pycache__ out of examples/.
        PYTHONDONTWRITEBYTECODE: '1',
      },
    },
  });
}

export interface LocalFolderDeployment {
  workPool: string;
  flowName: string;
  /** `<file>.py:<function>` inside flowDir. */
  entrypoint: string;
  flowDir: string;
  jobVariables: Record<string, unknown>;
}

/**
 * The pool (created with aci-flow's default template unless it exists, as the worker does), the
 * flow and a deployment of it from a local folder, as `prefect deploy` records one; returns the
 * deployment's id. Used by the demo and the Prefect e2e tests.
 */
export async function createLocalFolderDeployment(api: PrefectApi, deployment: LocalFolderDeployment): Promise<string> {
  await ensurePool(api, deployment.workPool, () => undefined);
  const flow = ok('POST /flows/', await api.POST('/flows/', { body: { name: deployment.flowName, tags: [], labels: {} } }));
  const created = ok(
    'POST /deployments/',
    await api.POST('/deployments/', {
      body: {
        name: 'local-folder',
        flow_id: flow.id,
        work_pool_name: deployment.workPool,
        entrypoint: deployment.entrypoint,
        path: deployment.flowDir,
        // What a local `prefect deploy` records: the run changes into the folder to load the flow.
        pull_steps: [{ 'prefect.deployments.steps.set_working_directory': { directory: deployment.flowDir } }],
        job_variables: deployment.jobVariables,
        paused: false,
        enforce_parameter_schema: false,
        parameters: {},
        tags: [],
        labels: {},
        schedules: [],
        concurrency_options: null,
      } as never,
    }),
  );
  return created.id;
}

/** `POST /deployments/{id}/create_flow_run`, again while the SQLite server answers 503 (as Prefect's client does). */
export async function createDemoFlowRun(
  api: PrefectApi,
  deploymentId: string,
  body: { parameters?: Record<string, unknown>; job_variables?: Record<string, unknown> },
  signal: AbortSignal,
): Promise<FlowRun> {
  for (let attempt = 1; ; attempt++) {
    const result = await api.POST('/deployments/{id}/create_flow_run', { params: { path: { id: deploymentId } }, body: body as never });
    if (result.response.status !== 503 || attempt >= 20 || signal.aborted) return ok('POST /deployments/{id}/create_flow_run', result);
    await sleep(500);
  }
}
