/**
 * The AciGateway over the real Azure SDKs: ARM deployments from @azure/arm-resources and
 * container groups from @azure/arm-containerinstance. Works unchanged against Azure, a
 * sovereign cloud or the local emulator (`endpoint` + `caCertPem`).
 *
 * Retries: the SDK pipeline retries 429 (after Retry-After), 5xx and connection errors a
 * few times (`retryOptions.maxRetries`, default 2) so short blips never reach the workflow;
 * anything longer surfaces as a retryable AzureError for the Temporal activity retry policy,
 * which owns the long backoff. There are no retry loops in this file.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ResourceManagementClient } from '@azure/arm-resources';
import { createPipelineRequest, isRestError, RestError, type PipelineRetryOptions } from '@azure/core-rest-pipeline';
import type { TokenCredential } from '@azure/identity';
import { armBudgetPolicy } from '../budget/armBudgetPolicy';
import { toContainerGroupSummary, toContainerGroupView } from './containerGroupView';
import { readDeploymentFailure } from './deploymentFailure';
import { AzureError, toAzureError, type AzureErrorContext } from './errors';
import {
  type AciGateway,
  type CancelDeploymentOutcome,
  type ContainerGroupRef,
  type ContainerGroupSummary,
  type ContainerGroupView,
  type DeleteRequest,
  type DeployOptions,
  type DeploymentRequest,
  type DeploymentRef,
  type DeploymentResult,
  type LogsRequest,
  type ManagedDeploymentSummary,
  type OperationOptions,
} from './gateway';
import { type AciFlowMetrics, type ArmPurpose, noopMetrics } from '../common/metrics';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../template/deployment';
import { DEPLOYMENT_NAME_PREFIX } from '../template/naming';
import type { ArmBudgetUsage, ArmRateLimiter } from '../budget/rateLimiter';
import { sleep } from '../common/clock';

export interface ArmGatewayOptions {
  credential: TokenCredential;
  /** ARM endpoint; defaults to https://management.azure.com. Set for sovereign clouds or the emulator. */
  endpoint?: string;
  /** Extra CA (PEM) to trust for `endpoint`, e.g. the emulator's self-signed CA. Replaces the default CAs. */
  caCertPem?: string;
  /** SDK pipeline retries per HTTP call (default: 2 retries, 1 s base delay, 10 s cap). */
  retryOptions?: Pick<PipelineRetryOptions, 'maxRetries' | 'retryDelayInMs' | 'maxRetryDelayInMs'>;
  userAgentPrefix?: string;
  /** The ARM request budget every request of this gateway waits for (createArmLimiter); share one to share a budget between gateways. */
  limiter: ArmRateLimiter;
  /** Counts ARM requests by class and outcome. */
  metrics?: AciFlowMetrics;
  /** Poll interval for deploy/delete long-running operations when Azure sends no Retry-After (SDK default 2 s). */
  pollIntervalMs?: number;
  /** How long a caller should wait before retrying deploy while an earlier attempt's deployment still runs. */
  activeDeploymentRetryAfterMs?: number;
}

/** @azure/core-lro's poll interval when neither Azure (Retry-After) nor the options set one. */
const SDK_LRO_INTERVAL_MS = 2000;
const DEFAULT_ARM_ENDPOINT = 'https://management.azure.com';
const DEFAULT_RETRY_OPTIONS = { maxRetries: 2, retryDelayInMs: 1000, maxRetryDelayInMs: 10_000 } as const;
const IN_PROGRESS_DEPLOYMENT_STATES = new Set(['Accepted', 'Running', 'Creating', 'Created', 'Updating', 'Waiting', 'Validating', 'Deleting']);

interface SubscriptionClients {
  resources: ResourceManagementClient;
  containerInstance: ContainerInstanceManagementClient;
}

function isNotFound(err: unknown): boolean {
  return isRestError(err) && err.statusCode === 404;
}

function groupResource(ref: ContainerGroupRef): string {
  return `container group '${ref.containerGroupName}' in resource group '${ref.resourceGroupName}'`;
}

function deploymentResource(resourceGroupName: string, deploymentName: string): string {
  return `deployment '${deploymentName}' in resource group '${resourceGroupName}'`;
}

export class ArmGateway implements AciGateway {
  private readonly clients = new Map<string, SubscriptionClients>();
  private readonly limiter: ArmRateLimiter;
  private readonly metrics: AciFlowMetrics;
  /** The priority and purpose of the operation a request belongs to, for the budget policy (which sees only the HTTP request). */
  private readonly operation = new AsyncLocalStorage<{ priority?: number; purpose: ArmPurpose }>();

  constructor(private readonly options: ArmGatewayOptions) {
    this.metrics = options.metrics ?? noopMetrics;
    this.limiter = options.limiter;
  }

