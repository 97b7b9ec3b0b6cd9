/**
 * The aci-flow worker, a real `aci-flow worker` process, SIGKILLed while a Prefect flow runs
 * and started again: the workflow carries on from its history, so the flow still ends
 * Completed in Prefect with one container group ever, and no log line is lost or doubled.
 * The bridge runs in-process; the Prefect server is the demo's (tools/prefect-venv).
 */
import { join } from 'node:path';
import { createDemoDeployment, createDemoFlowRun } from '../../src/cli/demo/prefectDeployment';
import { type PrefectServer, startPrefectServer } from '../../src/localServices';
import { getFlowRunStatus } from '../../src/client/flowRunStatus';
import { workflowIdForFlowRun } from '../../src/workflows/definitions';
import { createPrefectApi, type FlowRun, type PrefectApi } from '../../src/prefect/api/client';
import { readFlowRun, runTestBridge } from '../helpers/prefectRuns';
import { groupsOf, readRunLog } from '../helpers/flowRuns';
import { startStack, type Stack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type WorkerProcess } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(240_000);

const POOL = 'e2e-prefect-crash';
const STEPS = 12;

describe('aci-flow worker crash under a Prefect flow run', () => {
  let prefect: PrefectServer;
  let stack: Stack;
  let api: PrefectApi;
  let deploymentId: string;
  const bridgeStop = new AbortController();
  let bridgeDone: Promise<void> | undefined;
  const bridgeLog: string[] = [];
  const workers: WorkerProcess[] = [];

  beforeAll(async () => {
    [prefect, stack] = await Promise.all([startPrefectServer(), startStack({ workPool: POOL })]);
    api = createPrefectApi({ apiUrl: prefect.apiUrl });
    deploymentId = await createDemoDeployment(api, {
      workPool: POOL,
      resourceGroup: TEST_RESOURCE_GROUP,
      subscriptionId: TEST_SUBSCRIPTION_ID,
      prefectBinDir: prefect.binDir,
      flowRunHome: join(prefect.home, 'flow-runs'),
    });
    bridgeDone = runTestBridge(
      {
        workPool: POOL,
        name: 'aci-flow-e2e-crash',
        prefect: { apiUrl: prefect.apiUrl },
        temporal: stack.client,
        pollSeconds: 0.5,
        heartbeatSeconds: 5,
        signal: bridgeStop.signal,
      },
      bridgeLog,
    );
  });

  afterAll(async () => {
    bridgeStop.abort();
    await bridgeDone;
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await stack?.close();
    await prefect?.stop();
  });

  const readRun = (id: string) => readFlowRun(api, id);

  function stepLines(id: string): string[] {
    return readRunLog(stack, id).filter((line) => / step \d+ of \d+$/.test(line));
  }

  it('worker SIGKILLed and restarted mid-run: the flow ends Completed in Prefect, one container group ever, every step logged once', async () => {
    const deploymentsPut = () => stack.emulator.counters()['deployments.put'] ?? 0;
    const putsBefore = deploymentsPut();
    const first = stack.spawnWorkerProcess();
    workers.push(first);
    const created = await createDemoFlowRun(api, deploymentId, { parameters: { steps: STEPS } }, bridgeStop.signal);
    const id = created.id;
    let last: FlowRun | undefined;
    const lastSeen = () =>
      `${last?.state_type} ${last?.state?.message ?? ''}; steps logged ${stepLines(id).length}; bridge: ${bridgeLog.slice(-3).join(' | ')}`;

    // Mid-run: Prefect has the flow Running and the worker has streamed some of its steps.
    await waitFor(
      async () => {
        last = await readRun(id);
        return last.state_type === 'RUNNING' && stepLines(id).length >= 2;
      },
      `flow run ${id} to be Running with its first steps logged`,
      { timeoutMs: 120_000, intervalMs: 250, lastSeen },
    );
    expect(await first.kill('SIGKILL')).toBeNull();
    const stepsBeforeCrash = stepLines(id).length;
    expect(stepsBeforeCrash).toBeLessThan(STEPS);
    expect((await getFlowRunStatus(stack.client, id)).phase).toBe('Running');

    const second = stack.spawnWorkerProcess();
    workers.push(second);
    const handle = stack.client.workflow.getHandle(workflowIdForFlowRun(id));
    const result = await handle.result();
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });

    const run = await waitFor(
      async () => {
        last = await readRun(id);
        return last.state_type === 'COMPLETED' ? last : undefined;
      },
      `flow run ${id} to be Completed in Prefect`,
      { timeoutMs: 60_000, intervalMs: 250, lastSeen },
    );
    expect(run.infrastructure_pid).toBe(result.containerGroupName);
    expect(await waitFor(() => bridgeLog.find((line) => line.startsWith(`flow run ${id}: aci-flow `)), 'the bridge to reconcile', { lastSeen })).toContain(
      'aci-flow Completed; Prefect state COMPLETED stands',
    );
    // One deployment, one container group, ever: the restarted worker adopted what the first one made.
    expect(deploymentsPut() - putsBefore).toBe(1);
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    // The second worker took over the watch: the steps after the crash reached the log exactly once.
    expect(stepLines(id).map((line) => line.replace(/^.* (step \d+ of \d+)$/, '$1'))).toEqual(
      Array.from({ length: STEPS }, (_, index) => `step ${index + 1} of ${STEPS}`),
    );
    expect(second.output()).toContain(`step ${STEPS} of ${STEPS}`);
    expect(await second.kill('SIGTERM')).toBe(0);
  });
});
