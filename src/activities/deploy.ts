import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AciGateway } from '../azure/gateway';
import { ConfigError } from '../config/errors';
import type { SecretResolver } from '../config/secrets';
import { prepareDeployment } from '../template/prepare';
import { resolveSecretReferences } from '../template/secretPositions';
import { azureCall } from './failures';
import { heartbeatWhile } from './heartbeats';
import type { DeployInput, DeployOutput } from './types';

/**
 * One incremental ARM deployment with deterministic names: a retry after a crash finds
 * (and adopts) the same deployment instead of creating a second container group.
 * Secret references are resolved here, in worker memory only.
 */
export function deployActivity(gateway: AciGateway, resolveSecret: SecretResolver) {
  return async function deploy(input: DeployInput): Promise<DeployOutput> {
    const context = Context.current();
    const { prepared, request } = prepareWithSecrets(input, resolveSecret);
    const result = await heartbeatWhile(
      azureCall(() => gateway.deploy(request, { abortSignal: context.cancellationSignal })),
    );
    context.log.info('Deployed container group', {
      containerGroup: prepared.containerGroupName,
      deployment: result.deploymentName,
      adopted: result.adopted,
    });
    return {
      subscriptionId: prepared.subscriptionId,
      resourceGroupName: prepared.resourceGroupName,
      containerGroupName: prepared.containerGroupName,
      containerName: prepared.containerName,
      deploymentName: result.deploymentName,
      adopted: result.adopted,
    };
  };
}

/** Bad configuration or an unresolvable secret cannot get better by retrying: fail the run with the field named. */
function prepareWithSecrets(input: DeployInput, resolveSecret: SecretResolver) {
  try {
    const prepared = prepareDeployment(input.configuration, {
      flowRunId: input.flowRunId,
      flowName: input.flowName,
      workflowId: input.workflowId,
    });
    return { prepared, request: resolveSecretReferences(prepared, resolveSecret) };
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, 'InvalidConfiguration');
    throw err;
  }
}
