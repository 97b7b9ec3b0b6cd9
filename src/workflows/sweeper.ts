/**
 * The orphan sweeper of one work pool (docs/design.md, "Orphan sweeper"): list what aci-flow created in
 * the pool's sweep scopes, ask Temporal whose runs are closed or gone, and remove what they
 * left behind after a grace period. Three activity calls per page of SWEEP_PAGE_SIZE
 * candidates; a sweep with more pages continues as new for each, so neither a payload nor the
 * history grows with the number of groups. Runs on the pool's Schedule (see
 * src/workerHost/sweeperSchedule.ts) or on demand (`aci-flow sweep`).
 */
import { continueAsNew, proxyActivities } from '@temporalio/workflow';
import type * as sweep from '../activities/sweep';
import { decideOrphans } from './sweeperDecision';
import { type KeepReason, SWEEP_PAGE_SIZE, type SweeperInput, type SweeperResult } from './sweeperDefinitions';

type Activities = ReturnType<typeof sweep.createSweeperActivities>;

const { listSweepCandidatePage, describeFlowRuns } = proxyActivities<Activities>({
  // Listing pages through ARM and Temporal under the worker's shared budget.
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '1 minute',
  // A sweep that cannot list gives up; the schedule's next sweep tries again.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 5 },
});

const { removeOrphans } = proxyActivities<Activities>({
  // Azure deletes take 30–90 s each, several in flight; a long backlog is finished by later sweeps.
  startToCloseTimeout: '1 hour',
  heartbeatTimeout: '1 minute',
  // Per-resource failures come back in the result; retrying the whole call is for a lost worker.
  retry: { initialInterval: '5 seconds', backoffCoefficient: 2, maximumInterval: '1 minute', maximumAttempts: 3 },
});

export async function orphanSweeperWorkflow(input: SweeperInput): Promise<SweeperResult> {
  const dryRun = input.dryRun ?? false;
  const page = await listSweepCandidatePage({ scopes: input.scopes, after: input.continuation?.after, limit: input.pageSize ?? SWEEP_PAGE_SIZE });
  const candidates = page.candidates;
  const workflowIds = candidates.flatMap((candidate) => (candidate.workflowId ? [candidate.workflowId] : []));
  const runs = workflowIds.length > 0 ? await describeFlowRuns(workflowIds) : [];

  const verdicts = decideOrphans({
    candidates,
    runs: Object.fromEntries(runs.map((run) => [run.workflowId, run])),
    workPool: input.workPool,
    // Workflow time: deterministic on replay, and the activity results it is compared with are recorded.
    nowMs: Date.now(),
    graceMs: input.graceSeconds * 1000,
  });

  const kept = emptyKeepCounts();
  const reasons = new Map<string, 'run-closed' | 'run-missing'>();
  const orphans = verdicts.flatMap((verdict) => {
    if (!verdict.orphan) {
      kept[verdict.reason] += 1;
      return [];
    }
    reasons.set(keyOf(verdict.candidate), verdict.reason);
    return [verdict.candidate];
  });

  const removal = orphans.length > 0 ? await removeOrphans({ orphans, dryRun, workPool: input.workPool }) : { removed: [], skipped: [], failed: [] };
  for (const { reason } of removal.skipped) kept[reason] += 1;

  const result = merge(input.continuation?.sofar, {
    workPool: input.workPool,
    dryRun,
    scopes: input.scopes,
    examined: candidates.length,
    removed: removal.removed.map((candidate) => ({ ...candidate, reason: reasons.get(keyOf(candidate)) ?? 'run-closed' })),
    kept,
    failed: removal.failed.map(({ candidate, error }) => ({ ...candidate, error })),
  });
  if (page.next !== undefined) {
    await continueAsNew<typeof orphanSweeperWorkflow>({ ...input, continuation: { after: page.next, sofar: result } });
  }
  return result;
}

/** The sweep's result so far: earlier pages' counts and lists plus this page's. */
function merge(sofar: SweeperResult | undefined, page: SweeperResult): SweeperResult {
  if (!sofar) return page;
  const kept = { ...sofar.kept };
  for (const [reason, count] of Object.entries(page.kept) as Array<[KeepReason, number]>) kept[reason] = (kept[reason] ?? 0) + count;
  return {
    ...page,
    examined: sofar.examined + page.examined,
    removed: [...sofar.removed, ...page.removed],
    kept,
    failed: [...sofar.failed, ...page.failed],
  };
}

function emptyKeepCounts(): Record<KeepReason, number> {
  return { untagged: 0, 'run-open': 0, 'run-unknown': 0, 'other-pool': 0, 'in-grace': 0, 'group-not-ours': 0, 'group-stopped': 0 };
}

function keyOf(candidate: { subscriptionId: string; resourceGroupName: string; containerGroupName: string }): string {
  return `${candidate.subscriptionId}/${candidate.resourceGroupName}/${candidate.containerGroupName}`.toLowerCase();
}
