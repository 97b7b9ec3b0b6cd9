/**
 * The orphan sweeper of one work pool (docs/design.md, "Orphan sweeper"): list what aci-flow created in
 * the pool's sweep scopes, ask Temporal whose runs are closed or gone, and remove what they
 * left behind after a grace period. Three activity calls per sweep, whatever the number of
 * groups. Runs on the pool's Schedule (see src/worker/sweeperSchedule.ts) or on demand
 * (`aci-flow sweep`).
 */
import { proxyActivities } from '@temporalio/workflow';
import type * as sweep from '../activities/sweep';
import { decideOrphans } from './sweeperDecision';
import type { KeepReason, SweeperInput, SweeperResult } from './sweeperDefinitions';

type Activities = ReturnType<typeof sweep.createSweeperActivities>;

const { listSweepCandidates, describeFlowRuns } = proxyActivities<Activities>({
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
  const candidates = await listSweepCandidates(input.scopes);
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

  const removal = orphans.length > 0
    ? await removeOrphans({ orphans, dryRun, workPool: input.workPool })
    : { removed: [], skipped: [], failed: [] };
  for (const { reason } of removal.skipped) kept[reason] += 1;

  return {
    workPool: input.workPool,
    dryRun,
    scopes: input.scopes,
    examined: candidates.length,
    removed: removal.removed.map((candidate) => ({ ...candidate, reason: reasons.get(keyOf(candidate)) ?? 'run-closed' })),
    kept,
    failed: removal.failed.map(({ candidate, error }) => ({ ...candidate, error })),
  };
}

function emptyKeepCounts(): Record<KeepReason, number> {
  return { untagged: 0, 'run-open': 0, 'run-unknown': 0, 'other-pool': 0, 'in-grace': 0, 'group-not-ours': 0, 'group-stopped': 0 };
}

function keyOf(candidate: { subscriptionId: string; resourceGroupName: string; containerGroupName: string }): string {
  return `${candidate.subscriptionId}/${candidate.resourceGroupName}/${candidate.containerGroupName}`.toLowerCase();
}

