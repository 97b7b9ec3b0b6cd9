/** The one failure-type → phase map, read by the workflow (outcomeOfFailure) and the client (closedRunOutcome). */
import { WorkflowFailedError } from '@temporalio/client';
import { ActivityFailure, ApplicationFailure, RetryState } from '@temporalio/common';
import { closedRunOutcome } from '../../../src/client/flowRunStatus';
import { FailureTypes, phaseOfFailure } from '../../../src/workflows/definitions';
import { outcomeOfFailure } from '../../../src/workflows/outcome';

describe('phaseOfFailure', () => {
  it.each([
    [FailureTypes.nonZeroExit, 'Failed'],
    [FailureTypes.startTimeout, 'TimedOut'],
    [FailureTypes.maxRunTime, 'TimedOut'],
    [FailureTypes.groupDisappeared, 'Failed'],
    [FailureTypes.cancelled, 'Cancelled'],
    ['InaccessibleImage', 'Failed'],
    ['constructor', 'Failed'],
    ['', 'Failed'],
    [undefined, 'Failed'],
    [null, 'Failed'],
  ] as const)('%s ends the run %s', (type, phase) => {
    expect(phaseOfFailure(type)).toBe(phase);
  });

  it('gives the phase the workflow ends in and the client reads back, for every failure type', async () => {
    for (const type of [...Object.values(FailureTypes), 'InaccessibleImage']) {
      const cause = ApplicationFailure.create({ type, message: type, nonRetryable: true });
      const { phase, failure } = outcomeOfFailure(new ActivityFailure('failed', 'watch', '1', RetryState.NON_RETRYABLE_FAILURE, 'worker', cause));
      const readBack = await closedRunOutcome('FAILED', async () => {
        throw new WorkflowFailedError('Workflow execution failed', failure, RetryState.NON_RETRYABLE_FAILURE);
      });
      expect({ type, phase, readBack: readBack.phase }).toEqual({ type, phase: phaseOfFailure(type), readBack: phaseOfFailure(type) });
    }
  });
});
