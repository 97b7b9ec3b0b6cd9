/**
 * An upgrade with runs in flight, on the dev server, with real worker processes: a run started
 * on build v1 keeps running on v1 workers after v2 becomes current, new runs go to v2, v1
 * drains and nothing is lost (docs/operations.md, "Upgrades with runs in flight").
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { groupsOf, readRunLog, startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { startStack, type Stack, type WorkerProcess } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(180_000);

const POOL = 'e2e-versioning';
const DEPLOYMENT = `aci-flow-${POOL}`;

describe('Worker Versioning: an upgrade with runs in flight', () => {
  let stack: Stack;
  const workers: WorkerProcess[] = [];
  const gates = mkdtempSync(join(tmpdir(), 'aci-flow-versioning-'));

  beforeAll(async () => {
    stack = await startStack({ workPool: POOL });
  });

  afterAll(async () => {
    await Promise.all(workers.map((worker) => worker.kill('SIGKILL')));
    await stack?.close();
  });

  const spawn = (buildId: string) => {
    const worker = stack.spawnWorkerProcess({ env: { ACI_FLOW_VERSIONING: 'on', ACI_FLOW_BUILD_ID: buildId } });
    workers.push(worker);
    return worker;
  };

  const describeDeployment = () => stack.client.workflowService.describeWorkerDeployment({ namespace: 'default', deploymentName: DEPLOYMENT });

  async function currentBuildId(): Promise<string | undefined> {
    const described = await describeDeployment().catch(() => undefined);
    return described?.workerDeploymentInfo?.routingConfig?.currentDeploymentVersion?.buildId ?? undefined;
  }

  async function pinnedBuildId(handle: WorkflowHandle): Promise<string | undefined> {
    const info = (await handle.describe()).raw.workflowExecutionInfo?.versioningInfo;
    return info?.deploymentVersion?.buildId ?? undefined;
  }

  /** Every activity of the run was started by this worker process (the SDK's identity is `<pid>@<host>`). */
  async function activityIdentities(handle: WorkflowHandle): Promise<Set<string>> {
    const events = (await handle.fetchHistory()).events ?? [];
    return new Set(
      events.flatMap((event) =>
        event.activityTaskStartedEventAttributes ? [String(event.activityTaskStartedEventAttributes.identity).split('@')[0] ?? ''] : [],
      ),
    );
  }

  it('v1 runs finish on v1 after v2 becomes current, new runs go to v2, v1 drains, nothing is lost', async () => {
    const v1 = spawn('v1');
    // A fresh deployment takes its first worker's version as current.
    await waitFor(async () => (await currentBuildId()) === 'v1', 'v1 to become current', { timeoutMs: 60_000, lastSeen: () => v1.output().slice(-2000) });

    const gate = join(gates, 'release-old-run');
    const old = await startTestFlowRun(stack, {
      values: { command: `sh -c 'echo old-start; while [ ! -e ${gate} ]; do sleep 0.2; done; echo old-end'` },
    });
    await waitForStatus(old.handle, (status) => status.phase === 'Running', 60_000);
    expect(await pinnedBuildId(old.handle)).toBe('v1');

    // The upgrade: v2 beside v1, then v2 made current (what `temporal worker deployment set-current-version` does).
    const v2 = spawn('v2');
    await waitFor(
      async () =>
        stack.client.workflowService
          .setWorkerDeploymentCurrentVersion({ namespace: 'default', deploymentName: DEPLOYMENT, buildId: 'v2' })
          .then(() => true)
          .catch(() => false),
      'v2 to register and become current',
      { timeoutMs: 60_000, lastSeen: () => v2.output().slice(-2000) },
    );
    expect(await currentBuildId()).toBe('v2');

    const fresh = await startTestFlowRun(stack, { values: { command: "sh -c 'echo new-run'" } });
    await expect(fresh.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await pinnedBuildId(fresh.handle)).toBe('v2');
    expect(await activityIdentities(fresh.handle)).toEqual(new Set([String(v2.child.pid)]));

    // The old run is still pinned to v1 and finishes there.
    expect(await pinnedBuildId(old.handle)).toBe('v1');
    writeFileSync(gate, '');
    await expect(old.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await activityIdentities(old.handle)).toEqual(new Set([String(v1.child.pid)]));
    expect(readRunLog(stack, old.flowRunId)).toEqual(['old-start', 'old-end']);
    for (const run of [old, fresh]) {
      const { containerGroupName } = await waitForStatus(run.handle, () => true);
      expect(groupsOf(stack, containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    }

    // v1 has drained: no open run is pinned to it, so it can be stopped.
    await waitFor(
      async () => {
        const { count } = await stack.client.workflow.count(`TemporalWorkerDeploymentVersion = '${DEPLOYMENT}:v1' AND ExecutionStatus = 'Running'`);
        return count === 0;
      },
      'no run pinned to v1 left open',
      { timeoutMs: 30_000 },
    );
    expect(await v1.kill('SIGTERM')).toBe(0);
  });
});
