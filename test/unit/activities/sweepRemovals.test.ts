/**
 * What the sweeper's removeOrphans tells the operator besides its result: one worker log line
 * per orphan removed (or failing), and the removal counter of the worker's metrics.
 */
import { RestError } from '@azure/core-rest-pipeline';
import { Client, Connection } from '@temporalio/client';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { Registry } from 'prom-client';
import { createSweeperActivities } from '../../../src/activities/sweep';
import type { RemoveOrphansOutput, SweepCandidate } from '../../../src/activities/sweepTypes';
import { createPromMetrics, METRIC_NAMES } from '../../../src/common/metrics';
import { FakeGateway, OWNER, TARGET } from './fakeGateway';

const ORPHAN: SweepCandidate = {
  subscriptionId: TARGET.subscriptionId,
  resourceGroupName: TARGET.resourceGroupName,
  containerGroupName: TARGET.containerGroupName,
  deploymentName: TARGET.deploymentName,
  hasGroup: true,
  hasDeployment: true,
  workflowId: OWNER.workflowId,
  flowRunId: OWNER.flowRunId,
};

function setup() {
  const gateway = new FakeGateway();
  const registry = new Registry();
  // removeOrphans never asks Temporal; a lazy connection is never opened.
  const client = new Client({ connection: Connection.lazy({ address: '127.0.0.1:1' }) });
  const activities = createSweeperActivities({ gateway, client, metrics: createPromMetrics(registry) });
  const entries: LogEntry[] = [];
  const env = new MockActivityEnvironment(undefined, { logger: new DefaultLogger('INFO', (entry) => entries.push(entry)) });
  const removals = async () => (await registry.getSingleMetric(METRIC_NAMES.sweeperRemovals)?.get())?.values[0]?.value ?? 0;
  const lines = (level: LogEntry['level']) => entries.filter((entry) => entry.level === level).map((entry) => entry.message);
  return { gateway, activities, env, removals, lines };
}

describe('removeOrphans on the worker log and metrics', () => {
  it('logs one line per removed orphan naming the group, the deployment, the scope and the run, and counts it', async () => {
    const { gateway, activities, env, removals, lines } = setup();
    const output: RemoveOrphansOutput = await env.run(activities.removeOrphans, { orphans: [ORPHAN], dryRun: false, workPool: 'pool-a' });
    expect(output.removed).toHaveLength(1);
    expect(gateway.deleted).toBe(1);
    expect(lines('INFO')).toEqual([
      `Orphan sweeper removed container group ${TARGET.containerGroupName} and deployment ${TARGET.deploymentName} in ${TARGET.subscriptionId}/rg of flow run ${OWNER.flowRunId}`,
    ]);
    expect(await removals()).toBe(1);
  });

  it('says what a dry run would remove and counts nothing', async () => {
    const { gateway, activities, env, removals, lines } = setup();
    await env.run(activities.removeOrphans, { orphans: [ORPHAN], dryRun: true, workPool: 'pool-a' });
    expect(gateway.deleted).toBe(0);
    expect(lines('INFO')).toEqual([expect.stringMatching(/^Orphan sweeper would remove container group /)]);
    expect(await removals()).toBe(0);
  });

  it("warns about a removal that failed, with Azure's message, and counts nothing", async () => {
    const { gateway, activities, env, removals, lines } = setup();
    gateway.failNext.deleteContainerGroup = new RestError('The client does not have authorization', { statusCode: 403, code: 'AuthorizationFailed' });
    const output: RemoveOrphansOutput = await env.run(activities.removeOrphans, { orphans: [ORPHAN], dryRun: false, workPool: 'pool-a' });
    expect(output.failed).toHaveLength(1);
    expect(lines('INFO')).toEqual([]);
    expect(lines('WARN')).toEqual([
      expect.stringMatching(/^Orphan sweeper could not remove container group .* \(the next sweep tries again\): .*authorization/),
    ]);
    expect(await removals()).toBe(0);
  });
});
