/**
 * The one interface the activities use to reach Azure (or the local emulator).
 * Implementations translate every Azure error into an {@link AzureError} (see ./errors).
 */
import type { ArmPurpose } from '../common/metrics';
import type { DeploymentRequest } from '../template/deployment';

export type { DeploymentRequest } from '../template/deployment';

/** Where a container group lives. */
export interface ContainerGroupRef {
  subscriptionId: string;
  resourceGroupName: string;
  containerGroupName: string;
}

export interface DeploymentResult {
  deploymentName: string;
  provisioningState: string;
  /** True when the deployment already existed and was adopted instead of created. */
  adopted: boolean;
  /** The deployment's tags as Azure has them; for an adopted one, so the caller can check whose it is. */
  tags?: Record<string, string>;
}

export type ContainerStateName = 'Waiting' | 'Running' | 'Terminated' | string;

export interface ContainerEvent {
  type?: string;
  name?: string;
  message?: string;
  count?: number;
  firstTimestamp?: string;
  lastTimestamp?: string;
}

export interface ContainerState {
  state: ContainerStateName;
  detailStatus?: string;
  exitCode?: number;
  startTime?: string;
  finishTime?: string;
}

export interface ContainerView {
  name: string;
  currentState?: ContainerState;
  previousState?: ContainerState;
  restartCount?: number;
  events: ContainerEvent[];
}

export interface ContainerGroupView {
  name: string;
  id?: string;
  provisioningState?: string;
  /** Group-level instance view state, e.g. Running, Succeeded, Failed, Stopped. */
  state?: string;
  tags: Record<string, string>;
  containers: ContainerView[];
  events: ContainerEvent[];
}

export interface ContainerGroupSummary {
  name: string;
  resourceGroupName: string;
  provisioningState?: string;
  tags: Record<string, string>;
}

/** An ARM deployment aci-flow created (its name starts with `aci-flow-`). */
export interface ManagedDeploymentSummary {
  name: string;
  resourceGroupName: string;
  provisioningState?: string;
  /** When ARM last changed the deployment (ISO 8601): its creation, for a deployment aci-flow never updates. */
  timestamp?: string;
  tags: Record<string, string>;
}

export interface LogsRequest extends ContainerGroupRef {
  containerName: string;
  /** Only the last N lines. */
  tail?: number;
  /** Prefix each line with its RFC 3339 timestamp, as ACI does. */
  timestamps?: boolean;
}

export interface OperationOptions {
  abortSignal?: AbortSignal;
  /**
   * Where the call's ARM requests queue when the budget is short (ARM_PRIORITY: a cancel's
   * cleanup before routine cleanups before everything else); routine when absent.
   */
  priority?: number;
  /** What the call's ARM requests are for, in the request metrics (each method has a default). */
  purpose?: ArmPurpose;
}

export interface DeployOptions extends OperationOptions {
  /**
   * Look for an earlier attempt's deployment of this name (to adopt it) before deploying.
   * Needed whenever an earlier attempt may have sent the PUT; a first attempt that found no
   * group of its name skips it, saving a read.
   */
  lookForEarlierDeployment?: boolean;
}

export interface DeleteRequest extends ContainerGroupRef {
  /** Also delete this deployment record once the group is gone. */
  deploymentName?: string;
}

/** A deployment by name, for cancelling it. */
export interface DeploymentRef {
  subscriptionId: string;
  resourceGroupName: string;
  deploymentName: string;
}

/** What cancelling a deployment found: it was running and is now Canceled, it had already finished, or it does not exist. */
export type CancelDeploymentOutcome = 'cancelled' | 'finished' | 'absent';

export interface AciGateway {
  /** Incremental ARM deployment; waits for it to finish. Adopts an existing deployment of the same name. */
  deploy(request: DeploymentRequest, options?: DeployOptions): Promise<DeploymentResult>;
  /** The group with its instance view, or `undefined` when it does not exist. */
  getContainerGroup(ref: ContainerGroupRef, options?: OperationOptions): Promise<ContainerGroupView | undefined>;
  /** Raw log text; with `timestamps`, each line starts with an RFC 3339 timestamp and a space. */
  getLogs(request: LogsRequest, options?: OperationOptions): Promise<string>;
  /**
   * Cancels a running deployment; resources it already created stay (delete them next).
   * A deployment that already finished or does not exist is not an error.
   */
  cancelDeployment(ref: DeploymentRef, options?: OperationOptions): Promise<CancelDeploymentOutcome>;
  stopContainerGroup(ref: ContainerGroupRef, options?: OperationOptions): Promise<void>;
  /** Deletes the group (waiting for Azure to finish) and its deployment; a missing group is not an error. */
  deleteContainerGroup(request: DeleteRequest, options?: OperationOptions): Promise<void>;
  /** Groups tagged as managed by aci-flow, in one resource group or the whole subscription. */
  listManagedContainerGroups(scope: { subscriptionId: string; resourceGroupName?: string }, options?: OperationOptions): Promise<ContainerGroupSummary[]>;
  /**
   * Deployments in one resource group whose name carries aci-flow's prefix, whatever their
   * tags (the caller decides what it owns); ARM lists deployments per resource group only.
   */
  listManagedDeployments(scope: { subscriptionId: string; resourceGroupName: string }, options?: OperationOptions): Promise<ManagedDeploymentSummary[]>;
}
