import { ActivityFailure, ApplicationFailure, CancelledFailure, RetryState } from '@temporalio/common';
import { outcomeOfFailure } from '../../../src/workflows/outcome';

function activityFailure(cause: Error): ActivityFailure {
  return new ActivityFailure('activity failed', 'watch', '3', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause);
}

describe('outcomeOfFailure', () => {
  it('maps any cancellation to phase Cancelled with failure type FlowRunCancelled and the reason', () => {
    const outcome = outcomeOfFailure(new CancelledFailure('cancelled'), { reason: 'superseded' });
    expect(outcome.phase).toBe('Cancelled');
    expect(outcome.failure).toMatchObject({ type: 'FlowRunCancelled', message: 'Flow run cancelled: superseded', nonRetryable: true });
    expect(outcomeOfFailure(activityFailure(new CancelledFailure('x'))).failure.message).toBe('Flow run cancelled');
  });

  it('maps a start timeout to phase TimedOut and keeps its message', () => {
    const cause = ApplicationFailure.nonRetryable('Timed out after 5 seconds waiting for container c', 'ContainerStartTimeout');
    const outcome = outcomeOfFailure(activityFailure(cause));
    expect(outcome.phase).toBe('TimedOut');
    expect(outcome.failure).toMatchObject({ type: 'ContainerStartTimeout', message: 'Timed out after 5 seconds waiting for container c' });
  });

  it("keeps Azure's code as the failure type and its message and details", () => {
    const cause = ApplicationFailure.create({ type: 'InaccessibleImage', message: 'image x not found', details: [{ code: 'InaccessibleImage' }] });
    const outcome = outcomeOfFailure(activityFailure(cause));
    expect(outcome.phase).toBe('Failed');
    expect(outcome.failure).toMatchObject({ type: 'InaccessibleImage', message: 'image x not found', nonRetryable: true });
    expect(outcome.failure.details).toEqual([{ code: 'InaccessibleImage' }]);
  });

  it('turns an unexpected error into a failed run instead of a stuck workflow task', () => {
    const outcome = outcomeOfFailure(new TypeError('boom'));
    expect(outcome.phase).toBe('Failed');
    expect(outcome.failure).toMatchObject({ type: 'FlowRunFailed', message: 'boom' });
  });
});
