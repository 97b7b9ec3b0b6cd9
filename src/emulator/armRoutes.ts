import { containerGroupSummaryView, containerGroupView } from './containerGroup';
import { aciLocationUrl, patchContainerGroup, putContainerGroup, restartContainerGroup, startContainerGroup } from './containerGroupRoutes';
import { formatLogs } from './containers/types';
import { deploymentId, deploymentOperationsView, deploymentView } from './deployment';
import { ArmError, resourceNotFound } from './errors';
import { describeIssues } from './faults';
import type { RouteApi } from './apiVersions';
import type { Handler, PathParams, RequestContext, Route } from './http';
import type { EmulatorState } from './state';
import { DeploymentBodySchema } from './template/materialize';

const RG = ['subscriptions', ':subscriptionId', 'resourceGroups', ':resourceGroup'];
const DEPLOYMENT = [...RG, 'providers', 'Microsoft.Resources', 'deployments', ':deploymentName'];
const GROUPS_IN_RG = [...RG, 'providers', 'Microsoft.ContainerInstance', 'containerGroups'];
const GROUP = [...GROUPS_IN_RG, ':groupName'];

const RESOURCE_GROUPS: RouteApi = { namespace: 'Microsoft.Resources', resourceType: 'resourceGroups' };
const DEPLOYMENTS: RouteApi = { namespace: 'Microsoft.Resources', resourceType: 'deployments' };
const CONTAINER_GROUPS: RouteApi = { namespace: 'Microsoft.ContainerInstance', resourceType: 'containerGroups' };
const ACI_OPERATIONS: RouteApi = { namespace: 'Microsoft.ContainerInstance', resourceType: 'locations/operations' };
const ACI_LOCATION = ['subscriptions', ':subscriptionId', 'providers', 'Microsoft.ContainerInstance', 'locations', ':location'];

/** An action on a resource (`POST …/cancel`, `…/start`): one method, counted under `kind`. */
function postAction(api: RouteApi, pattern: string[], kind: string, handle: Handler): Route {
  return { pattern, api, methods: { POST: { kind, handle } } };
}

/** A handler that acts on the resource (or throws ARM's error, e.g. 404) and answers 204 No Content. */
function noContent(act: (params: PathParams) => unknown): Handler {
  return ({ params }) => {
    act(params);
    return { status: 204 };
  };
}

