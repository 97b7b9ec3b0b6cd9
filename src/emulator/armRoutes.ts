import { containerGroupSummaryView, containerGroupView } from './containerGroup';
import { formatLogs } from './containers/types';
import { deploymentId, deploymentOperationsView, deploymentView } from './deployment';
import { ArmError, resourceNotFound } from './errors';
import { describeIssues } from './faults';
import type { RequestContext, Route } from './http';
import type { EmulatorState } from './state';
import { DeploymentBodySchema } from './template/materialize';

const RG = ['subscriptions', ':subscriptionId', 'resourceGroups', ':resourceGroup'];
const DEPLOYMENT = [...RG, 'providers', 'Microsoft.Resources', 'deployments', ':name'];
const GROUPS_IN_RG = [...RG, 'providers', 'Microsoft.ContainerInstance', 'containerGroups'];
const GROUP = [...GROUPS_IN_RG, ':name'];
const ACI_LOCATION = ['subscriptions', ':subscriptionId', 'providers', 'Microsoft.ContainerInstance', 'locations', ':location'];

/** The subset of ARM the two SDKs use, per the published REST API (ContainerInstance 2023-05-01, Resources deployments). */
export function armRoutes(state: EmulatorState): Route[] {
  return [
    {
      pattern: RG,
      methods: {
        GET: { kind: 'resourceGroups.get', handle: ({ params }) => ({ status: 200, body: resourceGroupView(state, params) }) },
        PUT: {
          kind: 'resourceGroups.put',
          handle: ({ params }) => {
            state.createResourceGroup(params.resourceGroup);
            return { status: 201, body: resourceGroupView(state, params) };
          },
        },
      },
    },
    {
      pattern: DEPLOYMENT,
      methods: {
        PUT: {
          kind: 'deployments.put',
          handle: (context) => {
            const { params } = context;
            const parsed = DeploymentBodySchema.safeParse(context.body);
            if (!parsed.success) {
              throw new ArmError(400, 'InvalidRequestContent', `The request content was invalid and could not be deserialized: ${describeIssues(parsed.error)}. Send { properties: { mode, template, parameters } }.`);
            }
            const { created, record } = state.putDeployment(params.subscriptionId, params.resourceGroup, params.name, parsed.data);
            const headers: Record<string, string> =
              record.provisioningState === 'Running'
                ? { 'Azure-AsyncOperation': `${context.baseUrl}${deploymentId(record)}/operationStatuses/${record.operationId}?api-version=${context.apiVersion}` }
                : {};
            return { status: created ? 201 : 200, body: deploymentView(record), headers };
          },
        },
        GET: {
          kind: 'deployments.get',
          handle: ({ params }) => ({ status: 200, body: deploymentView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.name)) }),
        },
        HEAD: {
          kind: 'deployments.checkExistence',
          handle: ({ params }) => {
            state.getDeployment(params.subscriptionId, params.resourceGroup, params.name);
            return { status: 204 };
          },
        },
        DELETE: {
          kind: 'deployments.delete',
          handle: ({ params, baseUrl, apiVersion }) => {
            if (!state.deleteDeployment(params.subscriptionId, params.resourceGroup, params.name)) return { status: 204 };
            // the record is gone at once, so the Location answers 204 on the first poll
            const location = `${baseUrl}/subscriptions/${params.subscriptionId}/operationresults/deployment-deleted?api-version=${apiVersion}`;
            return { status: 202, headers: { Location: location } };
          },
        },
      },
    },
    {
      pattern: ['subscriptions', ':subscriptionId', 'operationresults', ':operationId'],
      methods: { GET: { kind: 'deployments.deleteResult', handle: () => ({ status: 204 }) } },
    },
    {
      pattern: [...RG, 'providers', 'Microsoft.Resources', 'deployments'],
      methods: {
        GET: {
          kind: 'deployments.list',
          handle: ({ params }) => ({ status: 200, body: { value: state.listDeployments(params.subscriptionId, params.resourceGroup).map(deploymentView) } }),
        },
      },
    },
    {
      // the published API serves deployment operations without the provider segment
      pattern: [...RG, 'deployments', ':name', 'operations'],
      methods: {
        GET: {
          kind: 'deployments.operations',
          handle: ({ params }) => ({ status: 200, body: { value: deploymentOperationsView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.name)) } }),
        },
      },
    },
    {
      pattern: [...RG, 'deployments', ':name', 'operations', ':operationId'],
      methods: {
        GET: {
          kind: 'deployments.operations',
          handle: ({ params }) => {
            const operations = deploymentOperationsView(state.getDeployment(params.subscriptionId, params.resourceGroup, params.name));
            const operation = operations.find((op) => op.operationId.toLowerCase() === params.operationId.toLowerCase());
            if (!operation) throw new ArmError(404, 'DeploymentOperationNotFound', `Operation '${params.operationId}' of deployment '${params.name}' could not be found.`);
            return { status: 200, body: operation };
          },
        },
      },
    },
    {
      pattern: [...DEPLOYMENT, 'operationStatuses', ':operationId'],
      methods: { GET: { kind: 'deployments.operationStatus', handle: ({ params }) => ({ status: 200, body: state.operationStatus(params.operationId) }) } },
    },
    {
      pattern: ['subscriptions', ':subscriptionId', 'providers', 'Microsoft.ContainerInstance', 'containerGroups'],
      methods: {
        GET: {
          kind: 'containerGroups.listBySubscription',
          handle: ({ params }) => ({ status: 200, body: { value: state.listGroups(params.subscriptionId).map((g) => containerGroupSummaryView(g, Date.now())) } }),
        },
      },
    },
    {
      pattern: GROUPS_IN_RG,
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
      methods: {
        GET: {
          kind: 'containerGroups.get',
          handle: ({ params }) => ({ status: 200, body: containerGroupView(state.getGroup(params.subscriptionId, params.resourceGroup, params.name), Date.now()) }),
        },
        DELETE: { kind: 'containerGroups.delete', handle: (context) => deleteContainerGroup(state, context) },
      },
    },
    {
      pattern: [...GROUP, 'stop'],
      methods: {
        POST: {
          kind: 'containerGroups.stop',
          handle: ({ params }) => {
            state.stopGroup(params.subscriptionId, params.resourceGroup, params.name);
            return { status: 204 };
          },
        },
      },
    },
    {
      pattern: [...GROUP, 'containers', ':container', 'logs'],
      methods: { GET: { kind: 'containerGroups.logs', handle: (context) => containerLogs(state, context) } },
    },
    {
      pattern: [...ACI_LOCATION, 'operations', ':operationId'],
      methods: { GET: { kind: 'containerGroups.operationStatus', handle: ({ params }) => ({ status: 200, body: state.operationStatus(params.operationId) }) } },
    },
    {
      pattern: [...ACI_LOCATION, 'operationResults', ':operationId'],
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

function resourceGroupView(state: EmulatorState, params: Record<string, string>): Record<string, unknown> {
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
  const outcome = state.deleteGroup(params.subscriptionId, params.resourceGroup, params.name);
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

/** ACI's async operations live under the region, not the group. */
function aciLocationUrl(baseUrl: string, subscriptionId: string, location: string): string {
  return `${baseUrl}/subscriptions/${subscriptionId}/providers/Microsoft.ContainerInstance/locations/${location}`;
}

function containerLogs(state: EmulatorState, { params, query }: RequestContext) {
  const group = state.getGroup(params.subscriptionId, params.resourceGroup, params.name);
  const container = group.containers.find((c) => c.name.toLowerCase() === params.container.toLowerCase());
  if (!container) {
    throw resourceNotFound('Microsoft.ContainerInstance/containerGroups/containers', params.resourceGroup, `${params.name}/${params.container}`);
  }
  const tailText = query.get('tail');
  const tail = tailText === null ? undefined : Number(tailText);
  if (tail !== undefined && (!Number.isInteger(tail) || tail < 0)) {
    throw new ArmError(400, 'InvalidRequestParameter', `The query parameter 'tail' must be a non-negative integer, got '${tailText}'.`);
  }
  const timestamps = (query.get('timestamps') ?? 'false').toLowerCase() === 'true';
  return { status: 200, body: { content: formatLogs(container.logs(Date.now(), tail), timestamps) } };
}
