/**
 * The "cancel signal / workflow cancel in any phase" row of the outcome table: every path
 * (a bare signal, workflow cancellation alone, cancelFlowRun) ends the same way: Temporal
 * status Canceled, phase Cancelled with the reason in status, and no running container group
 * behind. Cancels while deploying are in cancelWhileDeploying.test.ts.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure, type WorkflowHandle, WorkflowFailedError } from '@temporalio/client';
import { cancelFlowRun } from '../../src/client/flowRunCancel';
import { getFlowRunStatus } from '../../src/client/flowRunStatus';
import { cancelSignal, type FlowRunPhase } from '../../src/workflows/definitions';
import { groupsOf, HistoryRecorder, startTestFlowRun, status, waitForStatus } from '../helpers/flowRuns';
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

  async function expectCancelled(handle: WorkflowHandle, flowRunId: string, reason: string, phase: FlowRunPhase) {
    const closed = await handle.result().catch((err: unknown) => err);
    expect(closed).toBeInstanceOf(WorkflowFailedError);
    expect((closed as WorkflowFailedError).cause).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    const final = await status(handle);
    expect(final).toMatchObject({ phase: 'Cancelled', cancelRequested: { reason, phase } });
    // What aci-flow status shows for the closed run: the reason comes from the run's memo.
    expect(await getFlowRunStatus(stack.client, flowRunId)).toMatchObject({
      phase: 'Cancelled',
      message: `Flow run cancelled: ${reason}`,
      cancelRequested: { reason, phase },
    });
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
    const final = await expectCancelled(run.handle, run.flowRunId, 'stop while waiting', 'WaitingForStart');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('cancel signal while running: deletes the container group', async () => {
    const run = await startAndReach('Running', longRunning);
    await run.handle.signal(cancelSignal, { reason: 'stop while running' });
    const final = await expectCancelled(run.handle, run.flowRunId, 'stop while running', 'Running');
    expect(final.cleanup).toEqual({ state: 'deleted' });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('workflow cancellation while running: ends exactly like the cancel signal and deletes the container group', async () => {
    const run = await startAndReach('Running', longRunning);
    await run.handle.cancel();
    const final = await expectCancelled(run.handle, run.flowRunId, 'workflow cancellation requested', 'Running');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('workflow cancellation while waiting for start: deletes the container group', async () => {
    const run = await startAndReach('WaitingForStart', neverStarts);
    await run.handle.cancel();
    const final = await expectCancelled(run.handle, run.flowRunId, 'workflow cancellation requested', 'WaitingForStart');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('cancel with keep_container_group: stops the container group instead of deleting it', async () => {
    const run = await startAndReach('Running', { ...longRunning, keep_container_group: true });
    await run.handle.signal(cancelSignal, { reason: 'keep it' });
    const final = await expectCancelled(run.handle, run.flowRunId, 'keep it', 'Running');
    expect(final.cleanup).toEqual({ state: 'stopped' });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: false, stopped: true })]);
    await histories.save(run.handle);
  });

  it('cancelFlowRun: signal with the reason plus workflow cancellation, acknowledged with the phase it interrupted', async () => {
    const run = await startAndReach('Running', longRunning);
    const receipt = await cancelFlowRun(stack.client, run.flowRunId, 'from the library');
    expect(receipt).toEqual({ flowRunId: run.flowRunId, accepted: true, phase: 'Running', reason: 'from the library' });
    const final = await expectCancelled(run.handle, run.flowRunId, 'from the library', 'Running');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
