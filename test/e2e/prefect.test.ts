/**
 * The Prefect worker bridge against a real Prefect server (tools/prefect-venv) and the aci-flow
 * stack: a flow deployed from a local folder runs as `prefect flow-run execute` in an emulated
 * container, reports its own states, and the bridge fills in Crashed and Cancelled; an aci-flow
 * worker SIGKILLed under a running flow loses nothing.
 *
 * @needsTestTools — a real Prefect server (tools/prefect-venv)
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createDemoDeployment, createDemoFlowRun, createLocalFolderDeployment } from '../../src/cli/demo/prefectDeployment';
import { cancelFlowRun } from '../../src/client/flowRunCancel';
import { getFlowRunStatus } from '../../src/client/flowRunStatus';
import { workflowIdForFlowRun } from '../../src/workflows/definitions';
import { createPrefectApi, type FlowRun, ok, type PrefectApi } from '../../src/prefect/api/client';
import { EXECUTED_EVENT } from '../../src/prefect/events';
import { groupsOf, readableHistory, readRunLog, testValues } from '../helpers/flowRuns';
import { type PrefectServer, startPrefectServer } from '../../src/localServices';
import { startStack, type Stack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, testPool, type WorkerProcess } from '../helpers/stack';
import { readFlowRun, runTestBridge, waitForFlowRunState } from '../helpers/prefectRuns';
import { waitFor } from '../helpers/waitFor';
import { must } from '../helpers/must';

jest.setTimeout(240_000);

const POOL = 'e2e-prefect';
const WORKER_NAME = 'aci-flow-e2e';
/** The open-source server ignores the key; the test checks it reaches the container by reference only. */
const API_KEY = 'pnu_e2e-secret-api-key';
const FLOW_SOURCE = `
import os, time
from prefect import flow

@flow(name="e2e-flow", log_prints=True)
def e2e_flow(fail: bool = False, hold: str = ""):
    print(f"api key length {len(os.environ.get('PREFECT_API_KEY', ''))}")
    # Runs until the test releases it: prefect flow-run execute starts the engine in its own
    # session, which stopping an emulated container does not reach, so a sleep would outlive the test.
    deadline = time.time() + 120
    while hold and not os.path.exists(hold) and time.time() < deadline:
        time.sleep(0.2)
    if fail:
        raise ValueError("the flow failed on purpose")
    return 42
`;

