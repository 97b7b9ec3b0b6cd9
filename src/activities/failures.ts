/**
 * Turns what the gateway throws into the ApplicationFailure Temporal retries (or not):
 * the failure type is Azure's error code, so the workflow and its callers keep it.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toAzureError } from '../azure/errors';

export function toActivityFailure(err: unknown): Error {
  if (err instanceof ApplicationFailure || err instanceof CancelledFailure) return err;
  const azure = toAzureError(err);
  return ApplicationFailure.create({
    type: azure.code,
    message: azure.message,
    nonRetryable: !azure.retryable,
    nextRetryDelay: azure.retryAfterMs,
    details: [{ code: azure.code, kind: azure.kind, statusCode: azure.statusCode, azureMessage: azure.azureMessage }],
  });
}

/** Runs one gateway call, rethrowing its failure in the shape Temporal's retry policy understands. */
export async function azureCall<T>(call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    throw toActivityFailure(err);
  }
}
