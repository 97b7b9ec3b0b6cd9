/**
 * A cancel from Prefect (the flow run moves to Cancelling). A flow that has started runs
 * `prefect flow-run execute`, which sees the Cancelling state itself, stops the flow, runs its
 * `on_cancellation` hooks and reports Cancelled; it gets the pool's grace period
 * (`cancel_grace_seconds`, counted from the Cancelling state's timestamp, so a restarted bridge
 * counts from the same moment) to do so. A run whose flow has not started, or whose grace is
 * over, becomes cancelFlowRun at once (the `cancel` signal with its reason, plus workflow
 * cancellation): the workflow deletes the container group and closes Canceled, and the watcher sets Cancelled.
 */
import { cancelFlowRun } from '../client/flowRunCancel';
import { FlowRunAlreadyClosedError, FlowRunNotFoundError } from '../client/errors';
import type { BaseJobTemplate } from '../config';
import type { FlowRun } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { flowRunsInStates } from './flowRunQueries';
import { readPool } from './pool';
import { writeRunLog } from './prefectLogs';
import { proposeState } from './states';
import type { RunWatcher } from './watcher';

/** The pool variable that sets the grace period, and its default when the pool does not declare it. */
export const CANCEL_GRACE_VARIABLE = 'cancel_grace_seconds';
export const DEFAULT_CANCEL_GRACE_SECONDS = 30;

/** The pool's grace: the declared default of its `cancel_grace_seconds` variable, else 30 s. */
export function cancelGraceSeconds(template: BaseJobTemplate): number {
  const declared = template.variables.properties[CANCEL_GRACE_VARIABLE] as { default?: unknown } | undefined;
  const value = declared?.default;
  return typeof value === 'number' && Number.isFinite(value) && value >= 0 ? value : DEFAULT_CANCEL_GRACE_SECONDS;
}

/** Seconds of grace left for a Cancelling run (0: cancel it now). */
export function graceLeftSeconds(run: Pick<FlowRun, 'start_time' | 'state'>, graceSeconds: number, now = Date.now()): number {
  // Not started: no flow is there to cancel itself.
  if (!run.start_time) return 0;
  const since = run.state?.timestamp ? Date.parse(run.state.timestamp) : NaN;
  if (Number.isNaN(since)) return 0;
  return Math.max(0, graceSeconds - (now - since) / 1000);
}

export class CancelRelay {
  /** Signalled already: one signal per run keeps the workflow's history short. */
  private readonly signalled = new Set<string>();
  /** Told already that it has a grace period (one log line in Prefect per run and bridge). */
  private readonly graced = new Set<string>();

  constructor(
    private readonly ctx: BridgeContext,
    private readonly watcher: RunWatcher,
  ) {}

  async poll(): Promise<void> {
    const cancelling = await flowRunsInStates(this.ctx, ['CANCELLING']);
    const ids = new Set(cancelling.map((run) => run.id));
    for (const id of this.signalled) if (!ids.has(id)) this.signalled.delete(id);
    for (const id of this.graced) if (!ids.has(id)) this.graced.delete(id);
    const pending = cancelling.filter((run) => !this.signalled.has(run.id));
    if (pending.length === 0) return;
    const grace = cancelGraceSeconds((await readPool(this.ctx.api, this.ctx.workPool)).base_job_template);
    for (const run of pending) {
      const left = graceLeftSeconds(run, grace);
      if (left > 0) {
        // The watcher reports the outcome whichever way the run ends.
        this.watcher.watch(run.id);
        if (!this.graced.has(run.id)) {
          this.graced.add(run.id);
          await writeRunLog(
            this.ctx,
            run.id,
            'info',
            `Cancelling: the flow has ${Math.round(left)} s (${CANCEL_GRACE_VARIABLE}) to cancel itself and run its on_cancellation hooks before aci-flow deletes its container group`,
          );
        }
        continue;
      }
      await this.relay(run, this.graced.has(run.id) || run.start_time ? `the ${grace} s cancel grace period is over` : 'the flow had not started');
    }
  }

  private async relay(run: FlowRun, why: string): Promise<void> {
    try {
      await cancelFlowRun(this.ctx.temporal, run.id, 'cancelled in Prefect');
      this.signalled.add(run.id);
      this.ctx.log(`flow run ${run.id}: cancel requested in Prefect (${why}); signalled the aci-flow run`);
      await writeRunLog(this.ctx, run.id, 'info', `Cancelling: ${why}; aci-flow stops the container and deletes its container group`);
      this.watcher.watch(run.id);
    } catch (err) {
      if (err instanceof FlowRunAlreadyClosedError) {
        this.signalled.add(run.id);
        this.watcher.watch(run.id);
      } else if (err instanceof FlowRunNotFoundError) {
        // Never started here (e.g. cancelled while Pending, before the workflow existed): nothing to clean up.
        await proposeState(this.ctx.api, run.id, { type: 'CANCELLED', message: 'Cancelled before aci-flow started any infrastructure' });
      } else {
        this.ctx.log(`flow run ${run.id}: could not relay the cancel (${messageOf(err)}); retrying at the next poll`);
      }
    }
  }
}
