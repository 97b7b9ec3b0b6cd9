/**
 * A cancel from Prefect (the flow run moves to Cancelling) becomes cancelFlowRun (the `cancel`
 * signal with its reason, plus workflow cancellation); the watcher sets Cancelled once the
 * workflow has cleaned up and closed Canceled.
 */
import { cancelFlowRun } from '../client/flowRunCancel';
import { FlowRunAlreadyClosedError, FlowRunNotFoundError } from '../client/errors';
import { type FlowRun, ok } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { proposeState } from './states';
import type { RunWatcher } from './watcher';

/** Flow runs of the pool in the given states (Prefect's `FlowRunFilter` by state type and pool name). */
export async function flowRunsInStates(ctx: BridgeContext, types: Array<FlowRun['state_type'] & string>, limit = 200): Promise<FlowRun[]> {
  return ok(
    `POST /flow_runs/filter (${types.join(', ')} in ${ctx.workPool})`,
    await ctx.api.POST('/flow_runs/filter', {
      body: {
        flow_runs: { operator: 'and_', state: { operator: 'and_', type: { any_: types } } },
        work_pools: { operator: 'and_', name: { any_: [ctx.workPool] } },
        sort: 'EXPECTED_START_TIME_ASC',
        limit,
        offset: 0,
      },
    }),
  );
}

export class CancelRelay {
  /** Signalled already: one signal per run keeps the workflow's history short. */
  private readonly signalled = new Set<string>();

  constructor(
    private readonly ctx: BridgeContext,
    private readonly watcher: RunWatcher,
  ) {}

  async poll(): Promise<void> {
    const cancelling = await flowRunsInStates(this.ctx, ['CANCELLING']);
    const ids = new Set(cancelling.map((run) => run.id));
    for (const id of this.signalled) if (!ids.has(id)) this.signalled.delete(id);
    for (const run of cancelling) {
      if (this.signalled.has(run.id)) continue;
      try {
        await cancelFlowRun(this.ctx.temporal, run.id, 'cancelled in Prefect');
        this.signalled.add(run.id);
        this.ctx.log(`flow run ${run.id}: cancel requested in Prefect; signalled the aci-flow run`);
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
}
