/** How a failure inside the run becomes the run's outcome: its final phase and the failure the workflow ends with. */
import { ActivityFailure, ApplicationFailure, isCancellation } from '@temporalio/workflow';
import { type CancelRequest, cancelledMessage, type FailedPhase, FailureTypes, phaseOfFailure } from './definitions';

export interface FailedOutcome {
  phase: FailedPhase;
  failure: ApplicationFailure;
}

export function outcomeOfFailure(err: unknown, cancelRequested?: CancelRequest): FailedOutcome {
  if (isCancellation(err)) {
    const reason = cancelRequested?.reason;
    return {
      phase: 'Cancelled',
      failure: ApplicationFailure.create({
        type: FailureTypes.cancelled,
        message: cancelledMessage(reason),
        nonRetryable: true,
        details: [{ reason: reason ?? null }],
      }),
    };
  }
  // Activity failures carry the real cause: Azure's code and message, a start timeout, a vanished group.
  const cause = err instanceof ActivityFailure ? err.cause : err;
  if (cause instanceof ApplicationFailure) {
    return {
      phase: phaseOfFailure(cause.type),
      failure: ApplicationFailure.create({
        type: cause.type ?? 'Error',
        message: cause.message,
        nonRetryable: true,
        details: cause.details ? [...cause.details] : undefined,
      }),
    };
  }
  const message = cause instanceof Error ? cause.message : String(cause);
  return { phase: 'Failed', failure: ApplicationFailure.create({ type: 'FlowRunFailed', message, nonRetryable: true }) };
}
