/**
 * The orphan sweeper's activities: list what aci-flow created in the sweep scopes, ask
 * Temporal about the runs those resources are tagged with, and remove the orphans. One call
 * of each per sweep, whatever the number of groups, so the sweeper's history stays small.
 */
import { Context } from '@temporalio/activity';
import { type Client, type WorkflowExecutionInfo, WorkflowNotFoundError } from '@temporalio/client';
import type { AciGateway, ContainerGroupSummary, ManagedDeploymentSummary } from '../azure/gateway';
import { toAzureError } from '../azure/errors';
import { type AciFlowMetrics, noopMetrics } from '../common/metrics';
import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, WORKFLOW_ID_TAG } from '../template/deployment';
import { DEPLOYMENT_NAME_PREFIX } from '../template/naming';
import { searchAttributes } from '../workflows/definitions';
import { azureCall } from './failures';
import { heartbeatWhile } from './heartbeats';
import {
  type FlowRunState,
  type RemoveOrphansInput,
  type RemoveOrphansOutput,
  type SweepCandidate,
  sweepKeyOf,
  type SweepPage,
  type SweepPageRequest,
  type SweepScope,
} from './sweepTypes';

export interface SweeperActivityDeps {
  gateway: AciGateway;
  /** Reads the flow-run workflows' state; the worker builds it over its own connection. */
  client: Client;
  /** Counts the orphans removed (not those a dry run would remove); default: not recorded. */
  metrics?: AciFlowMetrics;
  /** Azure deletes and Temporal describes in flight at once. */
  concurrency?: number;
}

const DEFAULT_CONCURRENCY = 8;

export function createSweeperActivities(deps: SweeperActivityDeps) {
  const concurrency = deps.concurrency ?? DEFAULT_CONCURRENCY;
  const metrics = deps.metrics ?? noopMetrics;

  /**
   * One page of the candidates: lists the scopes (ARM pages through them) and returns at most
   * `limit` after `after`, so no activity result grows with the number of groups (Temporal's
   * payload limit is 2 MB; a candidate is about 400 bytes).
   */
  async function listSweepCandidatePage(request: SweepPageRequest): Promise<SweepPage> {
    const all = (await listCandidates(request.scopes)).sort((a, b) => compare(sweepKeyOf(a), sweepKeyOf(b)));
    const remaining = request.after === undefined ? all : all.filter((candidate) => compare(sweepKeyOf(candidate), request.after as string) > 0);
    const candidates = remaining.slice(0, request.limit);
    const last = candidates[candidates.length - 1];
    return remaining.length > candidates.length && last ? { candidates, next: sweepKeyOf(last) } : { candidates };
  }

  async function listCandidates(scopes: SweepScope[]): Promise<SweepCandidate[]> {
    const { cancellationSignal: abortSignal } = Context.current();
    const candidates: SweepCandidate[] = [];
    for (const scope of scopes) {
      const [groups, deployments] = await heartbeatWhile(
        azureCall(() =>
          Promise.all([deps.gateway.listManagedContainerGroups(scope, { abortSignal }), deps.gateway.listManagedDeployments(scope, { abortSignal })]),
        ),
      );
      candidates.push(...joinByName(scope, groups, deployments));
    }
    return candidates;
  }

  /**
   * The state of each run, from visibility: one list query per batch of ids instead of one
   * describe each. An id visibility does not know (a run started a moment ago, before
   * visibility caught up, or a tag no query may carry) is described, so it is never taken for missing.
   */
  async function describeFlowRuns(workflowIds: string[]): Promise<FlowRunState[]> {
    const ids = [...new Set(workflowIds)];
    const known = new Map<string, FlowRunState>();
    const queryable = ids.filter((id) => QUERYABLE_ID.test(id));
    await heartbeatWhile(
      (async () => {
        for (let start = 0; start < queryable.length; start += VISIBILITY_BATCH) {
          const batch = queryable.slice(start, start + VISIBILITY_BATCH);
          const query = `WorkflowId IN (${batch.map((id) => `'${id}'`).join(', ')})`;
          for await (const execution of deps.client.workflow.list({ query })) {
            known.set(execution.workflowId, stateOf(execution.workflowId, execution));
          }
        }
      })(),
    );
    const unknown = ids.filter((id) => !known.has(id));
    const described = await heartbeatWhile(mapLimit(unknown, concurrency, (id) => describeFlowRun(deps.client, id)));
    return [...known.values(), ...described];
  }

  async function removeOrphans(input: RemoveOrphansInput): Promise<RemoveOrphansOutput> {
    const { cancellationSignal: abortSignal } = Context.current();
    const output: RemoveOrphansOutput = { removed: [], skipped: [], failed: [] };
    await heartbeatWhile(
      mapLimit(input.orphans, concurrency, async (candidate) => {
        try {
          // Look again right before deleting: listing and deciding took time, and the list
          // does not show whether a group was stopped on purpose (keep_container_group).
          const group = await deps.gateway.getContainerGroup(candidate, { abortSignal });
          if (group && group.tags[WORKFLOW_ID_TAG] !== candidate.workflowId) {
            output.skipped.push({ candidate, reason: 'group-not-ours' });
            return;
          }
          if (group?.state === 'Stopped') {
            output.skipped.push({ candidate, reason: 'group-stopped' });
            return;
          }
          if (!input.dryRun) {
            await deps.gateway.deleteContainerGroup(
              { ...candidate, deploymentName: candidate.hasDeployment ? candidate.deploymentName : undefined },
              { abortSignal },
            );
          }
          output.removed.push(candidate);
        } catch (err) {
          // One stubborn resource must not stop the sweep; the next one tries again.
          output.failed.push({ candidate, error: toAzureError(err).message });
        }
      }),
    );
    logRemovals(input, output);
    if (!input.dryRun && output.removed.length > 0) metrics.sweeperRemoved(output.removed.length);
    return output;
  }

  return { listSweepCandidatePage, describeFlowRuns, removeOrphans };
}

