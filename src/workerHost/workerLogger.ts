/**
 * The worker's logger. A flow run that ends Failed, TimedOut or Cancelled ends its workflow with
 * an ApplicationFailure, and the SDK logs every such end as a WARN "Workflow failed" carrying the
 * error, which the default logger prints over many lines with a stack. For a flow run that is an
 * ordinary outcome, so it becomes one INFO line naming the run's workflow and its failure. An
 * activity of a flow run failing with an ApplicationFailure (Azure's answer: a 429, a pull
 * error) stays a warning, on one line. Any other failure, a bug above all, keeps its stack.
 */
import { DefaultLogger, type LogLevel, type LogMetadata, LogTimestamp, type Logger } from '@temporalio/worker';
import { FLOW_RUN_WORKFLOW } from '../workflows/definitions';

/** The SDK's messages when a workflow ends failed and when an activity attempt fails. */
const WORKFLOW_FAILED = 'Workflow failed';
const ACTIVITY_FAILED = 'Activity failed';

export function createWorkerLogger(inner: Logger = new DefaultLogger('INFO')): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const line = oneLine(message, meta);
    if (line === undefined) return inner.log(level, message, meta);
    // Only the timestamp stays in the metadata: the logger prints any other attribute on lines of their own.
    return inner.log(message === WORKFLOW_FAILED ? 'INFO' : level, line, { [LogTimestamp]: meta?.[LogTimestamp] });
  };
  return {
    log,
    trace: (message, meta) => log('TRACE', message, meta),
    debug: (message, meta) => log('DEBUG', message, meta),
    info: (message, meta) => log('INFO', message, meta),
    warn: (message, meta) => log('WARN', message, meta),
    error: (message, meta) => log('ERROR', message, meta),
  };
}

/**
 * "Workflow flow-run-7 ended: Container exited with code 3", or "Activity deploy of workflow
 * flow-run-7 failed (attempt 1): InaccessibleImage: …", for an ApplicationFailure of a flow run;
 * undefined for anything else.
 */
function oneLine(message: string, meta: LogMetadata | undefined): string | undefined {
  if ((message !== WORKFLOW_FAILED && message !== ACTIVITY_FAILED) || meta?.workflowType !== FLOW_RUN_WORKFLOW) return undefined;
  const failure = applicationFailure(meta.error);
  if (failure === undefined) return undefined;
  if (message === WORKFLOW_FAILED) return `Workflow ${String(meta.workflowId)} ended${failure}`;
  return `Activity ${String(meta.activityType)} of workflow ${String(meta.workflowId)} failed (attempt ${String(meta.attempt)})${failure}`;
}

/**
 * ": <type>: <first line of the message>" of an ApplicationFailure. A workflow's error reaches
 * this logger from the workflow thread through a structured clone, which keeps an error's
 * message and stack but not its class, name or failure type: the stack's first line still says
 * what it was.
 */
function applicationFailure(error: unknown): string | undefined {
  if (typeof error !== 'object' || error === null) return undefined;
  const { name, type, message, stack } = error as { name?: unknown; type?: unknown; message?: unknown; stack?: unknown };
  if (name !== 'ApplicationFailure' && !(typeof stack === 'string' && stack.startsWith('ApplicationFailure:'))) return undefined;
  const firstLine = String(message ?? '').split('\n')[0];
  return typeof type === 'string' ? `: ${type}: ${firstLine}` : `: ${firstLine}`;
}
