/**
 * Temporal Actions (what Temporal Cloud bills) of one closed run, counted from its history:
 * the start, every activity attempt, local activity, timer, signal, update, search attribute
 * or memo upsert and cancel request; plus its heartbeats, which leave no event: each activity
 * with a heartbeat timeout sends one at its start and then one per throttle interval (80 % of
 * its heartbeat timeout) while it runs, so they are counted from the activity's duration.
 */
import type { temporal } from '@temporalio/proto';

type History = temporal.api.history.v1.IHistory;
type Event = temporal.api.history.v1.IHistoryEvent;

export interface RunActions {
  /** Actions with an event in the history. */
  events: number;
  /** Heartbeats, from the heartbeating activities' durations. */
  heartbeats: number;
  total: number;
  /** From the workflow's start to its close. */
  runSeconds: number;
}

const ONE_ACTION_EACH: ReadonlyArray<keyof Event> = [
  'workflowExecutionStartedEventAttributes',
  'timerStartedEventAttributes',
  'workflowExecutionSignaledEventAttributes',
  'workflowExecutionUpdateAcceptedEventAttributes',
  'upsertWorkflowSearchAttributesEventAttributes',
  'workflowPropertiesModifiedEventAttributes',
  'markerRecordedEventAttributes',
  'workflowExecutionCancelRequestedEventAttributes',
];

/** Protobuf timestamps and durations arrive as Long (fetched) or numbers (JSON, tests). */
function optionalTsToMs(value: { seconds?: unknown; nanos?: number | null } | null | undefined): number | undefined {
  if (!value) return undefined;
  return Number(value.seconds ?? 0) * 1000 + Math.floor((value.nanos ?? 0) / 1e6);
}

export function actionsOfHistory(history: History): RunActions {
  const events = history.events ?? [];
  let counted = 0;
  let heartbeats = 0;
  const scheduled = new Map<number, number>();
  const started = new Map<number, number>();
  for (const event of events) {
    if (ONE_ACTION_EACH.some((key) => event[key])) counted += 1;
    const scheduledAttributes = event.activityTaskScheduledEventAttributes;
    if (scheduledAttributes) {
      const timeoutMs = optionalTsToMs(scheduledAttributes.heartbeatTimeout) ?? 0;
      if (timeoutMs > 0) scheduled.set(Number(event.eventId), timeoutMs);
    }
    const startedAttributes = event.activityTaskStartedEventAttributes;
    if (startedAttributes) {
      // The started event is written when the last attempt ends: attempt N means N activity Actions.
      counted += Math.max(1, startedAttributes.attempt ?? 1);
      started.set(Number(startedAttributes.scheduledEventId), optionalTsToMs(event.eventTime) ?? 0);
    }
    const ended = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes ?? event.activityTaskCanceledEventAttributes;
    const scheduledEventId = Number(ended?.scheduledEventId);
    const timeoutMs = scheduled.get(scheduledEventId);
    const startedAt = started.get(scheduledEventId);
    if (ended && timeoutMs !== undefined && startedAt !== undefined) {
      const runningMs = (optionalTsToMs(event.eventTime) ?? startedAt) - startedAt;
      heartbeats += 1 + Math.floor(runningMs / (timeoutMs * 0.8));
    }
  }
  const first = optionalTsToMs(events[0]?.eventTime) ?? 0;
  const last = optionalTsToMs(events[events.length - 1]?.eventTime) ?? first;
  return { events: counted, heartbeats, total: counted + heartbeats, runSeconds: (last - first) / 1000 };
}
