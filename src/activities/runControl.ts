/**
 * Activities a flow run uses to act on itself through Temporal (over the worker's own client):
 * a run cancelled by the `cancel` signal alone asks Temporal to cancel it, so it closes with
 * status Canceled like a run cancelled through Temporal.
 */
import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

export interface RunControlActivityDeps {
  client: Client;
}

export function createRunControlActivities(deps: RunControlActivityDeps) {
  /**
   * Requests cancellation of the calling workflow execution (this run id only, never a later
   * run of the same workflow id). Idempotent: Temporal accepts a repeated request for a run
   * whose cancellation was already requested, and a run that closed meanwhile needs nothing.
   */
  async function cancelThisWorkflow(): Promise<void> {
    const execution = Context.current().info.workflowExecution;
    // Standalone activities have no workflow; this one is only ever scheduled by a flow run.
    if (!execution) throw new Error('cancelThisWorkflow runs only as a workflow activity');
    const { workflowId, runId } = execution;
    try {
      await deps.client.workflow.getHandle(workflowId, runId).cancel();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return;
      throw err;
    }
  }
  return { cancelThisWorkflow };
}

export type RunControlActivities = ReturnType<typeof createRunControlActivities>;
