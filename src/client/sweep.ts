/**
 * Runs a pool's orphan sweeper once, on demand (`aci-flow sweep`), and waits for what it
 * removed. The sweep runs on a worker of the pool, the one place with Azure credentials.
 */
import { randomUUID } from 'node:crypto';
import { type Client, ScheduleNotFoundError } from '@temporalio/client';
import { taskQueueForPool } from '../workflows/definitions';
import {
  DEFAULT_SWEEP_GRACE_SECONDS,
  SWEEPER_WORKFLOW,
  sweeperScheduleId,
  sweeperWorkflowId,
  type SweeperInput,
  type SweeperResult,
  type SweepScope,
} from '../workflows/sweeperDefinitions';
import { InvalidFlowRunOptionsError } from './errors';

export interface SweepOrphansOptions {
  workPool: string;
  dryRun?: boolean;
  /** Default: the scopes (and grace) of the pool's sweeper schedule, which its workers write. */
  scopes?: SweepScope[];
  graceSeconds?: number;
}

export async function sweepOrphans(client: Client, options: SweepOrphansOptions): Promise<SweeperResult> {
  const scheduled = await scheduledInput(client, options.workPool);
  const scopes = options.scopes?.length ? options.scopes : scheduled?.scopes;
  if (!scopes?.length) {
    throw new InvalidFlowRunOptionsError(
      'scopes',
      `pool "${options.workPool}" has no sweeper schedule with scopes: pass --scope <subscriptionId>/<resourceGroup>, ` +
        'or start its workers with --sweep-scope (ACI_FLOW_SWEEP_SCOPES)',
    );
  }
  const input: SweeperInput = {
    workPool: options.workPool,
    scopes,
    graceSeconds: options.graceSeconds ?? scheduled?.graceSeconds ?? DEFAULT_SWEEP_GRACE_SECONDS,
    dryRun: options.dryRun ?? false,
  };
  return client.workflow.execute(SWEEPER_WORKFLOW, {
    args: [input],
    taskQueue: taskQueueForPool(options.workPool),
    // Apart from the schedule's runs, which its overlap policy keeps to one at a time.
    workflowId: `${sweeperWorkflowId(options.workPool)}-manual-${randomUUID()}`,
  });
}

async function scheduledInput(client: Client, workPool: string): Promise<SweeperInput | undefined> {
  try {
    const description = await client.schedule.getHandle(sweeperScheduleId(workPool)).describe();
    if (description.action.type !== 'startWorkflow') return undefined;
    return description.action.args?.[0] as SweeperInput | undefined;
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) return undefined;
    throw err;
  }
}
