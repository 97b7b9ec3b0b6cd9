/**
 * The orphan sweeper (docs/operations.md): a run that vanished without its cleanup (here,
 * terminated mid-run) leaves its container group behind; `aci-flow sweep` lists it in a dry
 * run and deletes it otherwise, while an open run's group and an untagged group are never
 * touched. Every worker of the pool creates or updates the pool's sweeper schedule.
 */
import { fixedPoolSource } from '../../src/config/poolSource';
import { Client, ScheduleOverlapPolicy } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createSweeperActivities } from '../../src/activities/sweep';
import type { FlowRunState } from '../../src/activities/sweepTypes';
import { NativeConnection } from '@temporalio/worker';
import { parseJobConfiguration } from '../../src/config/jobConfiguration';
import { prepareDeployment } from '../../src/template/prepare';
import { createFlowRunWorker, ensureSweeperSchedule, type SweeperSettings } from '../../src/workerHost';
import { sweepExecutionTimeoutMs } from '../../src/workerHost/sweeperSchedule';
import { SWEEPER_WORKFLOW, type SweeperInput, sweeperScheduleId, type SweeperResult } from '../../src/workflows/sweeperDefinitions';
import { startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { sharedWorkflowBundle, startStack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';
import { runCli } from './cliProcess';
import { first } from '../helpers/must';
import { nth } from '../helpers/must';

jest.setTimeout(180_000);

const POOL = 'e2e-sweeper';
const SCOPE = { subscriptionId: TEST_SUBSCRIPTION_ID, resourceGroupName: TEST_RESOURCE_GROUP };
// No grace: the terminated run's group is an orphan as soon as its workflow closed.
const SWEEPER: SweeperSettings = { scopes: [SCOPE], intervalMs: 3_600_000, graceSeconds: 0 };
const LONG_RUNNING = { command: "sh -c 'echo started; sleep 300'" };

describe('orphan sweeper', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  const sweep = (...args: string[]) => runCli(['sweep', '--pool', POOL, ...args], env);

  beforeAll(async () => {
    stack = await startStack({ workPool: POOL });
    await stack.startWorker({ sweeper: SWEEPER });
    env = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default', ACI_FLOW_POOL_CONFIG: '' };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it("creates the pool's sweeper schedule when the worker starts, leaves it alone for a worker with the same settings, and updates it for new ones", async () => {
    const schedule = stack.client.schedule.getHandle(sweeperScheduleId(POOL));
    const created = await schedule.describe();
    expect(created.action).toMatchObject({
      type: 'startWorkflow',
      workflowType: SWEEPER_WORKFLOW,
      taskQueue: POOL,
      args: [{ workPool: POOL, scopes: [SCOPE], graceSeconds: 0 }],
    });
    expect(created.policies.overlap).toBe(ScheduleOverlapPolicy.SKIP);
    expect(created.spec.intervals?.map((interval) => interval.every)).toEqual([3_600_000]);
    // One stuck sweep cannot block the later ones: each sweep has an execution timeout.
    expect(created.action).toMatchObject({ workflowExecutionTimeout: sweepExecutionTimeoutMs(SWEEPER) });
    // The tests below drive sweeps themselves; a scheduled one must not race them.
    await schedule.pause('e2e: sweeps are started by the test');
    // A restarted worker with the same settings does not rewrite it.
    expect(await ensureSweeperSchedule(stack.client, POOL, SWEEPER)).toBe('unchanged');

    // Workers of one pool on one connection are refused by the SDK: each gets its own, as separate processes would.
    const connections = await Promise.all([1, 2].map(() => NativeConnection.connect({ address: stack.env.address })));
    const more = await Promise.all(
      connections.map((connection) =>
        createFlowRunWorker({
          workPool: POOL,
          pool: fixedPoolSource(stack.pool),
          connection,
          gateway: stack.gateway,
          workflowBundle: sharedWorkflowBundle(),
          sweeper: { ...SWEEPER, intervalMs: 7_200_000 },
          shutdownGraceTime: '1 second',
        }),
      ),
    );
    await Promise.all(
      more.map(async (worker) => {
        const running = worker.run();
        worker.shutdown();
        await running;
      }),
    );
    await Promise.all(connections.map((connection) => connection.close()));

    const updated = await schedule.describe();
    expect(updated.spec.intervals?.map((interval) => interval.every)).toEqual([7_200_000]);
    expect(updated.state.paused).toBe(true);
  });

  it('a run terminated mid-run leaves its group: sweep --dry-run lists it, sweep deletes it; open and untagged groups stay', async () => {
    const open = await startTestFlowRun(stack, { flowName: 'sweep-open', values: LONG_RUNNING });
    const lost = await startTestFlowRun(stack, { flowName: 'sweep-lost', values: LONG_RUNNING });
    const [openStatus, lostStatus] = await Promise.all([
      waitForStatus(open.handle, (status) => status.phase === 'Running'),
      waitForStatus(lost.handle, (status) => status.phase === 'Running'),
    ]);
    await lost.handle.terminate('e2e: a run that ends without its cleanup');

    const untagged = prepareDeployment(
      parseJobConfiguration({ subscription_id: SCOPE.subscriptionId, resource_group_name: SCOPE.resourceGroupName, image: 'busybox:latest', ...LONG_RUNNING }),
      { flowRunId: 'by-hand', flowName: 'sweep-untagged', workflowId: 'flow-run-by-hand' },
    );
    const untaggedTemplate = JSON.parse(JSON.stringify(untagged.template)) as { resources: Array<{ tags?: unknown }> };
    delete first(untaggedTemplate.resources).tags;
    await stack.gateway.deploy({ ...untagged, template: untaggedTemplate, tags: undefined });

    const refOf = (containerGroupName: string) => ({ ...SCOPE, containerGroupName });
    const deploymentNames = async () => (await stack.gateway.listManagedDeployments(SCOPE)).map((deployment) => deployment.name);

    const dryRun = await sweep('--dry-run', '--json');
    expect(dryRun).toMatchObject({ code: 0 });
    const planned = JSON.parse(dryRun.stdout) as SweeperResult;
    expect(planned.dryRun).toBe(true);
    expect(planned.removed.map((orphan) => orphan.containerGroupName)).toEqual([lostStatus.containerGroupName]);
    expect(planned.removed[0]).toMatchObject({ reason: 'run-closed', workflowId: lost.workflowId, hasGroup: true, hasDeployment: true });
    expect(planned.kept).toMatchObject({ 'run-open': 1, untagged: 1 });
    expect(await stack.gateway.getContainerGroup(refOf(lostStatus.containerGroupName))).toBeDefined();

    const real = await sweep();
    expect(real).toMatchObject({ code: 0 });
    expect(real.stdout).toContain(`removed container group ${lostStatus.containerGroupName} and deployment ${lostStatus.deploymentName}`);
    expect(await stack.gateway.getContainerGroup(refOf(lostStatus.containerGroupName))).toBeUndefined();
    expect(await deploymentNames()).not.toContain(lostStatus.deploymentName);

    // Never touched: the open run's group (still running) and the group nobody tagged.
    expect(first((await stack.gateway.getContainerGroup(refOf(openStatus.containerGroupName)))?.containers).currentState?.state).toBe('Running');
    expect(await stack.gateway.getContainerGroup(refOf(untagged.containerGroupName))).toBeDefined();
    expect(await deploymentNames()).toEqual(expect.arrayContaining([openStatus.deploymentName, untagged.deploymentName]));
    expect((await open.handle.describe()).status.name).toBe('RUNNING');

    const again = JSON.parse((await sweep('--json')).stdout) as SweeperResult;
    expect(again.removed).toEqual([]);

    await open.handle.cancel();
  });

  it("reads the runs' states from visibility, one query per batch, describing only the ids visibility does not know", async () => {
    const open = await startTestFlowRun(stack, { flowName: 'sweep-visible-open', values: LONG_RUNNING });
    const closed = await startTestFlowRun(stack, { flowName: 'sweep-visible-closed', values: LONG_RUNNING });
    await waitForStatus(closed.handle, (status) => status.phase === 'Running');
    await closed.handle.terminate('e2e: closed without cleanup');
    let describes = 0;
    const client = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
      interceptors: { workflow: [{ describe: (input, next) => ((describes += 1), next(input)) }] },
    });
    const { describeFlowRuns } = createSweeperActivities({ gateway: stack.gateway, client });
    const ids = [open.workflowId, closed.workflowId, 'flow-run-never-started'];
    const states = await waitFor(async () => {
      describes = 0;
      const found: FlowRunState[] = await new MockActivityEnvironment().run(describeFlowRuns, ids);
      const byId = Object.fromEntries(found.map((state) => [state.workflowId, state.state]));
      // Visibility is eventually consistent: wait until it shows the terminated run closed.
      return byId[closed.workflowId] === 'closed' ? byId : undefined;
    }, 'visibility to show the terminated run closed');
    expect(states).toEqual({ [open.workflowId]: 'open', [closed.workflowId]: 'closed', 'flow-run-never-started': 'missing' });
    expect(describes).toBe(1);
    await open.handle.terminate('e2e: done');
  });

  it('pages its work: one page per workflow run, continuing as new, with the same result as one big page', async () => {
    const base: SweeperInput = { workPool: POOL, scopes: [SCOPE], graceSeconds: 0, dryRun: true };
    const start = (input: SweeperInput, id: string) => stack.client.workflow.start(SWEEPER_WORKFLOW, { taskQueue: POOL, workflowId: id, args: [input] });
    const whole = (await (await start(base, `sweep-whole-${Date.now()}`)).result()) as SweeperResult;
    expect(whole.examined).toBeGreaterThan(2);
    const paged = await start({ ...base, pageSize: 1 }, `sweep-paged-${Date.now()}`);
    const result = (await paged.result()) as SweeperResult;
    expect(result).toEqual(whole);
    // The first run handled one candidate and continued as new.
    const firstRun = stack.client.workflow.getHandle(paged.workflowId, paged.firstExecutionRunId);
    const events = (await firstRun.fetchHistory()).events ?? [];
    expect(nth(events, events.length - 1).workflowExecutionContinuedAsNewEventAttributes).toBeTruthy();
  });

  it('aci-flow worker reads its sweep settings from the environment and updates the schedule', async () => {
    const worker = stack.spawnWorkerProcess({
      env: { ACI_FLOW_SWEEP_SCOPES: `${SCOPE.subscriptionId}/${SCOPE.resourceGroupName}`, ACI_FLOW_SWEEP_INTERVAL: '3h', ACI_FLOW_SWEEP_GRACE: '20m' },
    });
    const schedule = stack.client.schedule.getHandle(sweeperScheduleId(POOL));
    const updated = await waitFor(
      async () => {
        const description = await schedule.describe();
        return description.spec.intervals?.[0]?.every === 10_800_000 ? description : undefined;
      },
      'the worker process to update the sweeper schedule',
      { timeoutMs: 60_000, intervalMs: 250, lastSeen: () => worker.output() },
    );
    expect(updated.action).toMatchObject({ args: [{ workPool: POOL, scopes: [SCOPE], graceSeconds: 1200 }] });
    expect(worker.child.exitCode).toBeNull();
    expect(await worker.kill('SIGINT')).toBe(0);
  });
});