/** The subset of ARM the two SDKs use, per the published REST API (ContainerInstance 2023-05-01, Resources deployments). */
export function armRoutes(state: EmulatorState): Route[] {
  return [
    {
      pattern: RG,
      api: RESOURCE_GROUPS,
      methods: {
        GET: { kind: 'resourceGroups.get', handle: ({ params }) => ({ status: 200, body: resourceGroupView(state, params) }) },
        PUT: {
          kind: 'resourceGroups.put',
          handle: ({ params }) => {
            const created = state.createResourceGroup(params.resourceGroup);
            return { status: created ? 201 : 200, body: resourceGroupView(state, params) };
          },
        },
      },
    },
    {
      pattern: DEPLOYMENT,
      api: DEPLOYMENTS,
      methods: {
        PUT: {
          kind: 'deployments.put',
          handle: (context) => {
            const { params } = context;
            const parsed = DeploymentBodySchema.safeParse(context.body);
            if (!parsed.success) {
              throw new ArmError(
                400,
                'InvalidRequestContent',
                `The request content was invalid and could not be deserialized: ${describeIssues(parsed.error)}. Send { properties: { mode, template, parameters } }.`,
              );
            }
            const { created, record } = state.putDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName, parsed.data);
            const headers: Record<string, string> =
              record.provisioningState === 'Running'
                ? {
                    'Azure-AsyncOperation': `${context.baseUrl}${deploymentId(record)}/operationStatuses/${record.operationId}?api-version=${context.apiVersion}`,
                  }
                : {};
            return { status: created ? 201 : 200, body: deploymentView(record), headers };
          },
        },
        GET: {
          kind: 'deployments.get',
          handle: ({ params }) => ({
            status: 200,
            body: deploymentView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName)),
          }),
        },
        HEAD: {
          kind: 'deployments.checkExistence',
          handle: noContent((params) => state.getDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName)),
        },
        DELETE: {
          kind: 'deployments.delete',
          handle: ({ params, baseUrl, apiVersion }) => {
            if (!state.deleteDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName)) return { status: 204 };
            // the record is gone at once, so the Location answers 204 on the first poll
            const location = `${baseUrl}/subscriptions/${params.subscriptionId}/operationresults/deployment-deleted?api-version=${apiVersion}`;
            return { status: 202, headers: { Location: location } };
          },
        },
      },
    },
    postAction(
      DEPLOYMENTS,
      [...DEPLOYMENT, 'cancel'],
      'deployments.cancel',
      noContent((params) => state.cancelDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName)),
    ),
    // the template as the caller sent it, expressions unevaluated: what ARM keeps in its history
    postAction(DEPLOYMENTS, [...DEPLOYMENT, 'exportTemplate'], 'deployments.exportTemplate', ({ params }) => ({
      status: 200,
      body: { template: state.getDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName).template },
    })),
    {
      pattern: ['subscriptions', ':subscriptionId', 'operationresults', ':operationId'],
      api: DEPLOYMENTS,
      methods: { GET: { kind: 'deployments.deleteResult', handle: () => ({ status: 204 }) } },
    },
    {
      pattern: [...RG, 'providers', 'Microsoft.Resources', 'deployments'],
      api: DEPLOYMENTS,
      methods: {
        GET: {
          kind: 'deployments.list',
          handle: ({ params }) => ({ status: 200, body: { value: state.listDeployments(params.subscriptionId, params.resourceGroup).map(deploymentView) } }),
        },
      },
    },
    {
      // the published API serves deployment operations without the provider segment
      pattern: [...RG, 'deployments', ':deploymentName', 'operations'],
      api: DEPLOYMENTS,
      methods: {
        GET: {
          kind: 'deployments.operations',
          handle: ({ params }) => ({
            status: 200,
            body: { value: deploymentOperationsView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName)) },
          }),
        },
      },
    },
    {
      pattern: [...RG, 'deployments', ':deploymentName', 'operations', ':operationId'],
      api: DEPLOYMENTS,
      methods: {
        GET: {
          kind: 'deployments.operations',
          handle: ({ params }) => {
            const operations = deploymentOperationsView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.deploymentName));
            const operation = operations.find((op) => op.operationId.toLowerCase() === params.operationId.toLowerCase());
            if (!operation)
              throw new ArmError(
                404,
                'DeploymentOperationNotFound',
                `Operation '${params.operationId}' of deployment '${params.deploymentName}' could not be found.`,
              );
            return { status: 200, body: operation };
          },
        },
      },
    },
    operationStatusRoute(
      state,
      DEPLOYMENTS,
      [...DEPLOYMENT, 'operationStatuses', ':operationId'],
      'deployments.operationStatus',
      (params) =>
        `${deploymentId({ subscriptionId: params.subscriptionId, resourceGroup: params.resourceGroup, name: params.deploymentName })}/operationStatuses`,
    ),
    {
      pattern: ['subscriptions', ':subscriptionId', 'providers', 'Microsoft.ContainerInstance', 'containerGroups'],
      api: CONTAINER_GROUPS,
      methods: {
        GET: {
          kind: 'containerGroups.listBySubscription',
          handle: ({ params }) => ({
            status: 200,
            body: { value: state.listGroups(params.subscriptionId).map((g) => containerGroupSummaryView(g, Date.now())) },
          }),
        },
      },
    },
    {
      pattern: GROUPS_IN_RG,
      api: CONTAINER_GROUPS,
      methods: {
        GET: {
          kind: 'containerGroups.list',
          handle: ({ params }) => ({
            status: 200,
            body: { value: state.listGroups(params.subscriptionId, params.resourceGroup).map((g) => containerGroupSummaryView(g, Date.now())) },
          }),
        },
      },
    },
    {
      pattern: GROUP,
      api: CONTAINER_GROUPS,
      methods: {
        GET: {
          kind: 'containerGroups.get',
          handle: ({ params }) => ({
            status: 200,
            body: containerGroupView(state.getGroup(params.subscriptionId, params.resourceGroup, params.groupName), Date.now()),
          }),
        },
        PUT: { kind: 'containerGroups.put', handle: (context) => putContainerGroup(state, context) },
        PATCH: { kind: 'containerGroups.patch', handle: (context) => patchContainerGroup(state, context) },
        DELETE: { kind: 'containerGroups.delete', handle: (context) => deleteContainerGroup(state, context) },
      },
    },
    postAction(CONTAINER_GROUPS, [...GROUP, 'start'], 'containerGroups.start', (context) => startContainerGroup(state, context)),
    postAction(CONTAINER_GROUPS, [...GROUP, 'restart'], 'containerGroups.restart', (context) => restartContainerGroup(state, context)),
    postAction(
      CONTAINER_GROUPS,
      [...GROUP, 'stop'],
      'containerGroups.stop',
      noContent((params) => state.stopGroup(params.subscriptionId, params.resourceGroup, params.groupName)),
    ),
    {
      pattern: [...GROUP, 'containers', ':containerName', 'logs'],
      api: CONTAINER_GROUPS,
      methods: { GET: { kind: 'containerGroups.logs', handle: (context) => containerLogs(state, context) } },
    },
    operationStatusRoute(
      state,
      ACI_OPERATIONS,
      [...ACI_LOCATION, 'operations', ':operationId'],
      'containerGroups.operationStatus',
      (params) => `/subscriptions/${params.subscriptionId}/providers/Microsoft.ContainerInstance/locations/${params.location}/operations`,
    ),
    {
      pattern: [...ACI_LOCATION, 'operationResults', ':operationId'],
      api: ACI_OPERATIONS,
      methods: {
        GET: {
          kind: 'containerGroups.operationResult',
          handle: ({ params, baseUrl, apiVersion }) => {
            if (state.operationStatus(params.operationId).status !== 'Running') return { status: 204 };
            const self = `${aciLocationUrl(baseUrl, params.subscriptionId, params.location)}/operationResults/${params.operationId}?api-version=${apiVersion}`;
            return { status: 202, headers: { Location: self } };
          },
        },
      },
    },
  ];
}

