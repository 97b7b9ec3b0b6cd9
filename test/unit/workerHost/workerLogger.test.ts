/**
 * The worker's logger: a flow run's ordinary end is one INFO line, an Azure failure of one of its
 * activities one WARN line; anything else is left as the SDK logs it.
 */
import { ApplicationFailure } from '@temporalio/common';
import { DefaultLogger, type LogEntry, LogTimestamp } from '@temporalio/worker';
import { createWorkerLogger } from '../../../src/workerHost/workerLogger';
import { FailureTypes, FLOW_RUN_WORKFLOW } from '../../../src/workflows/definitions';

function capture() {
  const entries: LogEntry[] = [];
  return { entries, logger: createWorkerLogger(new DefaultLogger('TRACE', (entry) => entries.push(entry))) };
}

const workflowAttributes = { namespace: 'default', taskQueue: 'pool', workflowId: 'flow-run-7', runId: 'r', workflowType: FLOW_RUN_WORKFLOW };

describe('createWorkerLogger', () => {
  it('logs a flow run that ended with a non-zero exit as one INFO line without a stack', () => {
    const { entries, logger } = capture();
    const error = ApplicationFailure.create({ type: FailureTypes.nonZeroExit, message: 'Container etl exited with code 3', nonRetryable: true });
    expect(error.stack).toContain('\n');
    logger.warn('Workflow failed', { ...workflowAttributes, error, sdkComponent: 'worker', [LogTimestamp]: 42n });
    expect(entries).toEqual([
      { level: 'INFO', message: 'Workflow flow-run-7 ended: ContainerExitedNonZero: Container etl exited with code 3', meta: undefined, timestampNanos: 42n },
    ]);
  });

  it('recognises the failure as the worker thread hands it over: a structured clone, without class, name or type', () => {
    const { entries, logger } = capture();
    const error = structuredClone(ApplicationFailure.create({ type: FailureTypes.nonZeroExit, message: 'Container exited with code 3', nonRetryable: true }));
    expect(error.name).toBe('Error');
    logger.warn('Workflow failed', { ...workflowAttributes, error });
    expect(entries.map(({ level, message, meta }) => ({ level, message, meta }))).toEqual([
      { level: 'INFO', message: 'Workflow flow-run-7 ended: Container exited with code 3', meta: undefined },
    ]);
  });

  it('keeps the first line of a multi-line failure message', () => {
    const { entries, logger } = capture();
    const error = ApplicationFailure.create({ type: FailureTypes.startTimeout, message: 'Timed out after 5 seconds\nmore', nonRetryable: true });
    logger.warn('Workflow failed', { ...workflowAttributes, error });
    expect(entries.map((entry) => entry.message)).toEqual(['Workflow flow-run-7 ended: ContainerStartTimeout: Timed out after 5 seconds']);
  });

  it('logs an activity attempt of a flow run failing with an ApplicationFailure as one WARN line', () => {
    const { entries, logger } = capture();
    const error = ApplicationFailure.create({ type: 'InaccessibleImage', message: 'The image is not accessible\ndetails', nonRetryable: true });
    logger.warn('Activity failed', { ...workflowAttributes, activityType: 'deploy', attempt: 2, error, durationMs: 12 });
    expect(entries.map(({ level, message, meta }) => ({ level, message, meta }))).toEqual([
      { level: 'WARN', message: 'Activity deploy of workflow flow-run-7 failed (attempt 2): InaccessibleImage: The image is not accessible', meta: undefined },
    ]);
  });

  it("leaves other workflows' failures, other errors and other messages as they were", () => {
    const { entries, logger } = capture();
    const failure = ApplicationFailure.create({ type: 'X', message: 'm' });
    const bug = new TypeError('undefined is not a function');
    logger.warn('Workflow failed', { ...workflowAttributes, workflowType: 'orphanSweeperWorkflow', error: failure });
    logger.warn('Workflow failed', { ...workflowAttributes, error: bug });
    logger.warn('Activity failed', { error: failure });
    logger.warn('Activity failed', { ...workflowAttributes, activityType: 'watch', attempt: 1, error: bug });
    logger.info('Worker state changed', { state: 'RUNNING' });
    expect(entries.map(({ level, message, meta }) => ({ level, message, error: meta?.error }))).toEqual([
      { level: 'WARN', message: 'Workflow failed', error: failure },
      { level: 'WARN', message: 'Workflow failed', error: bug },
      { level: 'WARN', message: 'Activity failed', error: failure },
      { level: 'WARN', message: 'Activity failed', error: bug },
      { level: 'INFO', message: 'Worker state changed', error: undefined },
    ]);
  });
});
