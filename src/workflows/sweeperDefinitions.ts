/**
 * What the orphan sweeper workflow shares with the worker that schedules it and the CLI that
 * runs it on demand: names, input and result. Free of I/O, like ./definitions.
 */
import type { FlowRunState, RemovalSkipReason, SweepCandidate, SweepScope } from '../activities/sweepTypes';

export type { FlowRunState, RemovalSkipReason, SweepCandidate, SweepScope };

export const SWEEPER_WORKFLOW = 'orphanSweeperWorkflow';

/** One schedule per work pool; every worker of the pool creates or updates the same one. */
export function sweeperScheduleId(workPool: string): string {
  return `aci-flow-sweeper-${workPool}`;
}

/** The workflow id of the schedule's actions (Temporal appends the scheduled time). */
export function sweeperWorkflowId(workPool: string): string {
  return `aci-flow-sweeper-${workPool}`;
}

/** 15 minutes: a closed run's own cleanup normally finishes well within it. */
export const DEFAULT_SWEEP_GRACE_SECONDS = 15 * 60;

export interface SweeperInput {
  workPool: string;
  scopes: SweepScope[];
  /** How long after its run closed (or its deployment was last written, for a missing run) a leftover is kept. */
  graceSeconds: number;
  /** List what would be removed, remove nothing. */
  dryRun?: boolean;
  /** Candidates handled per workflow run (default SWEEP_PAGE_SIZE); the sweep continues as new for the next page. */
  pageSize?: number;
  /** Set by the sweep itself when it continues as new: where the next page starts and what the earlier pages did. */
  continuation?: { after: string; sofar: SweeperResult };
}

/** About 400 KB of candidates per page: well below Temporal's 2 MB payload limit, and few pages at 10,000 groups. */
export const SWEEP_PAGE_SIZE = 1_000;

/** Why a candidate was kept; see docs/operations.md, "Orphan sweeper". */
export type KeepReason = 'untagged' | 'run-open' | 'run-unknown' | 'other-pool' | 'in-grace' | RemovalSkipReason;

export type OrphanReason = 'run-closed' | 'run-missing';

export interface SweeperResult {
  workPool: string;
  dryRun: boolean;
  scopes: SweepScope[];
  /** Candidates listed: tagged groups plus aci-flow deployments, joined by name. */
  examined: number;
  /** Deleted (or, in a dry run, would be deleted), each with why it was an orphan. */
  removed: Array<SweepCandidate & { reason: OrphanReason }>;
  kept: Record<KeepReason, number>;
  /** Left for the next sweep, with Azure's message. */
  failed: Array<SweepCandidate & { error: string }>;
}