  /** Requests granted, 429s seen and time spent waiting for the budget, per request kind. */
  armUsage(): ArmBudgetUsage {
    return this.limiter.usageSnapshot();
  }

  async deploy(request: DeploymentRequest, options: DeployOptions = {}): Promise<DeploymentResult> {
    const { subscriptionId, resourceGroupName, deploymentName } = request;
    const context = { operation: 'deploy', resource: deploymentResource(resourceGroupName, deploymentName) };
    const { resources } = this.clientsFor(subscriptionId);

    // Without the look-up, a PUT over an earlier attempt's deployment would deploy it again; the
    // caller skips it only when no earlier attempt can have sent one (see DeployOptions).
    const lookForEarlier = options.lookForEarlierDeployment ?? true;
    const existing = lookForEarlier
      ? await this.withOperation({ ...options, purpose: 'adoptCheck' }, () =>
          this.existingDeployment(resources, resourceGroupName, deploymentName, context, options),
        )
      : undefined;
    const existingState = existing?.state;
    // Deterministic names make a retry after a crash find the first attempt's deployment:
    // adopt it rather than PUT again (the caller checks its tags name the same run).
    if (existingState === 'Succeeded') return { deploymentName, provisioningState: existingState, adopted: true, tags: existing?.tags };
    if (existingState && IN_PROGRESS_DEPLOYMENT_STATES.has(existingState)) {
      throw new AzureError({
        code: 'DeploymentActive',
        azureMessage: `Deployment '${deploymentName}' from an earlier attempt is still ${existingState}.`,
        kind: 'conflict',
        retryable: true,
        retryAfterMs: this.options.activeDeploymentRetryAfterMs ?? 5000,
        context,
      });
    }

    try {
      const result = await this.withOperation({ ...options, purpose: 'deploy' }, async () => {
        const poller = await resources.deployments.beginCreateOrUpdate(
          resourceGroupName,
          deploymentName,
          {
            properties: { mode: 'Incremental', template: request.template, parameters: request.parameters },
            tags: request.tags,
          },
          { abortSignal: options.abortSignal, updateIntervalInMs: this.options.pollIntervalMs },
        );
        // begin… has polled once already; pollUntilDone would poll again at once (one read for
        // nothing), so it starts one interval later.
        if (!poller.isDone()) await sleep(this.options.pollIntervalMs ?? SDK_LRO_INTERVAL_MS, options.abortSignal);
        return poller.pollUntilDone({ abortSignal: options.abortSignal });
      });
      return {
        deploymentName,
        provisioningState: result.properties?.provisioningState ?? 'Succeeded',
        adopted: false,
        tags: result.tags ?? request.tags,
      };
    } catch (err) {
      throw await this.withOperation({ ...options, purpose: 'deployFailure' }, () => this.explainDeploymentFailure(err, request, context, options));
    }
  }

  cancelDeployment(ref: DeploymentRef, options: OperationOptions = {}): Promise<CancelDeploymentOutcome> {
    return this.withOperation({ purpose: 'cancel', ...options }, async () => {
      const { resources } = this.clientsFor(ref.subscriptionId);
      try {
        await resources.deployments.cancel(ref.resourceGroupName, ref.deploymentName, { abortSignal: options.abortSignal });
        return 'cancelled';
      } catch (err) {
        const error = toAzureError(err, { operation: 'cancel', resource: deploymentResource(ref.resourceGroupName, ref.deploymentName) });
        if (error.kind === 'not-found') return 'absent';
        // ARM answers 409 (DeploymentCannotBeCancelled) once a deployment has finished: nothing left to stop.
        if (error.statusCode === 409) return 'finished';
        throw error;
      }
    });
  }

  getContainerGroup(ref: ContainerGroupRef, options: OperationOptions = {}): Promise<ContainerGroupView | undefined> {
    return this.withOperation({ purpose: 'state', ...options }, async () => {
      const { containerInstance } = this.clientsFor(ref.subscriptionId);
      try {
        const group = await containerInstance.containerGroups.get(ref.resourceGroupName, ref.containerGroupName, {
          abortSignal: options.abortSignal,
        });
        return toContainerGroupView(group);
      } catch (err) {
        // A missing resource group means the group is gone just the same.
        if (isNotFound(err)) return undefined;
        throw toAzureError(err, { operation: 'get', resource: groupResource(ref) });
      }
    });
  }

  async getLogs(request: LogsRequest, options: OperationOptions = {}): Promise<string> {
    const { containerInstance } = this.clientsFor(request.subscriptionId);
    try {
      const logs = await this.withOperation({ purpose: 'logs', ...options }, () =>
        containerInstance.containers.listLogs(request.resourceGroupName, request.containerGroupName, request.containerName, {
          tail: request.tail,
          timestamps: request.timestamps,
          abortSignal: options.abortSignal,
        }),
      );
      return logs.content ?? '';
    } catch (err) {
      throw toAzureError(err, {
        operation: 'get logs',
        resource: `of container '${request.containerName}' in ${groupResource(request)}`,
      });
    }
  }