export type SweeperActivities = ReturnType<typeof createSweeperActivities>;

/**
 * One line per orphan on the worker's log: an operator sees what the sweeper deleted (or left
 * failing) where the worker's other lines are, not only in the sweep workflow's result.
 */
function logRemovals(input: RemoveOrphansInput, output: RemoveOrphansOutput): void {
  const { log } = Context.current();
  const verb = input.dryRun ? 'would remove' : 'removed';
  for (const candidate of output.removed) {
    log.info(`Orphan sweeper ${verb} ${describeCandidate(candidate)}`, { workPool: input.workPool, workflowId: candidate.workflowId });
  }
  for (const { candidate, error } of output.failed) {
    log.warn(`Orphan sweeper could not remove ${describeCandidate(candidate)} (the next sweep tries again): ${error}`, {
      workPool: input.workPool,
      workflowId: candidate.workflowId,
    });
  }
}

function describeCandidate(candidate: SweepCandidate): string {
  const resources = [
    candidate.hasGroup ? `container group ${candidate.containerGroupName}` : undefined,
    candidate.hasDeployment ? `deployment ${candidate.deploymentName}` : undefined,
  ].filter(Boolean);
  return `${resources.join(' and ')} in ${candidate.subscriptionId}/${candidate.resourceGroupName} of flow run ${candidate.flowRunId ?? '?'}`;
}

/**
 * Groups and deployments of one scope as candidates, joined on the deployment name
 * (`aci-flow-<group>`). The group's tags win over the deployment's: they are what the run's
 * own cleanup checks too.
 */
export function joinByName(scope: SweepScope, groups: ContainerGroupSummary[], deployments: ManagedDeploymentSummary[]): SweepCandidate[] {
  const byName = new Map<string, SweepCandidate>();
  const entry = (containerGroupName: string): SweepCandidate => {
    const key = containerGroupName.toLowerCase();
    let candidate = byName.get(key);
    if (!candidate) {
      candidate = {
        ...scope,
        containerGroupName,
        deploymentName: `${DEPLOYMENT_NAME_PREFIX}${containerGroupName}`,
        hasGroup: false,
        hasDeployment: false,
      };
      byName.set(key, candidate);
    }
    return candidate;
  };
  for (const deployment of deployments) {
    const candidate = entry(deployment.name.slice(DEPLOYMENT_NAME_PREFIX.length));
    candidate.hasDeployment = true;
    candidate.deploymentTimestamp = deployment.timestamp;
    Object.assign(candidate, ownerOf(deployment.tags));
  }
  for (const group of groups) {
    const candidate = entry(group.name);
    candidate.hasGroup = true;
    // An untagged group of the same name makes the pair nobody's: clear what the deployment said.
    delete candidate.workflowId;
    delete candidate.flowRunId;
    Object.assign(candidate, ownerOf(group.tags));
  }
  return [...byName.values()];
}

function ownerOf(tags: Record<string, string>): Pick<SweepCandidate, 'workflowId' | 'flowRunId'> {
  if (tags[MANAGED_BY_TAG] !== MANAGED_BY_VALUE || !tags[WORKFLOW_ID_TAG]) return {};
  return { workflowId: tags[WORKFLOW_ID_TAG], flowRunId: tags[FLOW_RUN_ID_TAG] };
}

/** Ids a visibility query may quote as they are (the workflow ids aci-flow gives runs); a tag with anything else is described. */
const QUERYABLE_ID = /^[A-Za-z0-9._-]{1,300}$/;
const VISIBILITY_BATCH = 100;

function stateOf(workflowId: string, execution: Pick<WorkflowExecutionInfo, 'status' | 'closeTime' | 'typedSearchAttributes'>): FlowRunState {
  const workPool = execution.typedSearchAttributes.get(searchAttributes.workPool);
  if (execution.status.name === 'RUNNING') return { workflowId, state: 'open', workPool };
  return { workflowId, state: 'closed', closeTime: (execution.closeTime ?? new Date()).toISOString(), workPool };
}

async function describeFlowRun(client: Client, workflowId: string): Promise<FlowRunState> {
  try {
    return stateOf(workflowId, await client.workflow.getHandle(workflowId).describe());
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { workflowId, state: 'missing' };
    throw err;
  }
}

/** Plain code-point order, the same on every worker whatever its locale. */
function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Runs `fn` over `items` with at most `limit` in flight, results in input order. */
async function mapLimit<T, R>(items: T[], limit: number, fn: (item: T) => Promise<R>): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const lane = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await fn(items[index]!); // index < items.length
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
  return results;
}
