import { actionsOfHistory } from '../../../bench/actions';

const at = (seconds: number) => ({ seconds: seconds, nanos: 0 });
const duration = (seconds: number) => ({ seconds, nanos: 0 });

describe('Temporal Actions of a run, from its history', () => {
  it('counts the start, each activity attempt, timers, signals, upserts and markers, and the heartbeats of a one-hour watch', () => {
    const history = {
      events: [
        { eventId: 1, eventTime: at(0), workflowExecutionStartedEventAttributes: {} },
        { eventId: 2, eventTime: at(0), upsertWorkflowSearchAttributesEventAttributes: {} },
        { eventId: 3, eventTime: at(1), markerRecordedEventAttributes: {} },
        { eventId: 4, eventTime: at(1), activityTaskScheduledEventAttributes: { heartbeatTimeout: duration(240) } },
        // The second attempt: two activity Actions.
        { eventId: 5, eventTime: at(1), activityTaskStartedEventAttributes: { scheduledEventId: 4, attempt: 2 } },
        { eventId: 6, eventTime: at(3601), activityTaskCompletedEventAttributes: { scheduledEventId: 4 } },
        { eventId: 7, eventTime: at(3601), timerStartedEventAttributes: {} },
        { eventId: 8, eventTime: at(3602), workflowExecutionSignaledEventAttributes: {} },
        { eventId: 9, eventTime: at(3602), activityTaskScheduledEventAttributes: {} },
        { eventId: 10, eventTime: at(3602), activityTaskStartedEventAttributes: { scheduledEventId: 9, attempt: 1 } },
        { eventId: 11, eventTime: at(3603), activityTaskCompletedEventAttributes: { scheduledEventId: 9 } },
        { eventId: 12, eventTime: at(3603), workflowExecutionCompletedEventAttributes: {} },
      ],
    };
    const actions = actionsOfHistory(history as never);
    // start, upsert, marker, 2 watch attempts, timer, signal, 1 cleanup attempt.
    expect(actions.events).toBe(8);
    // One at the start, then one per 192 s (80 % of 240 s) over 3600 s.
    expect(actions.heartbeats).toBe(1 + Math.floor(3600 / 192));
    expect(actions.total).toBe(8 + 19);
    expect(actions.runSeconds).toBe(3603);
  });
});