describe('aci-flow prefect-worker', () => {
  let prefect: PrefectServer;
  let stack: Stack;
  let api: PrefectApi;
  let flowDir: string;
  let deploymentId: string;
  let bridge: { stop: AbortController; done: Promise<void> } | undefined;
  const bridgeLog: string[] = [];

  /** The bridge in-process, as `aci-flow prefect-worker` runs it; fast polls for the test. */
  function startBridge(): void {
    const stop = new AbortController();
    const done = runTestBridge(
      {
        workPool: POOL,
        name: WORKER_NAME,
        prefect: { apiUrl: prefect.apiUrl, apiKey: API_KEY },
        temporal: stack.client,
        pollSeconds: 0.5,
        heartbeatSeconds: 5,
        signal: stop.signal,
      },
      bridgeLog,
    );
    bridge = { stop, done };
  }

  async function stopBridge(): Promise<void> {
    bridge?.stop.abort();
    await bridge?.done;
    bridge = undefined;
  }

  beforeAll(async () => {
    [prefect, stack] = await Promise.all([startPrefectServer(), startStack({ workPool: POOL })]);
    // The aci-flow worker resolves secretref:PREFECT_API_KEY, as it would from ACI_FLOW_SECRET_PREFECT_API_KEY.
    await stack.startWorker({ resolveSecret: (name) => (name === 'PREFECT_API_KEY' ? API_KEY : undefined) });
    api = createPrefectApi({ apiUrl: prefect.apiUrl });
    flowDir = mkdtempSync(join(tmpdir(), 'aci-flow-prefect-flow-'));
    writeFileSync(join(flowDir, 'e2e_flow.py'), FLOW_SOURCE);

    deploymentId = await createLocalFolderDeployment(api, {
      workPool: POOL,
      flowName: 'e2e-flow',
      entrypoint: 'e2e_flow.py:e2e_flow',
      flowDir,
      jobVariables: {
        ...testValues(),
        // Emulated containers are local processes: the venv's `prefect` on PATH, a private PREFECT_HOME.
        env: { PATH: `${prefect.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, PREFECT_HOME: join(flowDir, 'home') },
      },
    });

    startBridge();
  });

  afterAll(async () => {
    if (flowDir) releaseAll();
    await stopBridge();
    await stack?.close();
    await prefect?.stop();
    if (flowDir) rmSync(flowDir, { recursive: true, force: true });
  });

  const holds: string[] = [];
  /** A file whose creation ends a flow run started with `hold: <it>`. */
  function holdFile(): string {
    holds.push(join(flowDir, `release-${holds.length}`));
    return must(holds.at(-1), 'the hold file just pushed');
  }
  /** Lets held flows end while the server still answers, so their orphaned engines exit at once. */
  function releaseAll(): void {
    for (const hold of holds) writeFileSync(hold, '');
  }

  async function createFlowRun(parameters: Record<string, unknown>, jobVariables: Record<string, unknown> = {}): Promise<string> {
    // A busy SQLite server answers 503: the client retries as Prefect's does.
    const result = await api.POST('/deployments/{id}/create_flow_run', {
      params: { path: { id: deploymentId } },
      body: { parameters, job_variables: jobVariables } as never,
    });
    return ok('create flow run', result).id;
  }

  const readRun = (id: string) => readFlowRun(api, id);
  const waitForState = (id: string, type: string, timeoutMs?: number) =>
    waitForFlowRunState(api, id, type, { timeoutMs, bridge: () => bridgeLog.slice(-5).join(' | ') });

  /** The bridge has seen the workflow close and compared it with Prefect (log line of reconcile()). */
  async function waitForReconciled(id: string): Promise<string> {
    return waitFor(() => bridgeLog.find((line) => line.startsWith(`flow run ${id}: aci-flow `)), `the bridge to reconcile ${id}`, {
      timeoutMs: 60_000,
      lastSeen: () => bridgeLog.slice(-5).join(' | '),
    });
  }

  type WorkerEvent = { id: string; event: string; related: Array<Record<string, string>> };
  /** The run's executed-flow-run events, read back through Prefect's events API. */
  async function executedEvents(id: string): Promise<WorkerEvent[]> {
    const page = ok(
      'events',
      await api.POST('/events/filter', {
        body: { filter: { event: { name: [EXECUTED_EVENT] }, any_resource: { id: [`prefect.flow-run.${id}`] } }, limit: 50 } as never,
      }),
    ) as { events: WorkerEvent[] };
    return page.events;
  }

  /** Its flow-run resource: what Prefect's automations read the infrastructure from. */
  function infrastructureOf(event: WorkerEvent | undefined): Record<string, string> | undefined {
    const resource = event?.related.find((related) => related['prefect.resource.role'] === 'flow-run');
    return resource && { identifier: resource['prefect.infrastructure.identifier'] ?? '', statusCode: resource['prefect.infrastructure.status-code'] ?? '' };
  }

  async function runLogMessages(id: string): Promise<string[]> {
    const logs = ok(
      'read logs',
      await api.POST('/logs/filter', {
        body: { logs: { operator: 'and_', flow_run_id: { any_: [id] } }, limit: 200, offset: 0, sort: 'TIMESTAMP_ASC' } as never,
      }),
    ) as Array<{ message: string }>;
    return logs.map((entry) => entry.message);
  }

  it('a flow that completes ends Completed in Prefect, with the container group as its infrastructure and the worker online', async () => {
    const id = await createFlowRun({});
    const run = await waitForState(id, 'COMPLETED');
    expect(run.infrastructure_pid).toMatch(/^[a-z0-9-]+$/);
    expect(await waitForReconciled(id)).toContain('Prefect state COMPLETED stands');
    expect((await getFlowRunStatus(stack.client, id)).phase).toBe('Completed');
    expect(groupsOf(stack, run.infrastructure_pid ?? '')).toEqual([expect.objectContaining({ deleted: true })]);
    // The API key reached the container, resolved by the aci-flow worker, and never entered workflow history.
    expect(readRunLog(stack, id).join('\n')).toContain(`api key length ${API_KEY.length}`);
    const history = await readableHistory(stack.client.workflow.getHandle(workflowIdForFlowRun(id)));
    expect(history).toContain('secretref:PREFECT_API_KEY');
    expect(history).not.toContain(API_KEY);

    const workers = ok(
      'workers',
      await api.POST('/work_pools/{work_pool_name}/workers/filter', { params: { path: { work_pool_name: POOL } }, body: {} as never }),
    );
    expect(workers).toEqual(expect.arrayContaining([expect.objectContaining({ name: WORKER_NAME, status: 'ONLINE' })]));

    // The pool aci-flow created has the cancel grace in its template, where the Prefect UI shows it.
    const pool = ok('read pool', await api.GET('/work_pools/{name}', { params: { path: { name: POOL } } }));
    const template = pool.base_job_template as { job_configuration: Record<string, unknown>; variables: { properties: Record<string, unknown> } };
    expect(template.variables.properties.cancel_grace_seconds).toMatchObject({ type: 'integer', default: 30, title: 'Cancel Grace Seconds' });
    expect(template.job_configuration.cancel_grace_seconds).toBe('{{ cancel_grace_seconds }}');
  });

  it('a flow that raises ends Failed, as the flow reported it', async () => {
    const id = await createFlowRun({ fail: true });
    await waitForState(id, 'FAILED');
    expect(await waitForReconciled(id)).toContain('Prefect state FAILED stands');
    const run = await readRun(id);
    expect(run.state_type).toBe('FAILED');
    expect(run.state?.message).not.toContain('aci-flow');
  });

  it("a container that exits non-zero after the flow reported Failed leaves the flow's state, never Crashed", async () => {
    // `prefect flow-run execute` exits 0 after a failed flow; the wrapper makes the infrastructure fail too.
    const id = await createFlowRun({ fail: true }, { command: "sh -c 'prefect flow-run execute; exit 3'" });
    await waitForState(id, 'FAILED');
    expect(await waitForReconciled(id)).toContain('aci-flow Failed; Prefect state FAILED stands');
    expect((await getFlowRunStatus(stack.client, id)).exitCode).toBe(3);
    expect((await readRun(id)).state_type).toBe('FAILED');
  });

  it("a container that dies before the flow reports ends Crashed with aci-flow's reason", async () => {
    const id = await createFlowRun({}, { command: "sh -c 'exit 3'" });
    const run = await waitForState(id, 'CRASHED');
    expect(run.state?.message).toMatch(/infrastructure failed \(aci-flow Failed\).*3/);
  });

  it('a cancel in Prefect of a run whose flow has not started cancels the aci-flow run at once, deletes the container group and ends Cancelled', async () => {
    // The container runs, but no flow ever starts in it (no grace period: nothing could cancel itself).
    const hold = holdFile();
    const id = await createFlowRun({}, { command: `sh -c 'while [ ! -e ${hold} ]; do sleep 0.2; done'` });
    const pending = await waitFor(
      async () => {
        const run = await readRun(id);
        return run.infrastructure_pid && (await getFlowRunStatus(stack.client, id)).phase === 'Running' ? run : undefined;
      },
      `flow run ${id}'s container to run`,
      { timeoutMs: 60_000 },
    );
    expect(pending.state_type).toBe('PENDING');
    ok(
      'cancel',
      await api.POST('/flow_runs/{id}/set_state', {
        params: { path: { id } },
        body: { state: { type: 'CANCELLING', name: 'Cancelling' }, force: false } as never,
      }),
    );
    const cancelled = await waitForState(id, 'CANCELLED', 60_000);
    expect(cancelled.state_type).toBe('CANCELLED');
    expect(await getFlowRunStatus(stack.client, id)).toMatchObject({ phase: 'Cancelled' });
    expect((await stack.client.workflow.getHandle(workflowIdForFlowRun(id)).describe()).status.name).toBe('CANCELLED');
    expect(groupsOf(stack, pending.infrastructure_pid ?? '')).toEqual([expect.objectContaining({ deleted: true })]);
    expect(bridgeLog).toContain(`flow run ${id}: cancel requested in Prefect (the flow had not started); signalled the aci-flow run`);
    releaseAll();
  });

  it('a run cancelled on the aci-flow side ends Cancelled in Prefect', async () => {
    const id = await createFlowRun({ hold: holdFile() });
    await waitForState(id, 'RUNNING');
    expect(await cancelFlowRun(stack.client, id, 'operator stopped it')).toMatchObject({ accepted: true, phase: 'Running' });
    const run = await waitForState(id, 'CANCELLED', 60_000);
    expect(run.state?.message).toContain('operator stopped it');
    releaseAll();
  });

  it('a bridge that was down when its run crashed reports Crashed after it restarts', async () => {
    const exitNow = join(flowDir, `exit-${Date.now()}`);
    const id = await createFlowRun({}, { command: `sh -c 'while [ ! -e ${exitNow} ]; do sleep 0.2; done; exit 3'` });
    await waitFor(async () => (await readRun(id)).infrastructure_pid, `flow run ${id} to get its container group`);
    await stopBridge();
    writeFileSync(exitNow, '');
    await waitFor(async () => (await getFlowRunStatus(stack.client, id)).phase === 'Failed', `the aci-flow run ${id} to fail`);
    expect((await readRun(id)).state_type).toBe('PENDING');
    startBridge();
    const run = await waitForState(id, 'CRASHED', 60_000);
    expect(run.state?.message).toContain('Container exited with code 3');
    const [executed] = await waitFor(async () => ((await executedEvents(id)).length > 0 ? executedEvents(id) : undefined), 'the executed event', {
      timeoutMs: 60_000,
      intervalMs: 500,
    });
    expect(infrastructureOf(executed)).toEqual({ identifier: run.infrastructure_pid, statusCode: '3' });
  });

  it('a run that completed while its bridge was down gets its executed-flow-run event (group, status code 0) once, from the restarted bridge', async () => {
    const hold = holdFile();
    const id = await createFlowRun({ hold });
    const running = await waitForState(id, 'RUNNING');
    await stopBridge();
    writeFileSync(hold, '');
    // The flow reports Completed itself and the aci-flow run closes, all while no bridge runs.
    await waitForState(id, 'COMPLETED');
    await waitFor(async () => (await getFlowRunStatus(stack.client, id)).phase === 'Completed', `the aci-flow run ${id} to complete`);
    expect(await executedEvents(id)).toEqual([]);

    const reportLine = `flow run ${id}: ended COMPLETED while no bridge watched it; reporting its outcome to Prefect`;
    startBridge();
    const [executed] = await waitFor(async () => ((await executedEvents(id)).length > 0 ? executedEvents(id) : undefined), 'the executed event', {
      timeoutMs: 60_000,
      intervalMs: 500,
      lastSeen: () => bridgeLog.slice(-5).join(' | '),
    });
    expect(infrastructureOf(executed)).toEqual({ identifier: running.infrastructure_pid, statusCode: '0' });
    expect(bridgeLog.filter((line) => line === reportLine)).toHaveLength(1);
    await waitFor(
      async () => (await runLogMessages(id)).some((message) => message.startsWith('aci-flow Completed (exit code 0)')),
      'the outcome line in Prefect',
    );

    // Another restart finds the event in Prefect and reports nothing again.
    await stopBridge();
    const before = bridgeLog.length;
    startBridge();
    await waitFor(() => bridgeLog.slice(before).find((line) => line.startsWith('worker ') && line.includes(' polling work pool ')), 'the bridge to be polling');
    expect(bridgeLog.slice(before)).not.toContain(reportLine);
    expect(await executedEvents(id)).toHaveLength(1);
    expect((await runLogMessages(id)).filter((message) => message.startsWith('aci-flow Completed (exit code 0)'))).toHaveLength(1);
    expect((await readRun(id)).state_type).toBe('COMPLETED');
  });

  /**
   * A real `aci-flow worker` process SIGKILLed while a Prefect flow runs, and started again: the
   * workflow carries on from its history. Its own pool, deployment (the demo's flow) and bridge,
   * on this file's Prefect server and stack.
   */
  describe('with the aci-flow worker SIGKILLed under a Prefect flow run', () => {
    const CRASH_POOL = 'e2e-prefect-crash';
    const STEPS = 12;
    let crashDeploymentId: string;
    const crashBridgeStop = new AbortController();
    let crashBridgeDone: Promise<void> | undefined;
    const crashBridgeLog: string[] = [];
    const workers: WorkerProcess[] = [];

    beforeAll(async () => {
      crashDeploymentId = await createDemoDeployment(api, {
        workPool: CRASH_POOL,
        resourceGroup: TEST_RESOURCE_GROUP,
        subscriptionId: TEST_SUBSCRIPTION_ID,
        prefectBinDir: prefect.binDir,
        flowRunHome: join(prefect.home, 'flow-runs'),
      });
      crashBridgeDone = runTestBridge(
        {
          workPool: CRASH_POOL,
          name: 'aci-flow-e2e-crash',
          prefect: { apiUrl: prefect.apiUrl },
          temporal: stack.client,
          pollSeconds: 0.5,
          heartbeatSeconds: 5,
          signal: crashBridgeStop.signal,
        },
        crashBridgeLog,
      );
    });

    afterAll(async () => {
      crashBridgeStop.abort();
      await crashBridgeDone;
      await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    });

    const spawnWorker = () => {
      const worker = stack.spawnWorkerProcess({ workPool: CRASH_POOL, pool: testPool(CRASH_POOL) });
      workers.push(worker);
      return worker;
    };

    function stepLines(id: string): string[] {
      return readRunLog(stack, id).filter((line) => / step \d+ of \d+$/.test(line));
    }

    it('worker SIGKILLed and restarted mid-run: the flow ends Completed in Prefect, one container group ever, every step logged once', async () => {
      const deploymentsPut = () => stack.emulator.counters()['deployments.put'] ?? 0;
      const putsBefore = deploymentsPut();
      const first = spawnWorker();
      const created = await createDemoFlowRun(api, crashDeploymentId, { parameters: { steps: STEPS } }, crashBridgeStop.signal);
      const id = created.id;
      let last: FlowRun | undefined;
      const lastSeen = () =>
        `${last?.state_type} ${last?.state?.message ?? ''}; steps logged ${stepLines(id).length}; bridge: ${crashBridgeLog.slice(-3).join(' | ')}`;

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

      const second = spawnWorker();
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
      expect(
        await waitFor(() => crashBridgeLog.find((line) => line.startsWith(`flow run ${id}: aci-flow `)), 'the bridge to reconcile', { lastSeen }),
      ).toContain('aci-flow Completed; Prefect state COMPLETED stands');
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
});
