/**
 * The Temporal Schedule that runs a pool's orphan sweeper. Every worker of the pool calls
 * ensureSweeperSchedule at start: the first creates it; the others leave it alone when it
 * already has their settings, and update it only when their settings differ (a deliberate
 * change rolled out to the pool), so restarts and scale-outs do not rewrite it.
 */
import { type Client, ScheduleAlreadyRunning, type ScheduleDescription, ScheduleOverlapPolicy } from '@temporalio/client';
import { taskQueueForPool } from '../workflows/definitions';
import { SWEEPER_WORKFLOW, sweeperScheduleId, sweeperWorkflowId, type SweeperInput } from '../workflows/sweeperDefinitions';
import type { SweeperSettings } from './sweeperSettings';

/**
 * A sweep that runs longer is stopped (and logged as timed out in its history), so one stuck
 * sweep never blocks the later ones (overlap SKIP would skip them while it runs).
 */
export function sweepExecutionTimeoutMs(settings: SweeperSettings): number {
  return Math.max(settings.intervalMs, 30 * 60_000);
}

export async function ensureSweeperSchedule(client: Client, workPool: string, settings: SweeperSettings): Promise<'created' | 'updated' | 'unchanged'> {
  const scheduleId = sweeperScheduleId(workPool);
  const input: SweeperInput = { workPool, scopes: settings.scopes, graceSeconds: settings.graceSeconds };
  const spec = { intervals: [{ every: settings.intervalMs }] };
  const action = {
    type: 'startWorkflow' as const,
    workflowType: SWEEPER_WORKFLOW,
    workflowId: sweeperWorkflowId(workPool),
    taskQueue: taskQueueForPool(workPool),
    args: [input],
    workflowExecutionTimeout: sweepExecutionTimeoutMs(settings),
  };
  // A sweep still running when the next is due is not doubled; a missed one is not replayed.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: 60_000 };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies });
    return 'created';
  } catch (err) {
    if (!(err instanceof ScheduleAlreadyRunning)) throw err;
  }
  const handle = client.schedule.getHandle(scheduleId);
  if (hasSettings(await handle.describe(), settings, input)) return 'unchanged';
  await handle.update((previous) => ({
    ...previous,
    spec,
    action,
    policies: { ...previous.policies, ...policies },
  }));
  return 'updated';
}

function hasSettings(current: ScheduleDescription, settings: SweeperSettings, input: SweeperInput): boolean {
  const action = current.action;
  if (action.type !== 'startWorkflow') return false;
  const intervals = (current.spec.intervals ?? []).map((interval) => Number(interval.every));
  return (
    intervals.length === 1 &&
    intervals[0] === settings.intervalMs &&
    Number(action.workflowExecutionTimeout ?? 0) === sweepExecutionTimeoutMs(settings) &&
    JSON.stringify(action.args?.[0]) === JSON.stringify(input)
  );
}
