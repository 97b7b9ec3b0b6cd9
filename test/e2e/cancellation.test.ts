/**
 * The "cancel signal / workflow cancel in any phase" row of the outcome table: every path
 * ends the same way (failure type FlowRunCancelled, phase Cancelled) and leaves no running
 * container group behind. Cancels while deploying are in cancelWhileDeploying.test.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { WorkflowHandle } from '@temporalio/client';
import { cancelSignal, FailureTypes, type FlowRunPhase } from '../../src/workflows/definitions';
import { groupsOf, HistoryRecorder, runFailure, startTestFlowRun, status, waitForStatus } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

describe('cancellation in every phase', () => {
  let stack: Stack;
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-cancellation-${process.pid}`));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-cancellation' });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.close();
  });

  const longRunning = { command: "sh -c 'echo started; sleep 60'" };
  const neverStarts = { image: 'example/never-starts:1', command: 'echo never', task_start_timeout_seconds: 60 };

  async function expectCancelled(handle: WorkflowHandle, reason: string) {
    const failure = await runFailure(handle);
    expect(failure).toMatchObject({ type: FailureTypes.cancelled, message: `Flow run cancelled: ${reason}` });
    const final = await status(handle);
    expect(final).toMatchObject({ phase: 'Cancelled', cancelRequested: { reason } });
    expect((await handle.describe()).status.name).toBe('FAILED');
    return final;
  }

  async function startAndReach(phase: FlowRunPhase, values: Record<string, unknown>) {
    const run = await startTestFlowRun(stack, { values });
    await waitForStatus(run.handle, (current) => current.phase === phase);
    return run;
  }

  it('cancel signal while waiting for start: deletes the container group', async () => {
    const run = await startAndReach('WaitingForStart', neverStarts);
    await run.handle.signal(cancelSignal, { reason: 'stop while waiting' });
    const final = await expectCancelled(run.handle, 'stop while waiting');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('cancel signal while running: deletes the container group', async () => {
    const run = await startAndReach('Running', longRunning);
    await run.handle.signal(cancelSignal, { reason: 'stop while running' });
    const final = await expectCancelled(run.handle, 'stop while running');
    expect(final.cleanup).toEqual({ state: 'deleted' });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('workflow cancellation while running: ends exactly like the cancel signal and deletes the container group', async () => {
    const run = await startAndReach('Running', longRunning);
    await run.handle.cancel();
    const final = await expectCancelled(run.handle, 'workflow cancellation requested');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('workflow cancellation while waiting for start: deletes the container group', async () => {
    const run = await startAndReach('WaitingForStart', neverStarts);
    await run.handle.cancel();
    const final = await expectCancelled(run.handle, 'workflow cancellation requested');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('cancel with keep_container_group: stops the container group instead of deleting it', async () => {
    const run = await startAndReach('Running', { ...longRunning, keep_container_group: true });
    await run.handle.signal(cancelSignal, { reason: 'keep it' });
    const final = await expectCancelled(run.handle, 'keep it');
    expect(final.cleanup).toEqual({ state: 'stopped' });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: false, stopped: true })]);
    await histories.save(run.handle);
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
