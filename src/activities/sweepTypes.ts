/**
 * Shapes the orphan sweeper's activities exchange with its workflow. Type-only for the
 * workflow, so this file must not import anything with runtime effects.
 */

/** One subscription/resource group the sweeper lists; ARM lists deployments per resource group only. */
export interface SweepScope {
  subscriptionId: string;
  resourceGroupName: string;
}

/**
 * A container group and/or deployment aci-flow may have created, joined by name (the
 * deployment is always `aci-flow-<group name>`). `workflowId` is set only when the managed
 * tags say whose it is: without it the sweeper never touches the candidate.
 */
export interface SweepCandidate extends SweepScope {
  containerGroupName: string;
  deploymentName: string;
  /** A group of that name carries aci-flow's managed tags. */
  hasGroup: boolean;
  /** A deployment of that name exists (tagged or not). */
  hasDeployment: boolean;
  workflowId?: string;
  flowRunId?: string;
  /** The deployment's ARM timestamp (ISO 8601), the only creation time Azure lists. */
  deploymentTimestamp?: string;
}

/** What Temporal says about the flow-run workflow a candidate is tagged with. */
export type FlowRunState =
  | { workflowId: string; state: 'open'; workPool?: string }
  | { workflowId: string; state: 'closed'; closeTime: string; workPool?: string }
  | { workflowId: string; state: 'missing' };

export interface RemoveOrphansInput {
  orphans: SweepCandidate[];
  dryRun: boolean;
  /** Named in the worker's log lines about the removals. */
  workPool: string;
}

/** Why a candidate the decision called an orphan was left alone after a fresh look at it. */
export type RemovalSkipReason = 'group-not-ours' | 'group-stopped';

export interface RemoveOrphansOutput {
  /** Deleted, or with dryRun, would be deleted. */
  removed: SweepCandidate[];
  skipped: Array<{ candidate: SweepCandidate; reason: RemovalSkipReason }>;
  /** Left for the next sweep; Azure's message kept. */
  failed: Array<{ candidate: SweepCandidate; error: string }>;
}

/** One page of a sweep's candidates, in a stable order (by scope and group name). */
export interface SweepPageRequest {
  scopes: SweepScope[];
  /** The key of the last candidate of the previous page; absent for the first page. */
  after?: string;
  limit: number;
}

export interface SweepPage {
  candidates: SweepCandidate[];
  /** Where the next page starts; absent on the last page. */
  next?: string;
}

/** The order pages follow: subscription, resource group, group name, case-insensitive as Azure names are. */
export function sweepKeyOf(candidate: { subscriptionId: string; resourceGroupName: string; containerGroupName: string }): string {
  return `${candidate.subscriptionId}/${candidate.resourceGroupName}/${candidate.containerGroupName}`.toLowerCase();
}