  /** Stopping a group that no longer exists is not an error: there is nothing left running. */
  stopContainerGroup(ref: ContainerGroupRef, options: OperationOptions = {}): Promise<void> {
    return this.withOperation({ purpose: 'stop', ...options }, async () => {
      const { containerInstance } = this.clientsFor(ref.subscriptionId);
      try {
        await containerInstance.containerGroups.stop(ref.resourceGroupName, ref.containerGroupName, {
          abortSignal: options.abortSignal,
        });
      } catch (err) {
        if (isNotFound(err)) return;
        throw toAzureError(err, { operation: 'stop', resource: groupResource(ref) });
      }
    });
  }

  deleteContainerGroup(request: DeleteRequest, options: OperationOptions = {}): Promise<void> {
    return this.withOperation({ purpose: 'delete', ...options }, async () => {
      const { containerInstance, resources } = this.clientsFor(request.subscriptionId);
      const lroOptions = { abortSignal: options.abortSignal, updateIntervalInMs: this.options.pollIntervalMs };
      try {
        await containerInstance.containerGroups.beginDeleteAndWait(request.resourceGroupName, request.containerGroupName, lroOptions);
      } catch (err) {
        if (!isNotFound(err)) throw toAzureError(err, { operation: 'delete', resource: groupResource(request) });
      }
      if (!request.deploymentName) return;
      // The group goes first: if the deployment is still running (cancel during deploy), ARM
      // refuses to delete it, the caller retries, and the retry deletes the group it created.
      try {
        await this.deleteDeploymentRecord(resources, request.resourceGroupName, request.deploymentName, options.abortSignal);
      } catch (err) {
        if (isNotFound(err)) return;
        const error = toAzureError(err, {
          operation: 'delete',
          resource: deploymentResource(request.resourceGroupName, request.deploymentName),
        });
        throw error.kind === 'conflict' && !error.retryable ? retryableConflict(error) : error;
      }
    });
  }

  listManagedContainerGroups(scope: { subscriptionId: string; resourceGroupName?: string }, options: OperationOptions = {}): Promise<ContainerGroupSummary[]> {
    return this.withOperation({ purpose: 'sweep', ...options }, () => this.managedContainerGroups(scope, options));
  }

  listManagedDeployments(scope: { subscriptionId: string; resourceGroupName: string }, options: OperationOptions = {}): Promise<ManagedDeploymentSummary[]> {
    return this.withOperation({ purpose: 'sweep', ...options }, () => this.managedDeployments(scope, options));
  }

  private async managedContainerGroups(
    scope: { subscriptionId: string; resourceGroupName?: string },
    options: OperationOptions,
  ): Promise<ContainerGroupSummary[]> {
    const { containerInstance } = this.clientsFor(scope.subscriptionId);
    const listOptions = { abortSignal: options.abortSignal };
    const groups = scope.resourceGroupName
      ? containerInstance.containerGroups.listByResourceGroup(scope.resourceGroupName, listOptions)
      : containerInstance.containerGroups.list(listOptions);
    const managed: ContainerGroupSummary[] = [];
    try {
      for await (const group of groups) {
        if (group.tags?.[MANAGED_BY_TAG] === MANAGED_BY_VALUE) {
          managed.push(toContainerGroupSummary(group, scope.resourceGroupName));
        }
      }
    } catch (err) {
      throw toAzureError(err, {
        operation: 'list container groups',
        resource: scope.resourceGroupName ? `in resource group '${scope.resourceGroupName}'` : `in subscription '${scope.subscriptionId}'`,
      });
    }
    return managed;
  }

  private async managedDeployments(
    scope: { subscriptionId: string; resourceGroupName: string },
    options: OperationOptions,
  ): Promise<ManagedDeploymentSummary[]> {
    const { resources } = this.clientsFor(scope.subscriptionId);
    const managed: ManagedDeploymentSummary[] = [];
    try {
      for await (const deployment of resources.deployments.listByResourceGroup(scope.resourceGroupName, { abortSignal: options.abortSignal })) {
        if (!deployment.name?.startsWith(DEPLOYMENT_NAME_PREFIX)) continue;
        managed.push({
          name: deployment.name,
          resourceGroupName: scope.resourceGroupName,
          provisioningState: deployment.properties?.provisioningState,
          timestamp: deployment.properties?.timestamp?.toISOString(),
          tags: { ...(deployment.tags ?? {}) },
        });
      }
    } catch (err) {
      throw toAzureError(err, { operation: 'list deployments', resource: `in resource group '${scope.resourceGroupName}'` });
    }
    return managed;
  }

