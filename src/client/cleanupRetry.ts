/**
 * A cleanup that keeps failing is retried inside its activity (docs/workflow.md, "Cleanup"),
 * so the workflow's status says only `pending`; the pending activity's last failure, which
 * `describe()` returns, tells what Azure keeps answering.
 */
import type { WorkflowExecutionDescription } from '@temporalio/client';
import type { FlowRunCleanup } from '../workflows/definitions';

/** The cleanup activities of src/activities (the client does not import the worker's code). */
const CLEANUP_ACTIVITIES: ReadonlySet<string> = new Set(['deleteContainerGroup', 'stopContainerGroup']);

export function cleanupRetryOf(description: Pick<WorkflowExecutionDescription, 'raw'>): FlowRunCleanup | undefined {
  for (const activity of description.raw.pendingActivities ?? []) {
    if (!CLEANUP_ACTIVITIES.has(activity.activityType?.name ?? '')) continue;
    const lastError = activity.lastFailure?.message;
    if (lastError) return { state: 'retrying', lastError };
  }
  return undefined;
}
