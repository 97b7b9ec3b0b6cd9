import { Context } from '@temporalio/activity';
import type { AciGateway } from '../azure/gateway';
import { azureCall } from './failures';
import { heartbeatWhile } from './heartbeats';
import type { FlowRunTarget } from './types';

/** Deletes the group and its deployment; Azure takes 30–90 s (or more), which is waited for. A missing group counts as deleted. */
export function deleteContainerGroupActivity(gateway: AciGateway) {
  return async function deleteContainerGroup(target: FlowRunTarget): Promise<void> {
    const { cancellationSignal } = Context.current();
    await heartbeatWhile(
      azureCall(() => gateway.deleteContainerGroup(target, { abortSignal: cancellationSignal })),
    );
  };
}

/** keep_container_group: stop the group (no more billing) but leave it for inspection. */
export function stopContainerGroupActivity(gateway: AciGateway) {
  return async function stopContainerGroup(target: FlowRunTarget): Promise<void> {
    const { cancellationSignal } = Context.current();
    const group = await azureCall(() => gateway.getContainerGroup(target, { abortSignal: cancellationSignal }));
    // Nothing to stop if a failed deployment never created it, or someone removed it.
    if (!group) return;
    await heartbeatWhile(azureCall(() => gateway.stopContainerGroup(target, { abortSignal: cancellationSignal })));
  };
}
