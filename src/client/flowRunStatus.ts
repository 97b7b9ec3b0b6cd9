import { ApplicationFailure, type Client, type WorkflowExecutionDescription, type WorkflowExecutionStatusName, WorkflowFailedError } from '@temporalio/client';
import {
  type AcceptedCancel,
  CANCEL_MEMO_KEY,
  cancelledMessage,
  type CleanupState,
  type FlowRunPhase,
  type FlowRunResult,
  type FlowRunStatus,
  phaseOfFailure,
  searchAttributes,
  statusQuery,
  workflowIdForFlowRun,
} from '../workflows/definitions';
import { cleanupRetryOf } from './cleanupRetry';
import { asNotFound } from './errors';
import { lastPollErrorOf } from './pollError';

/** What startFlowRun stores in the memo so status of closed runs needs no worker. */
export interface FlowRunMemo {
  resourceGroupName: string;
  containerGroupName: string;
  /** Absent for runs started before it was recorded. */
  deploymentName?: string;
  /** Written by the workflow when it closes cancelled: the reason and the phase the cancel interrupted. */
  [CANCEL_MEMO_KEY]?: AcceptedCancel;
}

/** How long a status query may wait for a worker before we answer from visibility data. */
const QUERY_DEADLINE_MS = 5_000;

/**
 * The flow run's status: the workflow's own `status` query while it runs, plus the polling
 * error its waitForStart/watch activity last heartbeated; for a closed run
 * the outcome from its result or failure, so it works even when no worker is polling.
 */
export async function getFlowRunStatus(client: Client, flowRunId: string): Promise<FlowRunStatus> {
  const handle = client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  let description: WorkflowExecutionDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    throw asNotFound(err, client, flowRunId);
  }
  const recorded = recordedStatus(flowRunId, description);
  if (description.status.name === 'RUNNING') {
    const lastPollError = await lastPollErrorOf(client, description);
    const polling = lastPollError ? { lastPollError } : {};
    const cleanupRetry = cleanupRetryOf(description);
    try {
      const queried = await client.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(statusQuery));
      const cleanup = cleanupRetry && queried.cleanup?.state === 'pending' ? { cleanup: cleanupRetry } : {};
      return { ...queried, ...polling, ...cleanup };
    } catch {
      // No worker answered (all down, or still starting): the search attributes are the best we know.
      return { ...recorded, ...polling };
    }
  }
  return { ...recorded, ...(await closedRunOutcome(description.status.name, () => handle.result(), recorded.cancelRequested)) };
}

/** Status from search attributes and memo, as last written by the client and the workflow. */
export function recordedStatus(flowRunId: string, description: Pick<WorkflowExecutionDescription, 'typedSearchAttributes' | 'memo'>): FlowRunStatus {
  const attributes = description.typedSearchAttributes;
  const memo = (description.memo ?? {}) as Partial<FlowRunMemo>;
  const exitCode = attributes.get(searchAttributes.exitCode);
  const cleanupState = attributes.get(searchAttributes.cleanupState) as CleanupState | undefined;
  const containerGroupName = attributes.get(searchAttributes.containerGroup) ?? memo.containerGroupName ?? '';
  return {
    flowRunId: attributes.get(searchAttributes.flowRunId) ?? flowRunId,
    flowName: attributes.get(searchAttributes.flowName) ?? '',
    workPool: attributes.get(searchAttributes.workPool) ?? '',
    phase: (attributes.get(searchAttributes.phase) as FlowRunPhase | undefined) ?? 'Deploying',
    containerGroupName,
    // As the client recorded it at start, never recomputed: naming rules may have changed since.
    deploymentName: memo.deploymentName ?? '',
    resourceGroupName: memo.resourceGroupName ?? '',
    ...(exitCode === undefined ? {} : { exitCode: Number(exitCode) }),
    ...(cleanupState === undefined ? {} : { cleanup: { state: cleanupState } }),
    ...(memo[CANCEL_MEMO_KEY] ? { cancelRequested: memo[CANCEL_MEMO_KEY] } : {}),
  };
}

type Outcome = Pick<FlowRunStatus, 'phase' | 'exitCode' | 'message'>;

/** The outcome of a closed run, from Temporal's execution status and the workflow's result or failure. */
export async function closedRunOutcome(statusName: WorkflowExecutionStatusName, result: () => Promise<unknown>, cancel?: AcceptedCancel): Promise<Outcome> {
  switch (statusName) {
    case 'COMPLETED': {
      const { exitCode } = (await result()) as FlowRunResult;
      return { phase: 'Completed', exitCode };
    }
    case 'FAILED':
      return failureOutcome(result);
    case 'CANCELLED':
      // Cancelled runs close Canceled; the reason is in the memo (absent when cancelled before the workflow ran).
      return { phase: 'Cancelled', message: cancel ? cancelledMessage(cancel.reason) : 'the workflow was cancelled' };
    case 'TIMED_OUT':
      return { phase: 'TimedOut', message: 'the workflow execution timed out' };
    case 'TERMINATED':
      return { phase: 'Failed', message: 'the workflow was terminated (the container group may need manual cleanup)' };
    default:
      return { phase: 'Failed', message: `the workflow closed with status ${statusName}` };
  }
}

async function failureOutcome(result: () => Promise<unknown>): Promise<Outcome> {
  try {
    await result();
    return { phase: 'Failed' };
  } catch (err) {
    if (!(err instanceof WorkflowFailedError)) throw err;
    const cause = err.cause;
    if (cause instanceof ApplicationFailure) {
      const exitCode = exitCodeIn(cause.details);
      return {
        phase: phaseOfFailure(cause.type),
        message: cause.message,
        ...(exitCode === undefined ? {} : { exitCode }),
      };
    }
    return { phase: 'Failed', message: cause?.message ?? err.message };
  }
}

/** The workflow may attach the exit code (or a status carrying it) as failure details. */
function exitCodeIn(details: unknown[] | undefined | null): number | undefined {
  for (const detail of details ?? []) {
    if (typeof detail === 'number') return detail;
    if (detail && typeof detail === 'object' && typeof (detail as { exitCode?: unknown }).exitCode === 'number') {
      return (detail as { exitCode: number }).exitCode;
    }
  }
  return undefined;
}
