/**
 * The Prefect side of `aci-flow demo --prefect`: an `azure-container-instance` work pool with
 * aci-flow's default base job template, and a deployment of examples/prefect/hello_flow.py from
 * its local folder, whose runs the emulated containers execute with `prefect flow-run execute`.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { ACI_WORK_POOL_TYPE, defaultBaseJobTemplate } from '../../config';
import { type FlowRun, ok, type PrefectApi } from '../../prefect/api/client';

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
  ok(
    `POST /work_pools/ (${options.workPool})`,
    await api.POST('/work_pools/', {
      body: {
        name: options.workPool,
        type: ACI_WORK_POOL_TYPE,
        is_paused: false,
        base_job_template: defaultBaseJobTemplate() as unknown as Record<string, unknown>,
      },
    }),
  );
  const flow = ok('POST /flows/', await api.POST('/flows/', { body: { name: PREFECT_DEMO_FLOW_NAME, tags: [], labels: {} } }));
  const deployment = ok(
    'POST /deployments/',
    await api.POST('/deployments/', {
      body: {
        name: 'local-folder',
        flow_id: flow.id,
        work_pool_name: options.workPool,
        entrypoint: PREFECT_DEMO_ENTRYPOINT,
        path: PREFECT_DEMO_FLOW_DIR,
        // What a local `prefect deploy` records: the run changes into the folder to load the flow.
        pull_steps: [{ 'prefect.deployments.steps.set_working_directory': { directory: PREFECT_DEMO_FLOW_DIR } }],
        job_variables: {
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
  return deployment.id;
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
