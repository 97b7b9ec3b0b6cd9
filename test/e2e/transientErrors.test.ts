/**
 * Polling errors never end a healthy run (docs/workflow.md, "Polling errors"): the emulator
 * answers every ARM call with 500 for a while, the worker keeps polling with backoff, status
 * shows the error while it lasts, and the run ends exactly as it would have without it.
 */
import { getFlowRunStatus } from '../../src/client';
import { FailureTypes, type FlowRunStatus } from '../../src/workflows/definitions';
import { expectHistoryAtMost, groupsOf, readRunLog, runFailure, startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { waitFor } from '../helpers/waitFor';
import { startStack, type Stack } from '../helpers/stack';

jest.setTimeout(150_000);

/** Far more than any test makes: the fault lasts until the test switches it off. */
const UNTIL_SWITCHED_OFF = 1_000_000;

describe('transient errors while polling', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-transient-errors' });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** Polls getFlowRunStatus (what `aci-flow status` prints) until `predicate` holds. */
  async function waitForFlowRunStatus(flowRunId: string, predicate: (status: FlowRunStatus) => boolean, what: string): Promise<FlowRunStatus> {
    let last: FlowRunStatus | undefined;
    await waitFor(
      async () => {
        last = await getFlowRunStatus(stack.client, flowRunId);
        return predicate(last);
      },
      what,
      { timeoutMs: 60_000 },
    );
    return last as FlowRunStatus;
  }

  it('reads failing with 500 mid-watch: the run keeps its container, shows the error in status while it lasts, and completes with every line once', async () => {
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo before; sleep 3; echo after'" } });
    await waitForStatus(run.handle, (current) => current.phase === 'Running');
    await waitFor(() => readRunLog(stack, run.flowRunId).includes('before'), 'the first log line');

    stack.emulator.setFaults({ serverErrors: { count: UNTIL_SWITCHED_OFF, statusCode: 500 } });
    try {
      const during = await waitForFlowRunStatus(run.flowRunId, (current) => current.lastPollError !== undefined, 'the polling error in status');
      expect(during.phase).toBe('Running');
      expect(during.lastPollError?.message).toContain('InternalServerError (HTTP 500)');
      expect(during.lastPollError?.attempts).toBeGreaterThanOrEqual(1);
      expect(groupsOf(stack, during.containerGroupName)).toEqual([expect.objectContaining({ deleted: false })]);
    } finally {
      stack.emulator.setFaults({ serverErrors: undefined });
    }

    const result = await run.handle.result();
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(readRunLog(stack, run.flowRunId)).toEqual(['before', 'after']);
    expect(await getFlowRunStatus(stack.client, run.flowRunId)).not.toHaveProperty('lastPollError');
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    // Failed polls are retried inside the activity: no workflow events per error.
    await expectHistoryAtMost(run.handle, 40);
  });

  it('reads failing with 500 until the start timeout: ends TimedOut and the message names the last polling error', async () => {
    const run = await startTestFlowRun(stack, {
      values: { image: 'example/never-starts:1', command: "sh -c 'echo never'", task_start_timeout_seconds: 8 },
    });
    await waitForStatus(run.handle, (current) => current.phase === 'WaitingForStart');

    stack.emulator.setFaults({ serverErrors: { count: UNTIL_SWITCHED_OFF, statusCode: 500 } });
    try {
      await waitForStatus(run.handle, (current) => current.phase !== 'WaitingForStart', 60_000);
    } finally {
      // Cleanup needs ARM again.
      stack.emulator.setFaults({ serverErrors: undefined });
    }
    const failure = await runFailure(run.handle);
    expect(failure.type).toBe(FailureTypes.startTimeout);
    expect(failure.message).toMatch(
      /^Timed out after 8 seconds waiting for container .*; last polling error: .*InternalServerError \(HTTP 500\).* \((1 failed poll|\d+ failed polls in a row), latest at [^)]+\)\. Check the image/,
    );
    const final = await getFlowRunStatus(stack.client, run.flowRunId);
    expect(final).toMatchObject({ phase: 'TimedOut' });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
  });
});
