/**
 * Turns what the gateway throws into the ApplicationFailure Temporal retries (or not):
 * the failure type is Azure's error code, so the workflow and its callers keep it.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { toAzureError } from '../azure/errors';
import type { AciGateway } from '../azure/gateway';
import type { GatewayFor, GatewayScope } from '../azure/gatewayFactory';
import { ConfigError } from '../config/errors';

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

/**
 * The gateway for the run's identity (its pool's aci_credentials, or the worker's own). An
 * unresolvable client secret cannot get better by retrying: it fails the run naming the field.
 */
export const INVALID_CONFIGURATION = 'InvalidConfiguration';

export function gatewayOf(gatewayFor: GatewayFor, scope: GatewayScope): AciGateway {
  try {
    return gatewayFor(scope);
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, INVALID_CONFIGURATION);
    throw err;
  }
}
