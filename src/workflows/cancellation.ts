/**
 * How a cancel reaches a flow run and how a cancelled run closes. The `cancel` signal (from
 * any client) and workflow cancellation both interrupt the container work; cleanup then runs
 * in its non-cancellable scope, and the run closes with Temporal status Canceled. A run that
 * was only signalled asks Temporal to cancel it (one local activity over the worker's client),
 * so the UI, `ExecutionStatus="Canceled"` searches and parent workflows all see a cancel.
 */
import {
  type ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  log,
  patched,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertMemo,
} from '@temporalio/workflow';
import type { RunControlActivities } from '../activities/runControl';
import {
  type AcceptedCancel,
  CANCEL_MEMO_KEY,
  cancelReceiptUpdate,
  type CancelReceipt,
  cancelSignal,
  type FlowRunPhase,
  type FlowRunStatus,
} from './definitions';

const CANCEL_THIS_WORKFLOW_OPTIONS = {
  startToCloseTimeout: '30 seconds',
  // Temporal unreachable this long: the run closes Failed (FlowRunCancelled) rather than stay open.
  scheduleToCloseTimeout: '10 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
} as const;

/**
 * Runs that took their cancel before this patch asked through an activity, and replay that way.
 * As a local activity the request costs one marker instead of three activity events, and its
 * completion no longer wakes the run for a workflow task of its own: a cancel while deploying
 * could reach 42 events when every completion came alone.
 */
export const CANCEL_SELF_LOCALLY_PATCH = 'cancel-self-as-local-activity';

const { cancelThisWorkflow } = proxyActivities<RunControlActivities>(CANCEL_THIS_WORKFLOW_OPTIONS);
const { cancelThisWorkflow: cancelThisWorkflowLocally } = proxyLocalActivities<RunControlActivities>(CANCEL_THIS_WORKFLOW_OPTIONS);

/** Reasons come from any client; a long one would bloat status, memo and history. */
const MAX_REASON_LENGTH = 1_000;
export const WORKFLOW_CANCELLATION_REASON = 'workflow cancellation requested';

export interface CancelIntake {
  /** Closes the cancelled run, cleanup done (see closeCancelled). */
  closeCancelled(failure: ApplicationFailure): Promise<never>;
}

/**
 * Installs the `cancel` signal and the `cancelReceipt` update. A cancel is taken while the
 * container work runs (Deploying, WaitingForStart, Running) and interrupts it through
 * `interrupt`; once the run is CleaningUp or closed it is recorded as ignored, never silently
 * dropped. A signalled run asks Temporal to cancel it at once, beside its cleanup, so closing
 * Canceled costs no extra wait at the end.
 */
export function acceptCancels(status: FlowRunStatus, root: CancellationScope, interrupt: () => void): CancelIntake {
  let selfCancel: Promise<boolean> | undefined;
  const take = (reason: string | undefined) => {
    if (status.cancelRequested) return;
    const cancel: AcceptedCancel = { ...(reason === undefined ? {} : { reason }), phase: status.phase };
    if (!interruptible(status.phase)) {
      status.cancelIgnored ??= cancel;
      log.info('Cancel ignored: the container is done, cleanup goes on and the run keeps its outcome', { ...cancel });
      return;
    }
    status.cancelRequested = cancel;
    interrupt();
    if (!root.consideredCancelled) selfCancel = requestOwnCancellation();
  };
  setHandler(cancelSignal, (request) => take(reasonOf(request)));
  // Workflow cancellation reaches the container work through the root scope; here it is only recorded.
  root.cancelRequested.catch(() => {
    if (!status.cancelRequested && !interruptible(status.phase)) status.cancelIgnored ??= { reason: WORKFLOW_CANCELLATION_REASON, phase: status.phase };
  });
  setHandler(cancelReceiptUpdate, () => receiptOf(status), {
    validator: () => {
      if (!status.cancelRequested && !status.cancelIgnored) throw new Error('this flow run has received no cancel');
    },
  });
  return { closeCancelled: (failure) => closeCancelled(root, status, failure, selfCancel) };
}

/** True once Temporal accepted the request; false when it could not be asked (then the run closes Failed). */
function requestOwnCancellation(): Promise<boolean> {
  const request = patched(CANCEL_SELF_LOCALLY_PATCH) ? cancelThisWorkflowLocally : cancelThisWorkflow;
  return CancellationScope.nonCancellable(() => request()).then(
    () => true,
    (err: unknown) => {
      log.warn('Could not ask Temporal to cancel this run; it closes Failed (FlowRunCancelled) instead', { error: String(err) });
      return false;
    },
  );
}

function receiptOf(status: FlowRunStatus): CancelReceipt {
  const cancel = status.cancelRequested ?? status.cancelIgnored;
  return {
    accepted: status.cancelRequested !== undefined,
    phase: cancel?.phase ?? status.phase,
    ...(cancel?.reason === undefined ? {} : { reason: cancel.reason }),
  };
}

function reasonOf(request: unknown): string | undefined {
  const reason = (request as { reason?: unknown } | null | undefined)?.reason;
  return typeof reason === 'string' && reason.length > 0 ? reason.slice(0, MAX_REASON_LENGTH) : undefined;
}

function interruptible(phase: FlowRunPhase): boolean {
  return phase === 'Deploying' || phase === 'WaitingForStart' || phase === 'Running';
}

/**
 * Closes a cancelled run, cleanup done, as Canceled: records the cancel in the memo (where
 * `status` finds it once the run is closed), waits for the workflow cancellation the run asked
 * for when none arrived yet, and ends. Falls back to `failure` (FlowRunCancelled, status
 * Failed) only when Temporal could not be asked.
 */
async function closeCancelled(
  root: CancellationScope,
  status: FlowRunStatus,
  failure: ApplicationFailure,
  selfCancel: Promise<boolean> | undefined,
): Promise<never> {
  const cancel = status.cancelRequested ?? { reason: WORKFLOW_CANCELLATION_REASON, phase: status.phase };
  upsertMemo({ [CANCEL_MEMO_KEY]: cancel });
  if (!root.consideredCancelled) {
    if (!(await (selfCancel ?? requestOwnCancellation()))) throw failure;
    // The request is accepted: Temporal delivers the cancellation in this or the next workflow task.
    await root.cancelRequested.catch(() => undefined);
  }
  throw new CancelledFailure(failure.message, [cancel]);
}
