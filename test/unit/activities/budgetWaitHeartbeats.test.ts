/**
 * A read that waits for the subscription's ARM budget can wait longer than an activity's
 * heartbeat timeout. An activity that does not heartbeat meanwhile is timed out by Temporal
 * and retried, spending the budget again (at N = 1000 on one worker: thousands of deploy
 * attempts aborted after 20 s, none of them deploying). Every such read heartbeats.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type CleanupInput } from '../../../src/activities';
import { defaultBaseJobTemplate, renderJobConfiguration } from '../../../src/config';
import { flowRunNames } from '../../../src/template/naming';
import { waitFor } from '../../helpers/waitFor';
import { FakeGateway, memoryLogSink, OWNER, TARGET } from './fakeGateway';

const configuration = renderJobConfiguration(defaultBaseJobTemplate(), {
  resource_group_name: 'rg',
  subscription_id: 'sub',
  image: 'busybox',
  command: 'echo hi',
});
const deployInput = {
  flowRunId: OWNER.flowRunId,
  flowName: OWNER.flowName,
  workPool: 'pool',
  configuration,
  names: flowRunNames(OWNER.flowName, OWNER.flowRunId),
};
const cleanupInput: CleanupInput = { flowRunId: OWNER.flowRunId, flowName: OWNER.flowName, target: TARGET };

/** A gateway whose reads wait until release() is called, and an activity environment counting heartbeats. */
function heldReads() {
  const gateway = new FakeGateway();
  let release = () => undefined as void;
  gateway.readGate = new Promise<void>((resolve) => (release = resolve));
  const activities = createActivities({ gateway, gatewayFor: () => gateway, logSink: memoryLogSink().sink, resolveSecret: () => undefined });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: OWNER.workflowId, runId: 'run' } });
  let heartbeats = 0;
  env.on('heartbeat', () => (heartbeats += 1));
  return { gateway, activities, env, release: () => release(), heartbeats: () => heartbeats };
}

describe('activities heartbeat while a read waits for the ARM budget', () => {
  it("deploy heartbeats while its look for an existing group waits, before deploying anything", async () => {
    const { gateway, activities, env, release, heartbeats } = heldReads();
    gateway.exists = false;
    const deployed = env.run(activities.deploy, deployInput);
    await waitFor(() => gateway.calls.getContainerGroup === undefined && heartbeats() > 0, 'a heartbeat while the read is held', { timeoutMs: 5_000 });
    expect(gateway.deployments).toEqual([]);
    release();
    await deployed;
    expect(gateway.deployments).toHaveLength(1);
  });

  it.each(['deleteContainerGroup', 'stopContainerGroup'] as const)('%s heartbeats while its ownership read waits', async (activity) => {
    const { gateway, activities, env, release, heartbeats } = heldReads();
    const cleaned = env.run(activities[activity], cleanupInput);
    await waitFor(() => heartbeats() > 0, 'a heartbeat while the read is held', { timeoutMs: 5_000 });
    expect(gateway.deleted + gateway.stopped).toBe(0);
    release();
    await cleaned;
    expect(gateway.deleted + gateway.stopped).toBe(1);
  });
});
