/**
 * A failed deployment's long-running operation throws a plain "The long-running operation has
 * failed" without the cause. The cause lives on the deployment (`properties.error`, usually a
 * generic DeploymentFailed wrapping the real error) and, with the resource it concerns, on the
 * failed deployment operations. This module reads both and returns the most specific error.
 */
import type { DeploymentExtended, DeploymentOperation } from '@azure/arm-resources';
import { AzureError, fromArmErrorBody, httpStatusFromName, innermostArmError, type ArmErrorBody, type AzureErrorContext } from './errors';

/** The two reads this module needs; ResourceManagementClient provides them. */
export interface DeploymentReader {
  deployments: {
    get(resourceGroupName: string, deploymentName: string, options?: { abortSignal?: AbortSignal }): Promise<DeploymentExtended>;
  };
  deploymentOperations: {
    list(resourceGroupName: string, deploymentName: string, options?: { abortSignal?: AbortSignal }): AsyncIterable<DeploymentOperation>;
  };
}

const FAILED_STATES = new Set(['Failed', 'Canceled']);

function operationError(operation: DeploymentOperation): ArmErrorBody | undefined {
  const statusMessage = operation.properties?.statusMessage as (ArmErrorBody & { error?: ArmErrorBody }) | undefined;
  const body = statusMessage?.error ?? statusMessage;
  return body && typeof body.code === 'string' ? body : undefined;
}

async function firstFailedOperation(
  client: DeploymentReader,
  resourceGroupName: string,
  deploymentName: string,
  abortSignal: AbortSignal | undefined,
): Promise<{ error: ArmErrorBody; statusCode?: number; target?: string } | undefined> {
  for await (const operation of client.deploymentOperations.list(resourceGroupName, deploymentName, { abortSignal })) {
    if (operation.properties?.provisioningState !== 'Failed') continue;
    const error = operationError(operation);
    if (!error) continue;
    return {
      error,
      statusCode: httpStatusFromName(operation.properties.statusCode),
      target: operation.properties.targetResource?.resourceName,
    };
  }
  return undefined;
}

/** Codes that only say "something inside failed"; the operations hold the real cause. */
const GENERIC_CODES = new Set(['DeploymentFailed', 'ResourceDeploymentFailure', 'Conflict', 'BadRequest']);

/**
 * The real error of a failed deployment, or `undefined` when the deployment did not fail
 * (then the original error is the one to report). Throws AzureError if Azure cannot be read.
 */
export async function readDeploymentFailure(
  client: DeploymentReader,
  resourceGroupName: string,
  deploymentName: string,
  context: AzureErrorContext,
  abortSignal?: AbortSignal,
): Promise<AzureError | undefined> {
  const deployment = await client.deployments.get(resourceGroupName, deploymentName, { abortSignal });
  const state = deployment.properties?.provisioningState;
  if (!state || !FAILED_STATES.has(state)) return undefined;

  const deploymentError = deployment.properties?.error;
  const specific = deploymentError?.code && !GENERIC_CODES.has(innermostArmError(deploymentError).code ?? '');
  if (deploymentError && specific) return fromArmErrorBody(deploymentError, context);

  // The summary is generic: spend one more read on the operations, which name the cause.
  const failedOperation = await firstFailedOperation(client, resourceGroupName, deploymentName, abortSignal).catch((err: unknown) => {
    if (deploymentError?.code) return undefined;
    throw err;
  });
  if (failedOperation) {
    const { error, statusCode, target } = failedOperation;
    return fromArmErrorBody({ ...error, target: error.target ?? target }, context, { statusCode });
  }
  if (deploymentError?.code) return fromArmErrorBody(deploymentError, context);
  return new AzureError({
    code: state === 'Canceled' ? 'DeploymentCanceled' : 'DeploymentFailed',
    azureMessage: `Deployment '${deploymentName}' ended ${state} without an error description.`,
    kind: state === 'Canceled' ? 'conflict' : 'bad-request',
    retryable: state === 'Canceled',
    context,
  });
}
