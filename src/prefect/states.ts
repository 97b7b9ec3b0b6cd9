/**
 * Proposing flow run states to Prefect the way its workers do: not forced, so the server's
 * orchestration rules decide (a terminal state the flow reported stays), and a
 * WAIT answer is honoured by asking again after the delay the server names.
 */
import { type FlowRun, ok, type PrefectApi, type Schemas, type StateType } from './api/client';
import { sleep } from '../common/clock';

/** States after which the flow run is over; Prefect's `StateType.is_final()`. */
export const FINAL_STATE_TYPES: ReadonlySet<StateType> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);

export type ProposalStatus = Schemas['SetStateStatus'];

export interface ProposedState {
  type: StateType;
  message?: string;
  /**
   * Only for Cancelled after a cancel requested in Prefect, as Prefect's workers do: the run is
   * Cancelling (not final), and the engine's own report of the kill must not stand in its way.
   */
  force?: boolean;
}

export interface ProposalOptions {
  /** How many WAIT answers to sit out before giving up (default 0: report WAIT to the caller). */
  waits?: number;
  /** Longest wait honoured per answer, so a stop is not held up for minutes (default 30 s). */
  maxWaitSeconds?: number;
}

export interface ProposalResult {
  status: ProposalStatus;
  /** The flow run's state after the proposal (the server's, when it was not accepted). */
  stateType?: StateType;
  /** REJECT, ABORT and WAIT carry the server's reason. */
  reason?: string;
}

export async function proposeState(api: PrefectApi, flowRunId: string, state: ProposedState, options: ProposalOptions = {}): Promise<ProposalResult> {
  const { waits = 0, maxWaitSeconds = 30 } = options;
  for (let attempt = 0; ; attempt++) {
    const result = ok(
      `POST /flow_runs/${flowRunId}/set_state (${state.type})`,
      await api.POST('/flow_runs/{id}/set_state', {
        params: { path: { id: flowRunId } },
        body: { state: { type: state.type, message: state.message ?? null }, force: state.force ?? false },
      }),
    );
    const details = result.details as { reason?: string | null; delay_seconds?: number };
    const answer: ProposalResult = { status: result.status, stateType: result.state?.type, reason: details.reason ?? undefined };
    if (result.status !== 'WAIT' || attempt >= waits) return answer;
    const seconds = Math.min(Math.max(details.delay_seconds ?? 1, 0), maxWaitSeconds);
    await sleep(seconds * 1000);
  }
}

export async function readFlowRun(api: PrefectApi, flowRunId: string): Promise<FlowRun> {
  return ok(`GET /flow_runs/${flowRunId}`, await api.GET('/flow_runs/{id}', { params: { path: { id: flowRunId } } }));
}

export function isFinal(run: Pick<FlowRun, 'state_type'>): boolean {
  return run.state_type !== null && run.state_type !== undefined && FINAL_STATE_TYPES.has(run.state_type);
}
