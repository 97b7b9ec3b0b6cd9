/**
 * Where a flow run's log lines are recorded: one naming rule shared by the worker's file
 * sink (which writes) and the client's `followLogs` (which reads).
 */
import { join } from 'node:path';

/** Directory of the per-run log files, unless ACI_FLOW_LOG_DIR says otherwise. */
export const DEFAULT_LOG_DIR = '.aci-flow/logs';
export const LOG_DIR_ENV = 'ACI_FLOW_LOG_DIR';

export function logDirFromEnv(env: NodeJS.ProcessEnv = process.env): string {
  return env[LOG_DIR_ENV] || DEFAULT_LOG_DIR;
}

/** `<logDir>/<flowRunId>.log`; the id is checked so it cannot leave the directory. */
export function logFilePath(flowRunId: string, logDir: string = logDirFromEnv()): string {
  return join(logDir, `${checkedFlowRunId(flowRunId)}.log`);
}

/** The id, if it can name a file or blob without leaving its folder. */
export function checkedFlowRunId(flowRunId: string): string {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(flowRunId)) {
    throw new Error(`Flow run id "${flowRunId}" cannot name a log file; use letters, digits, ".", "_" and "-".`);
  }
  return flowRunId;
}
