import type { ArmErrorDetail } from './errors';

export const DEPLOYMENT_RESOURCE_TYPE = 'Microsoft.Resources/deployments';

export type ProvisioningState = 'Running' | 'Succeeded' | 'Failed' | 'Canceled';

export interface DeploymentError {
  code: string;
  message: string;
  details: ArmErrorDetail[];
}

/** What happened to one template resource, served as a deployment operation. */
export interface ResourceOperation {
  operationId: string;
  resourceName: string;
  resourceId: string;
  provisioningState: ProvisioningState;
  statusCode: string;
  error?: { code: string; message: string };
  timestamp: string;
}

export interface DeploymentRecord {
  subscriptionId: string;
  resourceGroup: string;
  name: string;
  /** Identifies the template + parameters, so an identical PUT adopts instead of redeploying. */
  contentHash: string;
  parameters: Record<string, unknown>;
  mode: string;
  tags: Record<string, string>;
  correlationId: string;
  startedAt: number;
  finishedAt?: number;
  provisioningState: ProvisioningState;
  error?: DeploymentError;
  operationId: string;
  operations: ResourceOperation[];
  /** Ends the deployment when `deploymentDelayMs` has passed; cleared by a cancel. */
  finishTimer?: NodeJS.Timeout;
}

export function deploymentId(record: Pick<DeploymentRecord, 'subscriptionId' | 'resourceGroup' | 'name'>): string {
  return `/subscriptions/${record.subscriptionId}/resourceGroups/${record.resourceGroup}/providers/${DEPLOYMENT_RESOURCE_TYPE}/${record.name}`;
}

export function deploymentView(record: DeploymentRecord): Record<string, unknown> {
  const id = deploymentId(record);
  return {
    id,
    name: record.name,
    type: DEPLOYMENT_RESOURCE_TYPE,
    tags: record.tags,
    properties: {
      templateHash: record.contentHash,
      parameters: record.parameters,
      mode: record.mode,
      provisioningState: record.provisioningState,
      timestamp: new Date(record.finishedAt ?? record.startedAt).toISOString(),
      duration: isoDuration((record.finishedAt ?? Date.now()) - record.startedAt),
      correlationId: record.correlationId,
      outputs: {},
      outputResources: record.operations.filter((op) => op.provisioningState === 'Succeeded').map((op) => ({ id: op.resourceId })),
      ...(record.error ? { error: record.error } : {}),
    },
  };
}

export function deploymentOperationsView(record: DeploymentRecord): Array<{ operationId: string } & Record<string, unknown>> {
  const id = deploymentId(record);
  return record.operations.map((op) => ({
    id: `${id}/operations/${op.operationId}`,
    operationId: op.operationId,
    properties: {
      provisioningOperation: 'Create',
      provisioningState: op.provisioningState,
      timestamp: op.timestamp,
      duration: isoDuration((record.finishedAt ?? Date.now()) - record.startedAt),
      serviceRequestId: record.correlationId,
      statusCode: op.statusCode,
      ...(op.error ? { statusMessage: { status: 'Failed', error: op.error } } : {}),
      targetResource: { id: op.resourceId, resourceType: 'Microsoft.ContainerInstance/containerGroups', resourceName: op.resourceName },
    },
  }));
}

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`;
}
