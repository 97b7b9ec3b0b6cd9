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
  location: string;
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
  /** As the caller sent it: what exportTemplate hands out. */
  template: Record<string, unknown>;
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
      parameters: parametersView(record),
      mode: record.mode,
      provisioningState: record.provisioningState,
      timestamp: new Date(record.finishedAt ?? record.startedAt).toISOString(),
      duration: isoDuration((record.finishedAt ?? Date.now()) - record.startedAt),
      correlationId: record.correlationId,
      outputs: {},
      providers: providersView(record.operations),
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

/** As ARM summarizes what a deployment deploys: each provider's resource types with their locations (the emulator deploys container groups only). */
function providersView(operations: ResourceOperation[]): Array<{ namespace: string; resourceTypes: Array<{ resourceType: string; locations: string[] }> }> {
  if (operations.length === 0) return [];
  return [
    {
      namespace: 'Microsoft.ContainerInstance',
      resourceTypes: [{ resourceType: 'containerGroups', locations: [...new Set(operations.map((op) => op.location))] }],
    },
  ];
}

const CANONICAL_PARAMETER_TYPES = ['String', 'SecureString', 'Int', 'Bool', 'Object', 'SecureObject', 'Array'];

/**
 * As ARM shows a deployment's parameters: each with its declared type, and the value only when
 * the type is not secure — a secureString or secureObject parameter is never given back.
 */
function parametersView(record: DeploymentRecord): Record<string, { type: string; value?: unknown }> {
  const declared = isObject(record.template.parameters) ? record.template.parameters : {};
  const view: Record<string, { type: string; value?: unknown }> = {};
  for (const [name, supplied] of Object.entries(record.parameters)) {
    const declaration = Object.entries(declared).find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1];
    const declaredType = isObject(declaration) && typeof declaration.type === 'string' ? declaration.type : 'String';
    // ARM answers with its canonical spelling whatever case the template used (`securestring` → `SecureString`).
    const type = CANONICAL_PARAMETER_TYPES.find((canonical) => canonical.toLowerCase() === declaredType.toLowerCase()) ?? declaredType;
    const secure = type.toLowerCase().startsWith('secure');
    view[name] = secure ? { type } : { type, value: isObject(supplied) ? supplied.value : undefined };
  }
  return view;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function isoDuration(ms: number): string {
  return `PT${(Math.max(0, ms) / 1000).toFixed(3)}S`;
}
