import { Context } from '@temporalio/activity';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import type { AciGateway, CancelDeploymentOutcome, ContainerGroupView, OperationOptions } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import { ARM_PRIORITY } from '../budget/rateLimiter';
import { azureCall, gatewayOf, INVALID_CONFIGURATION } from './failures';
import { heartbeatWhile } from './heartbeats';
import { currentOwner, describeOwner, foreignNames, isOwnedBy } from './ownership';
import type { CleanupInput } from './types';

/**
 * Deletes the group and its deployment; Azure takes 30–90 s (or more), which is waited for.
 * A missing group counts as deleted. Another run's group is left alone (see ownedGroup).
 */
export function deleteContainerGroupActivity(gatewayFor: GatewayFor) {
  return retryingEveryFailure(async function deleteContainerGroup(input: CleanupInput): Promise<void> {
    const options = cleanupOptions(input);
    const gateway = gatewayOf(gatewayFor, input.target);
    const group = await ownedGroup(gateway, input);
    if (group === 'foreign') return;
    const { target } = input;
    // With no group whose tags vouch for the names, delete the deployment only if it is this
    // run's by name: the input may be hostile, and its deploy refused it before creating anything.
    const deploymentName = group || foreignNames(input, target).length === 0 ? target.deploymentName : undefined;
    await heartbeatWhile(azureCall(() => gateway.deleteContainerGroup({ ...target, deploymentName }, options)));
  });
}

/** keep_container_group: stop the group (no more billing) but leave it for inspection. */
export function stopContainerGroupActivity(gatewayFor: GatewayFor) {
  return retryingEveryFailure(async function stopContainerGroup(input: CleanupInput): Promise<void> {
    const options = cleanupOptions(input);
    const gateway = gatewayOf(gatewayFor, input.target);
    const group = await ownedGroup(gateway, input);
    // Nothing to stop if a failed deployment never created it, someone removed it, or it is not ours.
    if (!group || group === 'foreign') return;
    await heartbeatWhile(azureCall(() => gateway.stopContainerGroup(input.target, options)));
  });
}

/**
 * Cancels the run's ARM deployment when a cancel arrives while it is deploying, so the run
 * need not wait for it; cleanup then deletes whatever it had created. A deployment that
 * finished or never started is fine: the deploy activity, which the workflow waits for,
 * cancels one it starts after this ran.
 */
export function cancelDeploymentActivity(gatewayFor: GatewayFor) {
  return async function cancelDeployment(input: CleanupInput): Promise<CancelDeploymentOutcome | 'foreign'> {
    const context = Context.current();
    // Names that are not this run's came from a hostile or hand-made input: its deploy refused them.
    if (foreignNames(input, input.target).length > 0) return 'foreign';
    const gateway = gatewayOf(gatewayFor, input.target);
    const outcome = await azureCall(() => gateway.cancelDeployment(input.target, { abortSignal: context.cancellationSignal, priority: ARM_PRIORITY.cancel }));
    context.log.info('Cancelled the deployment of a cancelled flow run', { deployment: input.target.deploymentName, outcome });
    return outcome;
  };
}

/**
 * A cancelled run's cleanup goes ahead of routine cleanups, which go ahead of new deployments,
 * when their ARM requests wait for the subscription's budget (docs/design.md, "ARM budget and polling").
 */
function cleanupOptions(input: CleanupInput): OperationOptions {
  return { abortSignal: Context.current().cancellationSignal, priority: input.cancelled ? ARM_PRIORITY.cancel : ARM_PRIORITY.cleanup };
}

/**
 * Cleanup failures are all worth retrying with backoff, inside the activity's retry policy
 * and up to its schedule-to-close timeout (cleanup_timeout_seconds), so a failing cleanup
 * adds no history events: an AuthorizationFailed delete may succeed once a role assignment
 * propagates, a conflict once Azure finishes what it was doing.
 */
function retryingEveryFailure<A extends unknown[]>(activity: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  return async (...args: A): Promise<void> => {
    try {
      await activity(...args);
    } catch (err) {
      if (err instanceof CancelledFailure || !(err instanceof ApplicationFailure) || !err.nonRetryable) throw err;
      // The run's credential cannot be built (its client secret does not resolve): no call can
      // succeed, so the run ends now with cleanup abandoned, naming the field, not in a day.
      if (err.type === INVALID_CONFIGURATION) throw err;
      throw ApplicationFailure.create({
        type: err.type ?? undefined,
        message: err.message,
        details: err.details ? [...err.details] : undefined,
        nextRetryDelay: err.nextRetryDelay ?? undefined,
        cause: err.cause,
      });
    }
  };
}

/**
 * The run's group, undefined when it does not exist, or 'foreign' when a group of that name
 * is tagged for another run (or not at all): cleanup never deletes or stops that one;
 * 'deployed' when this run's deploy vouched for it (CleanupInput.deployed), unread. Tags,
 * not a recomputation of the names, decide, so a later change of the naming rules cannot
 * change what an old run cleans up.
 */
async function ownedGroup(gateway: AciGateway, input: CleanupInput): Promise<ContainerGroupView | 'foreign' | 'deployed' | undefined> {
  const context = Context.current();
  // The run's own deploy checked the tags before deploying or adopting: no need to read them again.
  if (input.deployed) return 'deployed';
  // Heartbeating: under load this read waits for the ARM budget longer than the heartbeat timeout.
  const group = await heartbeatWhile(azureCall(() => gateway.getContainerGroup(input.target, { ...cleanupOptions(input), purpose: 'ownership' })));
  if (!group) return undefined;
  if (isOwnedBy(currentOwner(input.flowRunId), group.tags)) return group;
  context.log.warn('Container group belongs to another flow run; cleanup leaves it alone', {
    containerGroup: input.target.containerGroupName,
    owner: describeOwner(group.tags),
  });
  return 'foreign';
}
