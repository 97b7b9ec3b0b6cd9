/**
 * Reflecting a closed aci-flow run in Prefect. The flow reports its own states (Running,
 * Completed, Failed) from inside the container; the bridge only fills in what the flow could
 * not say: the infrastructure failed (Crashed) or the run was cancelled (Cancelled).
 */
import { getFlowRunStatus } from '../client/flowRunStatus';
import type { FlowRunStatus } from '../workflows/definitions';
import type { FlowRun, StateType } from './api/client';
import { type BridgeContext } from './context';
import { EXECUTED_EVENT, emitRunEvent, runObjects } from './events';
import { writeRunLog } from './prefectLogs';
import { FINAL_STATE_TYPES, isFinal, type ProposedState, proposeState, readFlowRun } from './states';

export interface Reconciliation {
  /** What was proposed, if anything, and Prefect's answer. */
  proposed?: { type: StateType; status: string };
  phase: FlowRunStatus['phase'];
}

/** The state Prefect should get for a closed aci-flow run, or undefined when the flow's own report stands. */
export function stateForOutcome(
  outcome: Pick<FlowRunStatus, 'phase' | 'message' | 'exitCode'>,
  current: StateType | null | undefined,
): ProposedState | undefined {
  if (current && FINAL_STATE_TYPES.has(current)) return undefined;
  // A cancel asked for in Prefect ends Cancelled once the infrastructure is gone, whatever the
  // container's last words; Prefect's workers force this one transition too.
  if (current === 'CANCELLING') {
    return { type: 'CANCELLED', message: `Cancelled: aci-flow ended the flow run and cleaned up its container group (aci-flow ${outcome.phase})`, force: true };
  }
  switch (outcome.phase) {
    case 'Cancelled':
      return { type: 'CANCELLED', message: `Cancelled by aci-flow: ${outcome.message ?? 'the flow run was cancelled'}` };
    case 'Failed':
    case 'TimedOut':
      return { type: 'CRASHED', message: `Flow run infrastructure failed (aci-flow ${outcome.phase}): ${outcome.message ?? 'no detail'}` };
    default:
      // Exit 0 without a final state: the flow's report is what counts, as with Prefect's workers.
      return undefined;
  }
}

export async function reconcile(ctx: BridgeContext, flowRunId: string): Promise<Reconciliation> {
  const outcome = await getFlowRunStatus(ctx.temporal, flowRunId);
  const run = await readFlowRun(ctx.api, flowRunId);
  await tellPrefect(ctx, run, outcome);
  const state = isFinal(run) ? undefined : stateForOutcome(outcome, run.state_type);
  if (!state) {
    ctx.log(`flow run ${flowRunId}: aci-flow ${outcome.phase}; Prefect state ${run.state_type ?? 'none'} stands`);
    return { phase: outcome.phase };
  }
  // A few WAIT answers are sat out: the outcome is known now and would otherwise be lost.
  const answer = await proposeState(ctx.api, flowRunId, state, { waits: 3 });
  ctx.log(`flow run ${flowRunId}: aci-flow ${outcome.phase} → proposed ${state.type}: ${answer.status}${answer.reason ? ` (${answer.reason})` : ''}`);
  return { phase: outcome.phase, proposed: { type: state.type, status: answer.status } };
}

/** The outcome, the cleanup and the executed-flow-run event, where Prefect users look. */
async function tellPrefect(ctx: BridgeContext, run: FlowRun, outcome: FlowRunStatus): Promise<void> {
  const failed = outcome.phase === 'Failed' || outcome.phase === 'TimedOut';
  const exit = outcome.exitCode === undefined ? '' : ` (exit code ${outcome.exitCode})`;
  await writeRunLog(
    ctx,
    run.id,
    failed ? 'error' : 'info',
    `aci-flow ${outcome.phase}${exit}${outcome.message ? `: ${outcome.message}` : ''}; container group ${outcome.containerGroupName}`,
  );
  if (outcome.cleanup) {
    const cleanup = outcome.cleanup;
    await writeRunLog(
      ctx,
      run.id,
      cleanup.state === 'abandoned' ? 'warning' : 'info',
      `Cleanup of container group ${outcome.containerGroupName}: ${cleanup.state}${cleanup.lastError ? ` (${cleanup.lastError})` : ''}`,
    );
  }
  // Prefect's status code is the infrastructure's: the container's exit code, -1 when it never gave one.
  const objects = await runObjects(ctx, run).catch(() => ({ flowRun: run }));
  await emitRunEvent(ctx, EXECUTED_EVENT, objects, { identifier: outcome.containerGroupName, statusCode: outcome.exitCode ?? -1 });
}
