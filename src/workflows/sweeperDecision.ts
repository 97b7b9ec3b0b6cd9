/**
 * Which listed groups and deployments are orphans: a pure function, so the workflow can run
 * it deterministically and the unit tests can state its rules one by one.
 */
import type { FlowRunState, KeepReason, OrphanReason, SweepCandidate } from './sweeperDefinitions';

export type Verdict =
  | { candidate: SweepCandidate; orphan: true; reason: OrphanReason }
  | { candidate: SweepCandidate; orphan: false; reason: Exclude<KeepReason, 'group-not-ours' | 'group-stopped'> };

export interface DecisionInput {
  candidates: SweepCandidate[];
  /** By workflow id; an id without an entry counts as not looked up, and its candidate is kept. */
  runs: Record<string, FlowRunState>;
  workPool: string;
  nowMs: number;
  graceMs: number;
}

export function decideOrphans(input: DecisionInput): Verdict[] {
  return input.candidates.map((candidate) => ({ candidate, ...verdictFor(candidate, input) }) as Verdict);
}

function verdictFor(candidate: SweepCandidate, input: DecisionInput): Omit<Verdict, 'candidate'> {
  // Only the managed tags say a resource is aci-flow's; anything else is never touched.
  if (!candidate.workflowId) return { orphan: false, reason: 'untagged' };
  const run = input.runs[candidate.workflowId];
  if (!run) return { orphan: false, reason: 'run-unknown' };
  if (run.state === 'open') return { orphan: false, reason: 'run-open' };
  if (run.state === 'closed') {
    // Each pool's sweeper owns its runs' leftovers, so a pool whose cleanup is slow is not raced by another.
    if (run.workPool !== undefined && run.workPool !== input.workPool) return { orphan: false, reason: 'other-pool' };
    if (input.nowMs - Date.parse(run.closeTime) < input.graceMs) return { orphan: false, reason: 'in-grace' };
    return { orphan: true, reason: 'run-closed' };
  }
  // A group is created only by its running workflow, so a missing workflow closed long ago (and
  // retention removed it) or the tag is stale; the deployment's timestamp still guards a young one.
  const written = candidate.deploymentTimestamp ? Date.parse(candidate.deploymentTimestamp) : Number.NaN;
  if (!Number.isNaN(written) && input.nowMs - written < input.graceMs) return { orphan: false, reason: 'in-grace' };
  return { orphan: true, reason: 'run-missing' };
}
