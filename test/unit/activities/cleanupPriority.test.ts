/**
 * docs/design.md, "ARM budget and polling": a cancelled run's cleanup goes ahead of routine cleanups, which go ahead of new
 * deployments, in the subscription's ARM budget. The workflow says whether the run was
 * cancelled; the cleanup activities turn that into the priority of every gateway call.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type CleanupInput } from '../../../src/activities';
import { ARM_PRIORITY } from '../../../src/budget/rateLimiter';
import { FakeGateway, memoryLogSink, OWNER, TARGET } from './fakeGateway';

function setup() {
  const gateway = new FakeGateway();
  const activities = createActivities({ gateway, gatewayFor: () => gateway, logSink: memoryLogSink().sink, resolveSecret: () => undefined });
  return { gateway, activities };
}

const inWorkflow = () => new MockActivityEnvironment({ workflowExecution: { workflowId: OWNER.workflowId, runId: 'run' } });
const cleanupOf = (cancelled?: boolean): CleanupInput => ({ flowRunId: OWNER.flowRunId, flowName: OWNER.flowName, target: TARGET, cancelled });

describe('cleanup priority in the ARM budget', () => {
  it("reads and deletes a cancelled run's group at cancel priority", async () => {
    const { gateway, activities } = setup();
    await inWorkflow().run(activities.deleteContainerGroup, cleanupOf(true));
    expect(gateway.priorities).toEqual([
      { method: 'getContainerGroup', priority: ARM_PRIORITY.cancel },
      { method: 'deleteContainerGroup', priority: ARM_PRIORITY.cancel },
    ]);
  });

  it("deletes a finished run's group at cleanup priority, also when the workflow (older code) does not say", async () => {
    for (const cancelled of [false, undefined]) {
      const { gateway, activities } = setup();
      await inWorkflow().run(activities.deleteContainerGroup, cleanupOf(cancelled));
      expect(gateway.priorities.map((call) => call.priority)).toEqual([ARM_PRIORITY.cleanup, ARM_PRIORITY.cleanup]);
    }
  });

  it('stops a kept group at the same priority a delete would have', async () => {
    const { gateway, activities } = setup();
    await inWorkflow().run(activities.stopContainerGroup, cleanupOf(true));
    expect(gateway.priorities).toEqual([
      { method: 'getContainerGroup', priority: ARM_PRIORITY.cancel },
      { method: 'stopContainerGroup', priority: ARM_PRIORITY.cancel },
    ]);
  });

  it('cancels a running deployment at cancel priority', async () => {
    const { gateway, activities } = setup();
    await inWorkflow().run(activities.cancelDeployment, cleanupOf(true));
    expect(gateway.priorities).toEqual([{ method: 'cancelDeployment', priority: ARM_PRIORITY.cancel }]);
  });

  it('orders the priorities cancel > cleanup > routine (new deployments, polls)', () => {
    expect(ARM_PRIORITY.cancel).toBeGreaterThan(ARM_PRIORITY.cleanup);
    expect(ARM_PRIORITY.cleanup).toBeGreaterThan(ARM_PRIORITY.routine);
  });
});
