/**
 * Everything the flow-run workflow and its clients share: names, signals, queries,
 * search attributes and the shapes of input, status and result.
 * Imported by workflow code, so it must stay free of I/O and Node built-ins.
 */
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
// Type only: the names are computed outside the workflow (naming.ts uses node:crypto).
import type { FlowRunNames } from '../template/naming';

export type { FlowRunNames };

export const FLOW_RUN_WORKFLOW = 'flowRunWorkflow';

/** One workflow per flow run: starting the same flow run twice finds the same workflow. */
export function workflowIdForFlowRun(flowRunId: string): string {
  return `flow-run-${flowRunId}`;
}

/** Workers of a work pool poll the task queue named after the pool. */
export function taskQueueForPool(workPool: string): string {
  return workPool;
}

export type FlowRunPhase = 'Deploying' | 'WaitingForStart' | 'Running' | 'CleaningUp' | 'Completed' | 'Failed' | 'Cancelled' | 'TimedOut';

export const TERMINAL_PHASES: readonly FlowRunPhase[] = ['Completed', 'Failed', 'Cancelled', 'TimedOut'];

/**
 * Everything a flow run's workflow gets: who the run is and the values of its pool's
 * variables. Never a rendered configuration: the worker renders the run from its own copy of
 * the pool configuration and refuses an input with anything else (src/activities/render.ts).
 */
export interface FlowRunInput {
  flowRunId: string;
  flowName: string;
  workPool: string;
  /** The run's values for the pool's variables (image, command, env, ...); secrets only as `secretref:NAME`. */
  values: Record<string, unknown>;
  /**
   * Computed once by the client (flowRunNames in src/template/naming.ts) so replaying an old
   * run never recomputes them; the deploy activity refuses names that are not this run's.
   */
  names: FlowRunNames;
}

export interface CancelRequest {
  reason?: string;
}

/** A cancel the run took: its reason and the phase it interrupted. */
export interface AcceptedCancel extends CancelRequest {
  phase: FlowRunPhase;
}

/**
 * What `cancelFlowRun` learns after its signal: whether the run took the cancel, and in which
 * phase. A cancel that arrives once the container is done (CleaningUp) is not taken: the run
 * keeps its real outcome and cleanup goes on.
 */
export interface CancelReceipt {
  accepted: boolean;
  phase: FlowRunPhase;
  reason?: string;
}

/** Memo key of a cancelled run's AcceptedCancel, so `status` shows the reason once the run is closed. */
export const CANCEL_MEMO_KEY = 'cancel';

/** The message a cancelled run reports, with or without a reason. */
export function cancelledMessage(reason: string | undefined): string {
  return reason ? `Flow run cancelled: ${reason}` : 'Flow run cancelled';
}

export interface FlowRunStatus {
  flowRunId: string;
  flowName: string;
  workPool: string;
  phase: FlowRunPhase;
  containerGroupName: string;
  deploymentName: string;
  resourceGroupName: string;
  exitCode?: number;
  /** Set once a cancel signal or workflow cancellation was taken, with the phase it interrupted. */
  cancelRequested?: AcceptedCancel;
  /** A cancel that arrived after the container was done (CleaningUp): it changes nothing, and says so here. */
  cancelIgnored?: AcceptedCancel;
  /** The reason the run failed, timed out or was cancelled. */
  message?: string;
  /** What cleanup did: deleted, stopped, or abandoned after cleanup_timeout_seconds with the last error. */
  cleanup?: FlowRunCleanup;
  /**
   * The error the current waitForStart/watch poll keeps hitting (credentials, 401/403, 5xx,
   * network), absent once a poll succeeds. The workflow never sets it: the activity heartbeats
   * it and `getFlowRunStatus` reads it from the pending activity, so errors add no history events.
   */
  lastPollError?: PollError;
  /** Exit hints this run received (docs/workflow.md, "Exit hints"); absent until the first. */
  exitHints?: ExitHintCounts;
}

/**
 * Who says the container has probably exited: `prefect` (the bridge saw the flow run final),
 * `container` (the container or its orchestrator), `client` (anyone else, the default); the
 * worker adds `log` (the log stream showed the end). Any other value counts as `other`.
 */
export const EXIT_HINT_SOURCES = ['client', 'container', 'prefect', 'log', 'other'] as const;
export type ExitHintSource = (typeof EXIT_HINT_SOURCES)[number];

/** The payload of the `exited` signal and the `exitHint` update; both may be sent without one. */
export interface ExitHint {
  source?: string;
}

/** What became of an exit hint: taken (the next state poll is immediate) or why not. */
export interface ExitHintReceipt {
  taken: boolean;
  phase: FlowRunPhase;
  reason?: string;
}

export interface ExitHintCounts {
  taken: number;
  ignored: number;
  /** Source of the last hint taken. */
  lastSource?: ExitHintSource;
}

/** A hint's source as the worker counts it: one of EXIT_HINT_SOURCES, `client` when absent. */
export function exitHintSourceOf(hint: unknown): ExitHintSource {
  const source = (hint as ExitHint | null | undefined)?.source;
  if (source === undefined || source === null) return 'client';
  return (EXIT_HINT_SOURCES as readonly unknown[]).includes(source) && source !== 'log' ? (source as ExitHintSource) : 'other';
}

