/**
 * The container-group calls beyond what a deployment needs — direct PUT (`az container create`,
 * Terraform), PATCH of tags, start and restart — per the published ContainerInstance API.
 */
import { z } from 'zod';
import { containerGroupView } from './containerGroup';
import { validateContainerGroup } from './containerGroupSpec';
import { ArmError } from './errors';
import { describeIssues } from './faults';
import type { HandlerResult, RequestContext } from './http';
import type { EmulatorState } from './state';

const TagsSchema = z.record(z.string(), z.string());
const ContainerGroupBodySchema = z
  .object({ location: z.string().min(1).optional(), tags: TagsSchema.optional(), zones: z.array(z.string()).optional(), properties: z.unknown() })
  .loose();
const PatchBodySchema = z.object({ tags: TagsSchema.optional() }).loose();

/** ACI's async operations live under the region, not the group. */
export function aciLocationUrl(baseUrl: string, subscriptionId: string, location: string): string {
  return `${baseUrl}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${location}`;
}

export function putContainerGroup(state: EmulatorState, { params, body, baseUrl, apiVersion }: RequestContext): HandlerResult {
  const parsed = ContainerGroupBodySchema.safeParse(body);
  if (!parsed.success) throw invalidContent(describeIssues(parsed.error), '{ location, tags?, properties: { containers, osType, ... } }');
  const resource = {
    type: 'Microsoft.ContainerInstance/containerGroups',
    name: params.groupName.toLowerCase(),
    location: parsed.data.location ?? state.location,
    tags: parsed.data.tags ?? {},
    properties: parsed.data.properties,
  };
  const spec = { ...asDirectCall(() => validateContainerGroup(resource, resource.name)), ...(parsed.data.zones ? { zones: parsed.data.zones } : {}) };
  const { created, record, operationId } = state.putGroup(params.subscriptionId, params.resourceGroup, spec);
  return {
    status: created ? 201 : 200,
    body: containerGroupView(record, Date.now()),
    headers: {
      'Azure-AsyncOperation': `${aciLocationUrl(baseUrl, params.subscriptionId, record.spec.location)}/operations/${operationId}?api-version=${apiVersion}`,
    },
  };
}

export function patchContainerGroup(state: EmulatorState, { params, body }: RequestContext): HandlerResult {
  const parsed = PatchBodySchema.safeParse(body ?? {});
  if (!parsed.success) throw invalidContent(describeIssues(parsed.error), '{ tags: { name: value } }');
  const record = state.getGroup(params.subscriptionId, params.resourceGroup, params.groupName);
  return {
    status: 200,
    body: containerGroupView(state.tagGroup(params.subscriptionId, params.resourceGroup, params.groupName, parsed.data.tags ?? record.spec.tags), Date.now()),
  };
}

/** 202 when a stopped group starts again, 204 when it is already running or starting (the spec's two answers). */
export function startContainerGroup(state: EmulatorState, { params, baseUrl, apiVersion }: RequestContext): HandlerResult {
  const operationId = state.restartGroup(params.subscriptionId, params.resourceGroup, params.groupName, true);
  if (!operationId) return { status: 204 };
  const record = state.getGroup(params.subscriptionId, params.resourceGroup, params.groupName);
  return {
    status: 202,
    headers: {
      'Azure-AsyncOperation': `${aciLocationUrl(baseUrl, params.subscriptionId, record.spec.location)}/operations/${operationId}?api-version=${apiVersion}`,
    },
  };
}

export function restartContainerGroup(state: EmulatorState, { params }: RequestContext): HandlerResult {
  state.restartGroup(params.subscriptionId, params.resourceGroup, params.groupName, false);
  return { status: 204 };
}

/** Preflight reports template errors; a direct call gets the inner ACI error itself, as ACI answers it. */
function asDirectCall<T>(validate: () => T): T {
  try {
    return validate();
  } catch (error) {
    const inner = error instanceof ArmError && error.code === 'InvalidTemplateDeployment' ? error.details[0] : undefined;
    if (inner) throw new ArmError(400, inner.code, inner.message);
    throw error;
  }
}

function invalidContent(issues: string, shape: string): ArmError {
  return new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${issues}. Send ${shape}.`);
}
