/**
 * The aci-flow client library: the entry of the client package (packages/client,
 * `import { startFlowRun } from '@aci-flow/client'`), which the aci-flow package re-exports.
 * Orchestrators start, cancel, inspect, list and read the logs of flow runs with it; it
 * never loads the worker, the emulator or workflow code.
 */
export { connectClient } from './connection';
export { temporalConnectConfig, type TemporalConnectConfig } from '../common/temporalConnection';
export { CodecConfigError, PayloadDecryptionError } from '../common/codec';
export { cancelFlowRun, type CancelFlowRunResult } from './flowRunCancel';
export { CLIENT_EXIT_HINT_SOURCES, hintFlowRunExited, type HintFlowRunExitedResult } from './flowRunExitHint';
export { prepareFlowRun, startFlowRun, type PreparedFlowRun, type StartedFlowRun, type StartFlowRunOptions } from './flowRuns';
export { getFlowRunStatus, type FlowRunMemo } from './flowRunStatus';
export { listFlowRuns, type FlowRunSummary, type ListFlowRunsOptions } from './flowRunList';
export { followLogs, type FollowLogsOptions } from './flowRunLogs';
export { FlowRunAlreadyClosedError, FlowRunNotFoundError, InvalidFlowRunOptionsError } from './errors';
export {
  ConfigError,
  defaultBaseJobTemplate,
  loadPoolConfig,
  parsePoolConfig,
  renderJobConfiguration,
  type JobConfiguration,
  type PoolConfig,
} from '../config';
export {
  cancelSignal,
  exitedSignal,
  exitHintUpdate,
  FailureTypes,
  FLOW_RUN_WORKFLOW,
  searchAttributes,
  statusQuery,
  taskQueueForPool,
  TERMINAL_PHASES,
  workflowIdForFlowRun,
  type CancelRequest,
  type ExitHint,
  type ExitHintReceipt,
  type FlowRunInput,
  type FlowRunPhase,
  type FlowRunResult,
  type FlowRunStatus,
} from '../workflows/definitions';
export { FLOW_RUN_PHASES } from '../workflows/phases';
