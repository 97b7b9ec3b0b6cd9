/**
 * Exit hints from Prefect (docs/prefect.md, "Exit hints"): the flow's engine reports the flow
 * run's final state (Completed, Failed, Crashed, Cancelled) just before its process exits, so
 * a watched run whose Prefect state is final has probably exited. The bridge tells its
 * workflow once (the `exited` signal, source `prefect`), and the run's next state poll is
 * immediate instead of waiting for its turn in the worker's ARM budget. ARM stays the source
 * of truth: a hint never ends a run. One batched read of the watched runs' states per cycle.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { exitedSignal, workflowIdForFlowRun } from '../workflows/definitions';
import type { FlowRun } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { flowRunsByIdInStates } from './flowRunQueries';
import { FINAL_STATE_TYPES } from './states';
import type { RunWatcher } from './watcher';

export class ExitHintRelay {
  /** Hinted already: one signal per run keeps the workflow's history short. */
  private readonly hinted = new Set<string>();

  constructor(
    private readonly ctx: BridgeContext,
    private readonly watcher: RunWatcher,
  ) {}

  async poll(): Promise<void> {
    const watched = new Set(this.watcher.flowRunIds());
    for (const id of this.hinted) if (!watched.has(id)) this.hinted.delete(id);
    const candidates = [...watched].filter((id) => !this.hinted.has(id));
    if (candidates.length === 0) return;
    const finished = await flowRunsByIdInStates(this.ctx, candidates, [...FINAL_STATE_TYPES]);
    for (const run of finished) await this.hint(run);
  }

  private async hint(run: FlowRun): Promise<void> {
    try {
      await this.ctx.temporal.workflow.getHandle(workflowIdForFlowRun(run.id)).signal(exitedSignal, { source: 'prefect' });
      this.hinted.add(run.id);
    } catch (err) {
      // Closed already (its outcome is being reconciled): nothing to hint.
      if (err instanceof WorkflowNotFoundError) this.hinted.add(run.id);
      else this.ctx.log(`flow run ${run.id}: could not send the exit hint (${messageOf(err)}); retrying at the next poll`);
    }
  }
}
