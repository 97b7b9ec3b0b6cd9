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
import { DEFAULT_CANCEL_GRACE_SECONDS } from '../config/defaults';
import { type FlowRun, ok } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { flowRunsInStates } from './flowRunQueries';
import { mergeJobVariables } from './jobVariables';
import { readPool } from './pool';
import { writeRunLog } from './prefectLogs';
import { proposeState } from './states';
import type { RunWatcher } from './watcher';

/** The job variable that sets the grace period (in aci-flow's default template; a pool of Prefect's may declare it). */
export const CANCEL_GRACE_VARIABLE = 'cancel_grace_seconds';
export { DEFAULT_CANCEL_GRACE_SECONDS };

/**
 * A run's grace: its job variables' `cancel_grace_seconds` (the deployment's, then the flow
 * run's, as they render), else the pool variable's default, else 30 s.
 */
export function cancelGraceSeconds(template: BaseJobTemplate, runValue?: unknown): number {
  const declared = template.variables.properties[CANCEL_GRACE_VARIABLE] as { default?: unknown } | undefined;
  for (const value of [runValue, declared?.default]) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) return value;
  }
  return DEFAULT_CANCEL_GRACE_SECONDS;
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
    const template = (await readPool(this.ctx.api, this.ctx.workPool)).base_job_template;
    for (const run of pending) {
      const grace = cancelGraceSeconds(template, await this.runGraceValue(run));
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

  /** The run's own cancel_grace_seconds job variable, if its deployment or the run sets one. */
  private async runGraceValue(run: FlowRun): Promise<unknown> {
    // Not started: no grace whatever it says, and no deployment to read.
    if (!run.start_time) return undefined;
    let deploymentVariables: Record<string, unknown> | undefined;
    if (run.deployment_id) {
      const deployment = await this.ctx.api.GET('/deployments/{id}', { params: { path: { id: run.deployment_id } } });
      deploymentVariables = ok(`GET /deployments/${run.deployment_id}`, deployment).job_variables ?? undefined;
    }
    return mergeJobVariables(deploymentVariables, run.job_variables)[CANCEL_GRACE_VARIABLE];
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
