/** A history over its bound fails naming every event, so the failure shows where the events came from. */
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { expectHistoryAtMost } from '../../helpers/flowRuns';

const { EventType } = temporal.api.enums.v1;

function handleWith(eventTypes: number[]): WorkflowHandle {
  return { fetchHistory: () => Promise.resolve({ events: eventTypes.map((eventType) => ({ eventType })) }) } as unknown as WorkflowHandle;
}

describe('expectHistoryAtMost', () => {
  const run = [
    EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED,
    EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT,
  ];

  it('passes at the bound', async () => {
    await expect(expectHistoryAtMost(handleWith(run), 4)).resolves.toBeUndefined();
  });

  it('fails over it, naming the events', async () => {
    await expect(expectHistoryAtMost(handleWith(run), 3)).rejects.toThrow(
      'the history has 4 events, more than 3: WORKFLOW_EXECUTION_STARTED, WORKFLOW_TASK_SCHEDULED, WORKFLOW_TASK_STARTED, WORKFLOW_TASK_TIMED_OUT',
    );
  });
});
