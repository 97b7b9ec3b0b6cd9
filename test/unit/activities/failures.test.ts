import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toActivityFailure } from '../../../src/activities/failures';
import { AzureError } from '../../../src/azure/errors';

describe('toActivityFailure', () => {
  it("keeps Azure's code as the failure type and its message, and marks non-retryable errors so Temporal stops retrying", () => {
    const failure = toActivityFailure(
      new AzureError({ code: 'InaccessibleImage', azureMessage: "The image 'x' is not accessible.", kind: 'image-pull', retryable: false, statusCode: 400 }),
    ) as ApplicationFailure;
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('InaccessibleImage');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toContain("The image 'x' is not accessible.");
    expect(failure.details).toEqual([{ code: 'InaccessibleImage', kind: 'image-pull', statusCode: 400, azureMessage: "The image 'x' is not accessible." }]);
  });

  it('uses Retry-After as the next retry delay of a throttled call', () => {
    const failure = toActivityFailure(
      new AzureError({ code: 'TooManyRequests', azureMessage: 'slow down', kind: 'throttled', retryable: true, statusCode: 429, retryAfterMs: 7_000 }),
    ) as ApplicationFailure;
    expect(failure.nonRetryable).toBe(false);
    expect(failure.nextRetryDelay).toBe(7_000);
  });

  it('passes failures that already speak Temporal through unchanged', () => {
    const cancelled = new CancelledFailure('cancelled');
    const timeout = ApplicationFailure.nonRetryable('late', 'ContainerStartTimeout');
    expect(toActivityFailure(cancelled)).toBe(cancelled);
    expect(toActivityFailure(timeout)).toBe(timeout);
  });
});
