/**
 * Cancelling a flow run from code or the CLI: the `cancel` signal carries the reason (the way
 * a cancel is delivered, whoever sends it), workflow cancellation makes the run close with
 * Temporal status Canceled, and the run's receipt tells the caller what became of the cancel.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { cancelReceiptUpdate, cancelSignal, type FlowRunPhase, workflowIdForFlowRun } from '../workflows/definitions';
import { asNotFound, FlowRunAlreadyClosedError } from './errors';

/** How long the caller waits for a worker to acknowledge the cancel before it returns without a receipt. */
const RECEIPT_DEADLINE_MS = 10_000;

export interface CancelFlowRunResult {
  flowRunId: string;
  /**
   * true: the run took the cancel in `phase` and is cleaning up; it closes Canceled.
   * false: the container was already done (`phase` CleaningUp): cleanup goes on and the run keeps its outcome.
   * undefined: no worker answered within 10 s; the cancel is delivered and is taken when a worker runs the workflow.
   */
  accepted: boolean | undefined;
  phase?: FlowRunPhase;
  reason?: string;
}

/**
 * Asks the flow run to stop: the workflow cancels its current phase, cleans up and closes
 * Canceled, with the reason in its status. Throws FlowRunNotFoundError, or
 * FlowRunAlreadyClosedError for a run that has finished.
 */
export async function cancelFlowRun(client: Client, flowRunId: string, reason?: string): Promise<CancelFlowRunResult> {
  const handle = client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  try {
    await handle.signal(cancelSignal, reason === undefined ? {} : { reason });
  } catch (err) {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
    // Temporal reports a signal to a closed workflow as not found; tell the two apart.
    const description = await handle.describe().catch((describeErr) => {
      throw asNotFound(describeErr, client, flowRunId);
    });
    throw new FlowRunAlreadyClosedError(flowRunId, description.status.name);
  }
  // After the signal, so the run has its reason first. Harmless once the container is done:
  // cleanup is not cancellable and a run that is not cancelled keeps its outcome.
  await handle.cancel().catch((err: unknown) => {
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  });
  try {
    const receipt = await client.withDeadline(Date.now() + RECEIPT_DEADLINE_MS, () => handle.executeUpdate(cancelReceiptUpdate));
    return { flowRunId, ...receipt };
  } catch {
    // No worker within the deadline, or the run closed meanwhile: the cancel is delivered all the same.
    return { flowRunId, accepted: undefined, ...(reason === undefined ? {} : { reason }) };
  }
}