  /**
   * One DELETE of a deployment record, whose result is not polled: 200/204 (deleted), 202
   * (accepted: ARM removes the record in the background, and only the record, since the group
   * went first) and 404 (gone) all settle it, so polling the Location would only spend a read.
   * ARM refuses a running deployment at once (409), which throws here. A record ARM fails to
   * remove later is left for the orphan sweeper, which lists managed deployments.
   */
  private async deleteDeploymentRecord(
    resources: ResourceManagementClient,
    resourceGroupName: string,
    deploymentName: string,
    abortSignal: AbortSignal | undefined,
  ): Promise<void> {
    const path =
      `/subscriptions/${encodeURIComponent(resources.subscriptionId ?? '')}/resourcegroups/${encodeURIComponent(resourceGroupName)}` +
      `/providers/Microsoft.Resources/deployments/${encodeURIComponent(deploymentName)}?api-version=${encodeURIComponent(resources.apiVersion)}`;
    const url = new URL(path, this.options.endpoint ?? DEFAULT_ARM_ENDPOINT).toString();
    const response = await resources.sendRequest(createPipelineRequest({ url, method: 'DELETE', abortSignal }));
    if (response.status < 400) return;
    throw new RestError(`DELETE ${deploymentName} answered ${response.status}`, { statusCode: response.status, response, request: response.request });
  }

  private async existingDeployment(
    resources: ResourceManagementClient,
    resourceGroupName: string,
    deploymentName: string,
    context: AzureErrorContext,
    options: OperationOptions,
  ): Promise<{ state: string; tags: Record<string, string> } | undefined> {
    try {
      const deployment = await resources.deployments.get(resourceGroupName, deploymentName, {
        abortSignal: options.abortSignal,
      });
      return { state: deployment.properties?.provisioningState ?? 'Unknown', tags: deployment.tags ?? {} };
    } catch (err) {
      const error = toAzureError(err, context);
      // ResourceGroupNotFound also answers 404, but it is the real problem: report it now.
      if (error.kind === 'not-found') return undefined;
      throw error;
    }
  }

  private async explainDeploymentFailure(err: unknown, request: DeploymentRequest, context: AzureErrorContext, options: OperationOptions): Promise<AzureError> {
    // HTTP errors (validation, missing resource group, throttling, network) carry their cause.
    if (isRestError(err) || (err instanceof Error && err.name === 'AbortError')) return toAzureError(err, context);
    const { resources } = this.clientsFor(request.subscriptionId);
    try {
      const failure = await readDeploymentFailure(resources, request.resourceGroupName, request.deploymentName, context, options.abortSignal);
      return failure ?? toAzureError(err, context);
    } catch (readError) {
      // Could not read the cause (e.g. throttled): a retry re-PUTs the failed deployment and
      // gets another chance to report the real error.
      const error = toAzureError(readError, { operation: 'read failed deployment', resource: context.resource });
      return error.retryable ? error : toAzureError(err, context);
    }
  }

  /** Runs `call` with its priority and purpose visible to the budget policy of every ARM request it makes (LRO polls and retries included). */
  private withOperation<T>(options: OperationOptions & { purpose: ArmPurpose }, call: () => Promise<T>): Promise<T> {
    return this.operation.run({ priority: options.priority, purpose: options.purpose }, call);
  }

  private clientsFor(subscriptionId: string): SubscriptionClients {
    const cached = this.clients.get(subscriptionId);
    if (cached) return cached;
    const { credential, endpoint, caCertPem, userAgentPrefix } = this.options;
    const clientOptions = {
      endpoint,
      // Trust the given CA for this endpoint; verification itself always stays on.
      tlsOptions: caCertPem ? { ca: caCertPem } : undefined,
      retryOptions: { ...DEFAULT_RETRY_OPTIONS, ...this.options.retryOptions },
      userAgentOptions: { userAgentPrefix: userAgentPrefix ?? 'aci-flow' },
      additionalPolicies: [{ policy: armBudgetPolicy(this.limiter, this.metrics, () => this.operation.getStore()), position: 'perRetry' as const }],
    };
    const clients = {
      resources: new ResourceManagementClient(credential, subscriptionId, clientOptions),
      containerInstance: new ContainerInstanceManagementClient(credential, subscriptionId, clientOptions),
    };
    this.clients.set(subscriptionId, clients);
    return clients;
  }
}

function retryableConflict(error: AzureError): AzureError {
  return new AzureError({
    code: error.code,
    azureMessage: error.azureMessage,
    kind: 'conflict',
    retryable: true,
    statusCode: error.statusCode,
    target: error.target,
    context: error.operation ? { operation: error.operation, resource: error.resource } : undefined,
    cause: error.cause,
  });
}
