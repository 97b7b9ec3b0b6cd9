import type { ContainerGroupSpec } from './containerGroupSpec';
import type { ContainerRuntime } from './containers/types';

export const CONTAINER_GROUP_RESOURCE_TYPE = 'Microsoft.ContainerInstance/containerGroups';

/** One container group the emulator created; kept after deletion so tests can count every group ever made. */
export interface ContainerGroupRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  spec: ContainerGroupSpec;
  containers: ContainerRuntime[];
  createdAt: number;
  provisioningState: 'Creating' | 'Succeeded' | 'Deleting';
  stopped: boolean;
  deleted: boolean;
  vanishTimer?: NodeJS.Timeout;
  /** Set while a slow delete is in progress. */
  deleteOperationId?: string;
}

export function containerGroupId(record: Pick<ContainerGroupRecord, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${record.subscriptionId}/resourceGroups/${record.resourceGroup}/providers/${CONTAINER_GROUP_RESOURCE_TYPE}/${record.name}`;
}

/** The group-level instance view state, derived from its containers as ACI reports it. */
export function groupState(record: ContainerGroupRecord, now: number): string {
  if (record.stopped) return 'Stopped';
  const states = record.containers.map((container) => container.instanceView(now).currentState);
  if (states.every((state) => state.state === 'Terminated')) {
    return states.every((state) => state.exitCode === 0) ? 'Succeeded' : 'Failed';
  }
  if (states.some((state) => state.state === 'Running')) return 'Running';
  return 'Pending';
}

/** GET shape: the template's properties plus instance views (secure values never echoed). */
export function containerGroupView(record: ContainerGroupRecord, now: number): Record<string, unknown> {
  return render(record, now, true);
}

/** List shape: Azure returns no instance views in lists. */
export function containerGroupSummaryView(record: ContainerGroupRecord, now: number): Record<string, unknown> {
  return render(record, now, false);
}

function render(record: ContainerGroupRecord, now: number, withInstanceView: boolean): Record<string, unknown> {
  const { containers, ...otherProperties } = record.spec.properties;
  return {
    id: containerGroupId(record),
    name: record.name,
    type: CONTAINER_GROUP_RESOURCE_TYPE,
    location: record.spec.location,
    ...(record.spec.zones ? { zones: record.spec.zones } : {}),
    tags: record.spec.tags,
    properties: {
      sku: 'Standard',
      osType: 'Linux',
      restartPolicy: 'Never',
      ...otherProperties,
      provisioningState: record.provisioningState,
      containers: containers.map((container, index) => ({
        ...container,
        properties: {
          ...container.properties,
          ...(withInstanceView ? { instanceView: record.containers[index]!.instanceView(now) } : {}),
        },
      })),
      initContainers: [],
      ...(withInstanceView ? { instanceView: { events: [], state: groupState(record, now) } } : {}),
    },
  };
}
