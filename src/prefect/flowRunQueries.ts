/** Reading the pool's flow runs by state, every page of them. */
import { type FlowRun, ok } from './api/client';
import type { BridgeContext } from './context';

/** Prefect's default (and largest usual) page size for filters. */
export const FLOW_RUN_PAGE = 200;

/** Flow runs that ended in this window (Prefect's `end_time` filter, ISO timestamps). */
export interface EndedBetween {
  after: string;
  before: string;
}

/** Every flow run of the pool in the given states (Prefect's `FlowRunFilter` by state type and pool name), page by page. */
export async function flowRunsInStates(
  ctx: BridgeContext,
  types: Array<FlowRun['state_type'] & string>,
  pageSize = FLOW_RUN_PAGE,
  ended?: EndedBetween,
): Promise<FlowRun[]> {
  const runs: FlowRun[] = [];
  const seen = new Set<string>();
  for (let offset = 0; ; offset += pageSize) {
    const page = ok(
      `POST /flow_runs/filter (${types.join(', ')} in ${ctx.workPool}, offset ${offset})`,
      await ctx.api.POST('/flow_runs/filter', {
        body: {
          flow_runs: {
            operator: 'and_',
            state: { operator: 'and_', type: { any_: types } },
            ...(ended ? { end_time: { after_: ended.after, before_: ended.before } } : {}),
          },
          work_pools: { operator: 'and_', name: { any_: [ctx.workPool] } },
          // A stable order, so pages do not overlap or skip while runs change state between reads.
          sort: 'ID_DESC',
          limit: pageSize,
          offset,
        },
      }),
    );
    for (const run of page) {
      if (seen.has(run.id)) continue;
      seen.add(run.id);
      runs.push(run);
    }
    if (page.length < pageSize) return runs;
  }
}

/** Those of `ids` that are in the given states, one read per FLOW_RUN_PAGE ids (Prefect's `FlowRunFilter` by id and state type). */
export async function flowRunsByIdInStates(ctx: BridgeContext, ids: readonly string[], types: Array<FlowRun['state_type'] & string>): Promise<FlowRun[]> {
  const runs: FlowRun[] = [];
  for (let start = 0; start < ids.length; start += FLOW_RUN_PAGE) {
    const chunk = ids.slice(start, start + FLOW_RUN_PAGE);
    const page = ok(
      `POST /flow_runs/filter (${chunk.length} flow runs in ${types.join(', ')})`,
      await ctx.api.POST('/flow_runs/filter', {
        body: {
          flow_runs: { operator: 'and_', id: { any_: chunk }, state: { operator: 'and_', type: { any_: types } } },
          work_pools: { operator: 'and_', name: { any_: [ctx.workPool] } },
          sort: 'ID_DESC',
          limit: chunk.length,
          offset: 0,
        },
      }),
    );
    runs.push(...page);
  }
  return runs;
}
