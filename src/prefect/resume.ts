/**
 * No stranded runs: the pool's Pending, Running and Cancelling flow runs are matched with
 * their aci-flow workflows, every page of them. A run with a workflow is watched (one that
 * closed meanwhile is reconciled at once). A Pending run without one was accepted by a bridge
 * that died before starting it (Prefect #20485 / #22664 upstream): it is started now, which is
 * idempotent (the workflow id is the flow run's), or Crashed with the reason if it cannot be.
 * A Running run without one was started by something else (a `prefect worker start` of
 * the same pool, a manual `prefect flow-run execute`) and is left alone, with a log line.
 *
 * A run that ended (Completed, Failed, Cancelled, Crashed) while no bridge watched it is no
 * longer open, yet Prefect has not heard its outcome message, its last container lines or its
 * `prefect.worker.executed-flow-run` event: runs of the pool that ended in the given window
 * with an aci-flow workflow and without that event in Prefect are watched once more, which
 * reports them (the flow's final state stands).
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdForFlowRun } from '../workflows/definitions';
import type { FlowRun } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { runsWithExecutedEvent } from './events';
import { type EndedBetween, flowRunsInStates } from './flowRunQueries';
import { readPool } from './pool';
import { FINAL_STATE_TYPES } from './states';
import { startAcceptedRun } from './submit';
import type { RunWatcher } from './watcher';

export interface ReconcileOptions {
  /** Only runs whose state is at least this old: a live bridge may be starting younger ones right now. */
  minStateAgeMs?: number;
  /** Also report the runs of the pool that ended in this window unwatched (see above). */
  ended?: EndedBetween;
}

/** Returns whether the runs that `options.ended` asks for were looked for (false: the events API did not answer; look again). */
export async function reconcileOpenRuns(ctx: BridgeContext, watcher: RunWatcher, options: ReconcileOptions = {}): Promise<boolean> {
  const runs = await flowRunsInStates(ctx, ['PENDING', 'RUNNING', 'CANCELLING']);
  const stranded: FlowRun[] = [];
  for (const run of runs) {
    if (watcher.isWatching(run.id)) continue;
    if (await hasWorkflow(ctx, run.id)) {
      watcher.watch(run.id);
    } else if (run.state_type === 'PENDING' && olderThan(run, options.minStateAgeMs ?? 0)) {
      stranded.push(run);
    } else if (run.state_type === 'RUNNING' && olderThan(run, options.minStateAgeMs ?? 0)) {
      ctx.log(`flow run ${run.id}: Running without an aci-flow workflow (not started by aci-flow); left alone`);
    }
    // Cancelling without a workflow: the cancel relay sets it Cancelled.
  }
  let endedLooked = true;
  if (options.ended) {
    // Telling, not steering: an events API that does not answer must not keep the bridge from taking runs.
    endedLooked = await reportEndedRuns(ctx, watcher, options.ended).then(
      () => true,
      (err: unknown) => {
        ctx.log(`could not look for flow runs that ended while no bridge watched them (${messageOf(err)}); looking again at the next reconcile`);
        return false;
      },
    );
  }
  if (stranded.length === 0) return endedLooked;
  const pool = await readPool(ctx.api, ctx.workPool);
  for (const run of stranded) {
    ctx.log(`flow run ${run.id}: Pending without an aci-flow workflow (a bridge stopped between Pending and start); starting it now`);
    const submission = await startAcceptedRun(ctx, pool, run);
    if (submission.outcome === 'started') watcher.watch(run.id);
  }
  return endedLooked;
}

async function reportEndedRuns(ctx: BridgeContext, watcher: RunWatcher, ended: EndedBetween): Promise<void> {
  const runs = (await flowRunsInStates(ctx, [...FINAL_STATE_TYPES], undefined, ended)).filter((run) => !watcher.isWatching(run.id));
  if (runs.length === 0) return;
  const reported = await runsWithExecutedEvent(
    ctx,
    runs.map((run) => run.id),
  );
  for (const run of runs) {
    // Not aci-flow's (another worker's, or its workflow is past Temporal's retention): nothing to report.
    if (reported.has(run.id) || !(await hasWorkflow(ctx, run.id))) continue;
    ctx.log(`flow run ${run.id}: ended ${run.state_type} while no bridge watched it; reporting its outcome to Prefect`);
    watcher.watch(run.id);
  }
}

async function hasWorkflow(ctx: BridgeContext, flowRunId: string): Promise<boolean> {
  try {
    await ctx.temporal.workflow.getHandle(workflowIdForFlowRun(flowRunId)).describe();
    return true;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

function olderThan(run: FlowRun, ms: number): boolean {
  if (ms <= 0) return true;
  const since = run.state?.timestamp ? Date.parse(run.state.timestamp) : NaN;
  return Number.isNaN(since) || Date.now() - since >= ms;
}
