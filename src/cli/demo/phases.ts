import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { searchAttributes } from '../../workflows/definitions';

/**
 * Every Phase value the workflow recorded, in order, read from its history's search
 * attribute upserts: unlike polling the status query, this misses no short phase.
 */
export async function phasesInHistory(handle: WorkflowHandle): Promise<string[]> {
  const history = await handle.fetchHistory();
  const phases: string[] = [];
  for (const event of history.events ?? []) {
    const fields =
      event.workflowExecutionStartedEventAttributes?.searchAttributes?.indexedFields ??
      event.upsertWorkflowSearchAttributesEventAttributes?.searchAttributes?.indexedFields;
    const payload = fields?.[searchAttributes.phase.name];
    if (!payload) continue;
    // Search attributes are plain JSON payloads (never codec-encoded); keywords may arrive as a one-element list.
    const value = defaultPayloadConverter.fromPayload<unknown>(payload);
    const phase = Array.isArray(value) ? value[0] : value;
    if (typeof phase === 'string' && phase !== phases[phases.length - 1]) phases.push(phase);
  }
  return phases;
}
