/**
 * The worker's logger. A flow run that ends Failed, TimedOut or Cancelled ends its workflow with
 * an ApplicationFailure, and the SDK logs every such end as a WARN "Workflow failed" carrying the
 * error, which the default logger prints over many lines with a stack. For a flow run that is an
 * ordinary outcome, so it becomes one INFO line naming the run's workflow and its failure; any
 * other failure keeps the SDK's warning and stack.
 */
import { DefaultLogger, type LogLevel, type LogMetadata, LogTimestamp, type Logger } from '@temporalio/worker';
import { FLOW_RUN_WORKFLOW } from '../workflows/definitions';

/** The SDK's message when a workflow ends failed (@temporalio/workflow, lifecycle logging). */
const WORKFLOW_FAILED = 'Workflow failed';

export function createWorkerLogger(inner: Logger = new DefaultLogger('INFO')): Logger {
  const log = (level: LogLevel, message: string, meta?: LogMetadata) => {
    const outcome = message === WORKFLOW_FAILED ? flowRunOutcome(meta) : undefined;
    if (outcome === undefined) return inner.log(level, message, meta);
    // Only the timestamp stays in the metadata: the logger prints any other attribute on lines of their own.
    return inner.log('INFO', outcome, { [LogTimestamp]: meta?.[LogTimestamp] });
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
 * "Workflow flow-run-7 ended: Container exited with code 3", when a flow-run workflow ended with
 * an ApplicationFailure. The error reaches this logger from the workflow thread through a
 * structured clone, which keeps an error's message and stack but not its class, name or failure
 * type: the stack's first line still says what it was.
 */
function flowRunOutcome(meta: LogMetadata | undefined): string | undefined {
  const error = meta?.error as { name?: unknown; type?: unknown; message?: unknown; stack?: unknown } | undefined;
  if (meta?.workflowType !== FLOW_RUN_WORKFLOW || error === undefined) return undefined;
  const applicationFailure = error.name === 'ApplicationFailure' || (typeof error.stack === 'string' && error.stack.startsWith('ApplicationFailure:'));
  if (!applicationFailure) return undefined;
  const firstLine = String(error.message ?? '').split('\n')[0];
  const type = typeof error.type === 'string' ? ` ${error.type}` : '';
  return `Workflow ${String(meta.workflowId)} ended${type}: ${firstLine}`;
}
