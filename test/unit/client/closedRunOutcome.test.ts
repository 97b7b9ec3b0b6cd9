import { ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { RetryState } from '@temporalio/common';
import { closedRunOutcome } from '../../../src/client/flowRunStatus';
import { FailureTypes } from '../../../src/workflows/definitions';

const failedWith = (failure: Error) => async () => {
  throw new WorkflowFailedError('Workflow execution failed', failure, RetryState.NON_RETRYABLE_FAILURE);
};

describe('the outcome of a closed flow run', () => {
  it('is Completed with the exit code of the result', async () => {
    const result = async () => ({ flowRunId: 'r', phase: 'Completed', exitCode: 0, containerGroupName: 'g' });
    expect(await closedRunOutcome('COMPLETED', result)).toEqual({ phase: 'Completed', exitCode: 0 });
  });

  it('is Failed with the exit code when the container exited non-zero', async () => {
    const failure = ApplicationFailure.create({
      type: FailureTypes.nonZeroExit,
      message: 'Container exited with code 3',
      details: [{ exitCode: 3 }],
      nonRetryable: true,
    });
    expect(await closedRunOutcome('FAILED', failedWith(failure))).toEqual({
      phase: 'Failed',
      exitCode: 3,
      message: 'Container exited with code 3',
    });
  });

  it('is TimedOut when the container never started in time', async () => {
    const failure = ApplicationFailure.create({ type: FailureTypes.startTimeout, message: 'Timed out after 240 seconds', nonRetryable: true });
    expect(await closedRunOutcome('FAILED', failedWith(failure))).toEqual({ phase: 'TimedOut', message: 'Timed out after 240 seconds' });
  });

  it('is Cancelled when the workflow failed because of the cancel signal', async () => {
    const failure = ApplicationFailure.create({ type: FailureTypes.cancelled, message: 'Flow run cancelled: superseded' });
    expect((await closedRunOutcome('FAILED', failedWith(failure))).phase).toBe('Cancelled');
  });

  it("keeps Azure's message when the workflow failed for another reason", async () => {
    const failure = ApplicationFailure.create({ type: 'InaccessibleImage', message: 'InaccessibleImage: image not found' });
    expect(await closedRunOutcome('FAILED', failedWith(failure))).toEqual({ phase: 'Failed', message: 'InaccessibleImage: image not found' });
  });

  it('is Failed for a failure type named like a property every object has', async () => {
    const failure = ApplicationFailure.create({ type: 'constructor', message: 'an activity chose an odd type' });
    expect(await closedRunOutcome('FAILED', failedWith(failure))).toEqual({ phase: 'Failed', message: 'an activity chose an odd type' });
  });

  it.each([
    ['CANCELLED', 'Cancelled'],
    ['TIMED_OUT', 'TimedOut'],
    ['TERMINATED', 'Failed'],
  ] as const)('maps a workflow closed as %s to %s without reading the result', async (status, phase) => {
    const result = jest.fn(async () => undefined);
    expect((await closedRunOutcome(status, result)).phase).toBe(phase);
    expect(result).not.toHaveBeenCalled();
  });

  it('is Cancelled with the reason the workflow kept in its memo when it closed Canceled', async () => {
    const outcome = await closedRunOutcome('CANCELLED', async () => undefined, { reason: 'superseded', phase: 'Running' });
    expect(outcome).toEqual({ phase: 'Cancelled', message: 'Flow run cancelled: superseded' });
  });
});
