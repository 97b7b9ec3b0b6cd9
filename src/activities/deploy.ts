import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AciGateway, DeploymentRef } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import { ConfigError } from '../config/errors';
import type { PoolSource } from '../config/poolSource';
import type { SecretResolver } from '../config/secrets';
import type { PreparedDeployment } from '../template/prepare';
import { FailureTypes } from '../workflows/definitions';
import { resolveSecretReferences } from '../template/secretPositions';
import { azureCall, gatewayOf } from './failures';
import { heartbeatWhile } from './heartbeats';
import { assertOwnedBy, currentOwner } from './ownership';
import { RenderFailureTypes, renderOnWorker, runSettingsOf } from './render';
import type { DeployInput, DeployOutput, FlowRunTarget } from './types';

/**
 * One incremental ARM deployment with deterministic names: a retry after a crash finds
 * (and adopts) the same deployment instead of creating a second container group. Only this
 * run's names are deployed, and an existing group or deployment is adopted only when its
 * tags name this run. The deployment is rendered here again, from this worker's pool and the
 * run's values (never from the workflow's copy), and secret references are resolved here, in
 * worker memory only, into secureString parameters of the deployment.
 */
export function deployActivity(gatewayFor: GatewayFor, resolveSecret: SecretResolver, pool: PoolSource | undefined) {
  return async function deploy(input: DeployInput): Promise<DeployOutput> {
    const context = Context.current();
    const owner = currentOwner(input.flowRunId);
    const { startDeadlineEpochMs, expectedTarget, ...run } = input;
    const rendered = await renderOnWorker(run, pool, owner.workflowId);
    const settings = runSettingsOf(rendered);
    if (expectedTarget) requireSameTarget(expectedTarget, settings.target);
    const { prepared, request } = withSecrets(rendered.deployment, resolveSecret);
    const credentials = rendered.configuration.aci_credentials ?? undefined;
    const gateway = gatewayOf(gatewayFor, { subscriptionId: prepared.subscriptionId, credentials });
    const startDeadline = abortAt(startDeadlineEpochMs);
    const abortSignal = AbortSignal.any([context.cancellationSignal, startDeadline.signal]);

    let result;
    try {
      // A retry that starts after the deadline deploys nothing (an earlier attempt's deployment is cancelled below).
      startDeadline.signal.throwIfAborted();
      // An incremental deployment over an existing group would rewrite it: look before deploying.
      // Heartbeating: under load this read waits for the ARM budget longer than the heartbeat timeout.
      const existing = await heartbeatWhile(azureCall(() => gateway.getContainerGroup(prepared, { abortSignal, purpose: 'groupCheck' })));
      if (existing) assertOwnedBy(owner, `Container group '${prepared.containerGroupName}'`, existing.tags);
      // Only an earlier attempt can have sent this run's PUT (a worker killed mid-attempt shows
      // up as attempt 2): a first attempt that found no group skips the deployment look-up.
      const lookForEarlierDeployment = context.info.attempt > 1 || existing !== undefined;
      result = await heartbeatWhile(azureCall(() => gateway.deploy(request, { abortSignal, lookForEarlierDeployment })));
    } catch (err) {
      // The run was cancelled, or its start timeout ran out, mid-deployment: stop the
      // deployment before reporting, so it cannot create the group after cleanup ran.
      // (A worker shutdown leaves it running for the next attempt to adopt.)
      if (context.cancellationDetails?.cancelRequested) {
        await cancelOwnDeployment(gateway, prepared);
      } else if (startDeadline.signal.aborted) {
        await cancelOwnDeployment(gateway, prepared);
        throw deploymentStartTimeout(settings.task_start_timeout_seconds, prepared);
      }
      throw err;
    } finally {
      startDeadline.clear();
    }
    if (result.adopted) assertOwnedBy(owner, `Deployment '${result.deploymentName}'`, result.tags);

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
      ...(credentials ? { credentials } : {}),
      adopted: result.adopted,
    };
  };
}

/** A signal that aborts at the epoch-ms deadline (never without one); clear() drops its timer. */
function abortAt(deadlineEpochMs: number | undefined): { signal: AbortSignal; clear(): void } {
  const controller = new AbortController();
  if (deadlineEpochMs === undefined) return { signal: controller.signal, clear: () => undefined };
  if (deadlineEpochMs <= Date.now()) {
    controller.abort();
    return { signal: controller.signal, clear: () => undefined };
  }
  const timer = setTimeout(() => controller.abort(), Math.max(0, deadlineEpochMs - Date.now()));
  return { signal: controller.signal, clear: () => clearTimeout(timer) };
}

function deploymentStartTimeout(timeoutSeconds: number, prepared: PreparedDeployment): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.startTimeout,
    nonRetryable: true,
    message:
      `Timed out after ${timeoutSeconds} seconds waiting for container ${prepared.containerName} ` +
      `(group ${prepared.containerGroupName}) to start; its deployment ${prepared.deploymentName} was still running ` +
      '(on Azure it includes pulling the image) and was cancelled. Check the image and registry access, or raise task_start_timeout_seconds.',
    details: [{ lastState: null, timeoutSeconds, stillDeploying: true }],
  });
}

async function cancelOwnDeployment(gateway: AciGateway, deployment: DeploymentRef): Promise<void> {
  const { log } = Context.current();
  try {
    // Not with the activity's abort signal: it has fired already.
    const outcome = await gateway.cancelDeployment(deployment);
    log.info('Cancelled the deployment of a cancelled flow run', { deployment: deployment.deploymentName, outcome });
  } catch (err) {
    // The workflow's cancelDeployment activity tries too, and cleanup deletes what was created.
    log.warn('Could not cancel the deployment of a cancelled flow run', { deployment: deployment.deploymentName, error: String(err) });
  }
}

/** An unresolvable secret cannot get better by retrying: fail the run with the reference named. */
function withSecrets(prepared: PreparedDeployment, resolveSecret: SecretResolver) {
  try {
    return { prepared, request: resolveSecretReferences(prepared, resolveSecret) };
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, RenderFailureTypes.configuration);
    throw err;
  }
}

/**
 * The workflow keeps the target renderFlowRun returned for cleanup; a deployment anywhere else
 * (the pool file changed between the two renders) could never be cleaned up, so it is refused.
 */
function requireSameTarget(expected: FlowRunTarget, rendered: FlowRunTarget): void {
  const keys = ['subscriptionId', 'resourceGroupName', 'containerGroupName', 'containerName', 'deploymentName'] as const;
  const differ: string[] = keys.filter((key) => expected[key] !== rendered[key]);
  if (JSON.stringify(expected.credentials ?? null) !== JSON.stringify(rendered.credentials ?? null)) differ.push('credentials');
  if (differ.length === 0) return;
  throw ApplicationFailure.nonRetryable(
    `the deployment rendered now differs from the one the run was rendered with (${differ.join(', ')}): the pool configuration changed under the run; start it again`,
    RenderFailureTypes.configuration,
  );
}