/**
 * `pending` while the cleanup activity runs (its retries are inside the activity, so the
 * workflow never sees them; `getFlowRunStatus` reports the pending activity's last failure
 * as `retrying`), then `deleted`/`stopped`, or `abandoned` once cleanup_timeout_seconds passed.
 */
export type CleanupState = 'pending' | 'retrying' | 'deleted' | 'stopped' | 'abandoned';

export interface FlowRunCleanup {
  state: CleanupState;
  lastError?: string;
}

/** A streak of failed polls; the run keeps polling with backoff (docs/workflow.md, "Polling errors"). */
export interface PollError {
  /** The latest failure, with Azure's code and message when Azure answered. */
  message: string;
  /** When it happened (ISO 8601). */
  at: string;
  /** Failed polls in a row, across activity attempts. */
  attempts: number;
}

export function isPollError(value: unknown): value is PollError {
  const candidate = value as Partial<PollError> | null | undefined;
  return typeof candidate?.message === 'string' && typeof candidate.at === 'string' && typeof candidate.attempts === 'number';
}

export interface FlowRunResult {
  flowRunId: string;
  phase: 'Completed';
  exitCode: number;
  containerGroupName: string;
}

/** ApplicationFailure types the workflow fails with; the client maps them back to outcomes. */
export const FailureTypes = {
  nonZeroExit: 'ContainerExitedNonZero',
  startTimeout: 'ContainerStartTimeout',
  /** max_run_seconds passed while the container was running. */
  maxRunTime: 'FlowRunMaxRunTimeExceeded',
  groupDisappeared: 'ContainerGroupDisappeared',
  /**
   * A cancelled run closes Canceled; it fails with this type only when the worker could not
   * ask Temporal to cancel it (a `cancel` signal alone, and the request kept failing).
   */
  cancelled: 'FlowRunCancelled',
} as const;

/** The phases a run that did not complete ends in. */
export type FailedPhase = Extract<FlowRunPhase, 'Failed' | 'Cancelled' | 'TimedOut'>;

/** The failure types that end a run in another phase than Failed. */
const PHASE_OF_FAILURE_TYPE: ReadonlyMap<string, FailedPhase> = new Map([
  [FailureTypes.startTimeout, 'TimedOut'],
  [FailureTypes.maxRunTime, 'TimedOut'],
  [FailureTypes.cancelled, 'Cancelled'],
]);

/**
 * The final phase of a run that fails with this type: the one map the workflow sets the phase
 * by and the client reads a closed run's phase back by. Every other type (a non-zero exit, a
 * vanished group, Azure's own codes, a refused input) is Failed.
 */
export function phaseOfFailure(type: string | null | undefined): FailedPhase {
  return (type && PHASE_OF_FAILURE_TYPE.get(type)) || 'Failed';
}

export const cancelSignal = defineSignal<[CancelRequest?]>('cancel');
export const statusQuery = defineQuery<FlowRunStatus>('status');
/**
 * A hint that the container has probably exited: the run's next state poll is immediate. ARM
 * stays the source of truth: a hint never ends a run by itself. Fire and forget; every signal
 * is a history event, so senders that may repeat themselves should use `exitHintUpdate`.
 */
export const exitedSignal = defineSignal<[ExitHint?]>('exited');
/** The same hint, answered: rejected (and then not in the history at all) when the run would not take it. */
export const exitHintUpdate = defineUpdate<ExitHintReceipt, [ExitHint]>('exitHint');
/** Asked after the `cancel` signal: the receipt of the cancel the run received (rejected while it received none). */
export const cancelReceiptUpdate = defineUpdate<CancelReceipt>('cancelReceipt');

export const searchAttributes = {
  flowRunId: defineSearchAttributeKey('FlowRunId', SearchAttributeType.KEYWORD),
  flowName: defineSearchAttributeKey('FlowName', SearchAttributeType.KEYWORD),
  workPool: defineSearchAttributeKey('WorkPool', SearchAttributeType.KEYWORD),
  containerGroup: defineSearchAttributeKey('ContainerGroup', SearchAttributeType.KEYWORD),
  phase: defineSearchAttributeKey('Phase', SearchAttributeType.KEYWORD),
  exitCode: defineSearchAttributeKey('ExitCode', SearchAttributeType.INT),
  /** Set with the final phase: `deleted`, `stopped` or `abandoned` (then the orphan sweeper takes over). */
  cleanupState: defineSearchAttributeKey('CleanupState', SearchAttributeType.KEYWORD),
} as const;

/** Registered on the dev server at start (scripts, tests), checked by the worker at start, documented for production clusters. */
export const ALL_SEARCH_ATTRIBUTES = Object.values(searchAttributes);

/** The `temporal` CLI's names of the search attribute types (`--search-attribute Name=Keyword`, `--type Keyword`). */
export const SEARCH_ATTRIBUTE_CLI_TYPES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};
