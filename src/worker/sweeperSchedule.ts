/**
 * The Temporal Schedule that runs a pool's orphan sweeper. Every worker of the pool calls
 * ensureSweeperSchedule at start: the first creates it, the others (at once or later)
 * update it to their settings, so the last started worker's settings apply.
 */
import { type Client, ScheduleAlreadyRunning, ScheduleOverlapPolicy } from '@temporalio/client';
import { taskQueueForPool } from '../workflows/definitions';
import { SWEEPER_WORKFLOW, sweeperScheduleId, sweeperWorkflowId, type SweeperInput } from '../workflows/sweeperDefinitions';
import type { SweeperSettings } from './sweeperSettings';

export async function ensureSweeperSchedule(
  client: Client,
  workPool: string,
  settings: SweeperSettings,
): Promise<'created' | 'updated'> {
  const scheduleId = sweeperScheduleId(workPool);
  const input: SweeperInput = { workPool, scopes: settings.scopes, graceSeconds: settings.graceSeconds };
  const spec = { intervals: [{ every: settings.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: SWEEPER_WORKFLOW,
    workflowId: sweeperWorkflowId(workPool),
    taskQueue: taskQueueForPool(workPool),
    args: [input],
  };
  // A sweep still running when the next is due is not doubled; a missed one is not replayed.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  await client.schedule.getHandle(scheduleId).update((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
  }));
  return 'updated';
}
