/** Translation of the ACI SDK's container group model into the gateway's plain, serialisable view. */
import type { ContainerGroup } from '@azure/arm-containerinstance';
import type { ContainerEvent, ContainerGroupSummary, ContainerGroupView, ContainerState } from './gateway';

type SdkContainerState = NonNullable<NonNullable<ContainerGroup['containers'][number]['instanceView']>['currentState']>;
type SdkEvent = NonNullable<NonNullable<ContainerGroup['instanceView']>['events']>[number];

// Views travel through Temporal payloads and heartbeats, so dates become ISO strings.
function isoTime(value: Date | string | undefined): string | undefined {
  if (value === undefined) return undefined;
  return value instanceof Date ? value.toISOString() : value;
}

function toState(state: SdkContainerState | undefined): ContainerState | undefined {
  if (!state?.state) return undefined;
  return {
    state: state.state,
    detailStatus: state.detailStatus,
    exitCode: state.exitCode,
    startTime: isoTime(state.startTime),
    finishTime: isoTime(state.finishTime),
  };
}

function toEvents(events: SdkEvent[] | undefined): ContainerEvent[] {
  return (events ?? []).map((event) => ({
    type: event.type,
    name: event.name,
    message: event.message,
    count: event.count,
    firstTimestamp: isoTime(event.firstTimestamp),
    lastTimestamp: isoTime(event.lastTimestamp),
  }));
}

export function toContainerGroupView(group: ContainerGroup): ContainerGroupView {
  return {
    name: group.name ?? '',
    id: group.id,
    provisioningState: group.provisioningState,
    state: group.instanceView?.state,
    tags: { ...(group.tags ?? {}) },
    containers: group.containers.map((container) => ({
      name: container.name,
      currentState: toState(container.instanceView?.currentState),
      previousState: toState(container.instanceView?.previousState),
      restartCount: container.instanceView?.restartCount,
      events: toEvents(container.instanceView?.events),
    })),
    events: toEvents(group.instanceView?.events),
  };
}

/** `/subscriptions/{s}/resourceGroups/{rg}/providers/...` → `{rg}` (ARM ids are case-insensitive). */
export function resourceGroupFromId(id: string | undefined): string | undefined {
  return id?.match(/\/resourceGroups\/([^/]+)/i)?.[1];
}

export function toContainerGroupSummary(group: ContainerGroup, fallbackResourceGroup?: string): ContainerGroupSummary {
  return {
    name: group.name ?? '',
    resourceGroupName: resourceGroupFromId(group.id) ?? fallbackResourceGroup ?? '',
    provisioningState: group.provisioningState,
    tags: { ...(group.tags ?? {}) },
  };
}