/** An async operation's status; its `id` is the fully qualified id of the status resource, as ARM's OperationStatusResult has it. */
/** An Azure-AsyncOperation status (GET): the operation's state, its id under `statusCollection` (which differs by provider). */
function operationStatusRoute(state: EmulatorState, api: RouteApi, pattern: string[], kind: string, statusCollection: (params: PathParams) => string): Route {
  const handle: Handler = ({ params }) => {
    const status = state.operationStatus(params.operationId);
    return { status: 200, body: { ...status, id: `${statusCollection(params)}/${status.name}` } };
  };
  return { pattern, api, methods: { GET: { kind, handle } } };
}

function resourceGroupView(state: EmulatorState, params: PathParams): Record<string, unknown> {
  state.requireResourceGroup(params.resourceGroup);
  return {
    id: `/subscriptions/${params.subscriptionId}/resourceGroups/${params.resourceGroup}`,
    name: params.resourceGroup,
    type: 'Microsoft.Resources/resourceGroups',
    location: state.location,
    properties: { provisioningState: 'Succeeded' },
  };
}

function deleteContainerGroup(state: EmulatorState, { params, baseUrl, apiVersion }: RequestContext) {
  const outcome = state.deleteGroup(params.subscriptionId, params.resourceGroup, params.groupName);
  if (outcome.kind === 'absent') return { status: 204 };
  if (outcome.kind === 'deleted') return { status: 200, body: containerGroupView(outcome.record, Date.now()) };
  const locationPath = aciLocationUrl(baseUrl, params.subscriptionId, outcome.record.spec.location);
  return {
    status: 202,
    headers: {
      'Azure-AsyncOperation': `${locationPath}/operations/${outcome.operationId}?api-version=${apiVersion}`,
      Location: `${locationPath}/operationResults/${outcome.operationId}?api-version=${apiVersion}`,
    },
  };
}

function containerLogs(state: EmulatorState, { params, query }: RequestContext) {
  const group = state.getGroup(params.subscriptionId, params.resourceGroup, params.groupName);
  const container = group.containers.find((c) => c.name.toLowerCase() === params.containerName.toLowerCase());
  if (!container) {
    throw resourceNotFound('Microsoft.ContainerInstance/containerGroups/containers', params.resourceGroup, `${params.groupName}/${params.containerName}`);
  }
  const tailText = query.get('tail');
  const tail = tailText === null ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new ArmError(400, 'InvalidRequestParameter', `The query parameter 'tail' must be a non-negative integer, got '${tailText}'.`);
  }
  const timestamps = (query.get('timestamps') ?? 'false').toLowerCase() === 'true';
  return { status: 200, body: { content: formatLogs(container.logs(Date.now(), tail), timestamps) } };
}
