/**
 * The outcome table (docs/workflow.md), one test per row: a real Temporal dev server, the ACI
 * emulator and an in-process worker. Each test also checks what is left in the emulator.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startFlowRun } from '../../src/client/flowRuns';
import { flowRunNames } from '../../src/template/naming';
import { FailureTypes } from '../../src/workflows/definitions';
import {
  activityAttempts,
  groupsOf,
  HistoryRecorder,
  prepareTestFlowRun,
  readRunLog,
  runFailure,
  startTestFlowRun,
  status,
  uniqueRunId,
  waitForStatus,
} from '../helpers/flowRuns';
import { startStack, type Stack, testPool } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(120_000);

describe('flow-run outcome table', () => {
  let stack: Stack;
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-outcomes-${process.pid}`));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-outcomes' });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('exit 0: completes with exit code 0, streams every line and deletes the container group', async () => {
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; echo two; echo three'" } });
    const result = await run.handle.result();
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect((await status(run.handle)).phase).toBe('Completed');
    expect(readRunLog(stack, run.flowRunId)).toEqual(['one', 'two', 'three']);
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('exit ≠ 0: fails with the exit code and deletes the container group', async () => {
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; sleep 1; echo two; exit 3'" } });
    const failure = await runFailure(run.handle);
    expect(failure).toMatchObject({ type: FailureTypes.nonZeroExit, message: 'Container exited with code 3', details: [{ exitCode: 3 }] });
    const final = await status(run.handle);
    expect(final).toMatchObject({ phase: 'Failed', exitCode: 3, cleanup: { state: 'deleted' } });
    expect(readRunLog(stack, run.flowRunId)).toEqual(['one', 'two']);
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it('exit ≠ 0 on an aci-flow worker process: the worker logs the ordinary outcome as one line, without a stack', async () => {
    const workPool = 'e2e-outcomes-process';
    const worker = stack.spawnWorkerProcess({ workPool });
    try {
      const run = await startTestFlowRun({ client: stack.client, workPool, pool: testPool(workPool) }, { values: { command: "sh -c 'exit 4'" } });
      expect(await runFailure(run.handle)).toMatchObject({ type: FailureTypes.nonZeroExit });
      const line = `Workflow ${run.handle.workflowId} ended: Container exited with code 4`;
      await waitFor(() => worker.output().includes(line), 'the worker to log the outcome', { lastSeen: () => worker.output() });
      expect(worker.output()).not.toContain('Workflow failed');
      expect(worker.output()).not.toMatch(/^\s+at /m);
    } finally {
      await worker.kill('SIGTERM');
    }
  });

  it('exit 0 with keep_container_group: completes and stops the container group instead of deleting it', async () => {
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo kept'", keep_container_group: true } });
    const result = await run.handle.result();
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect((await status(run.handle)).cleanup).toEqual({ state: 'stopped' });
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: false, stopped: true })]);
    await histories.save(run.handle);
  });

  it('never starts within the timeout: ends TimedOut with "Timed out after N seconds", the last state and event, and deletes the group', async () => {
    const run = await startTestFlowRun(stack, {
      values: { image: 'example/never-starts:1', command: "sh -c 'echo never'", task_start_timeout_seconds: 2 },
    });
    const failure = await runFailure(run.handle);
    expect(failure.type).toBe(FailureTypes.startTimeout);
    expect(failure.message).toMatch(/^Timed out after 2 seconds waiting for container \S+ \(group \S+\) to start; last state: Waiting\b.*; last event: .+/);
    const final = await status(run.handle);
    expect(final).toMatchObject({ phase: 'TimedOut', cleanup: { state: 'deleted' } });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await histories.save(run.handle);
  });

  it("image cannot be pulled: fails fast and non-retryably with Azure's code and message, leaving no group", async () => {
    const run = await startTestFlowRun(stack, { values: { image: 'registry.example/does-not-exist:1', command: 'echo hi' } });
    const failure = await runFailure(run.handle);
    // Fast means without a retry, which the history shows whatever the machine's load.
    expect(await activityAttempts(run.handle, 'deploy')).toEqual([1]);
    expect(failure.type).toBe('InaccessibleImage');
    expect(failure.message).toContain('InaccessibleImage');
    expect(failure.message).toContain('does-not-exist');
    const final = await status(run.handle);
    expect(final.phase).toBe('Failed');
    expect(groupsOf(stack, final.containerGroupName).every((group) => group.deleted)).toBe(true);
    await histories.save(run.handle);
  });

  it("quota exceeded: fails fast and non-retryably with Azure's quota code", async () => {
    // Set before the start: the fault matters at the deployment PUT, which may come at once.
    stack.emulator.setFaults({ quotaExceeded: { name: 'quota-flow' } });
    try {
      const run = await startTestFlowRun(stack, { flowName: 'quota-flow', values: { command: 'echo hi' } });
      const failure = await runFailure(run.handle);
      expect(failure.type).toBe('ContainerGroupQuotaReached');
      expect(await activityAttempts(run.handle, 'deploy')).toEqual([1]);
      const final = await status(run.handle);
      expect(final.phase).toBe('Failed');
      expect(groupsOf(stack, final.containerGroupName)).toEqual([]);
      await histories.save(run.handle);
    } finally {
      stack.emulator.setFaults({ quotaExceeded: undefined });
    }
  });

  it('bad template: fails fast and non-retryably with the inner ARM validation error, leaving no group', async () => {
    const run = await startTestFlowRun(stack, {
      values: {
        command: 'echo hi',
        arm_template_patches: [{ op: 'remove', path: '/resources/0/properties/containers/0/properties/image' }],
      },
    });
    const failure = await runFailure(run.handle);
    expect(await activityAttempts(run.handle, 'deploy')).toEqual([1]);
    expect(failure.type).toBe('InvalidRequestContent');
    expect(failure.message).toContain('image');
    const final = await status(run.handle);
    expect(final.phase).toBe('Failed');
    expect(groupsOf(stack, final.containerGroupName)).toEqual([]);
    await histories.save(run.handle);
  });

  it('resource group missing: fails fast with ResourceGroupNotFound and says to create it', async () => {
    const run = await startTestFlowRun(stack, { values: { command: 'echo hi', resource_group_name: 'no-such-group' } });
    const failure = await runFailure(run.handle);
    expect(failure.type).toBe('ResourceGroupNotFound');
    expect(failure.message).toContain('no-such-group');
    expect(failure.message).toContain('create the resource group');
    expect((await status(run.handle)).phase).toBe('Failed');
    await histories.save(run.handle);
  });

  it('group deleted by someone else mid-run: fails with "container group disappeared" (exit code unknown)', async () => {
    const run = await startTestFlowRun(stack, { flowName: 'vanishing-flow', values: { command: "sh -c 'echo up; sleep 30'" } });
    await waitForStatus(run.handle, (current) => current.phase === 'Running');
    stack.emulator.setFaults({ vanish: { afterMs: 0, match: { name: 'vanishing-flow' } } });
    try {
      const failure = await runFailure(run.handle);
      const final = await status(run.handle);
      expect(failure).toMatchObject({
        type: FailureTypes.groupDisappeared,
        message: `Container group ${final.containerGroupName} disappeared while the flow run was running (exit code unknown)`,
      });
      expect(final).toMatchObject({ phase: 'Failed', cleanup: { state: 'deleted' } });
      expect(final.exitCode).toBeUndefined();
    } finally {
      stack.emulator.setFaults({ vanish: undefined });
    }
    await histories.save(run.handle);
  });

  it('starting the same flow run twice: one workflow, one container group', async () => {
    const flowRunId = uniqueRunId('twice');
    const values = { command: "sh -c 'echo once; sleep 1'" };
    const first = await startTestFlowRun(stack, { flowRunId, values });
    const second = await startTestFlowRun(stack, { flowRunId, values });
    expect(second.alreadyStarted).toBe(true);
    expect((await second.handle.describe()).runId).toBe((await first.handle.describe()).runId);
    const result = await first.handle.result();
    const third = await startTestFlowRun(stack, { flowRunId, values });
    expect(third.alreadyStarted).toBe(true);
    expect(groupsOf(stack, result.containerGroupName)).toHaveLength(1);
    expect(readRunLog(stack, flowRunId)).toEqual(['once']);
    await histories.save(first.handle);
  });

  it("a run whose input carries another run's names fails without touching that run's container group", async () => {
    const gate = join(tmpdir(), `aci-flow-victim-gate-${uniqueRunId('gate')}`);
    // The victim runs until the test lets it finish, so the attack happens while its group is live.
    const victim = await startTestFlowRun(stack, { values: { command: `sh -c 'while [ ! -e ${gate} ]; do sleep 0.1; done; echo victim done'` } });
    const running = await waitForStatus(victim.handle, (current) => current.phase === 'Running');

    const hostile = prepareTestFlowRun(stack, { flowRunId: uniqueRunId('attacker') });
    hostile.input.names = flowRunNames('e2e-flow', victim.flowRunId);
    const attacker = await startFlowRun(stack.client, hostile);
    const failure = await runFailure(attacker.handle);
    expect(failure.type).toBe('FlowRunNamesMismatch');
    expect(failure.message).toContain(`names.containerGroupName, names.deploymentName in the workflow input are not flow run "${attacker.flowRunId}"'s`);
    // Refused by the worker's rendering, before anything exists in Azure: nothing to clean up.
    const refused = await status(attacker.handle);
    expect(refused).toMatchObject({ phase: 'Failed' });
    expect(refused.cleanup).toBeUndefined();
    expect(groupsOf(stack, running.containerGroupName)).toEqual([expect.objectContaining({ deleted: false })]);

    writeFileSync(gate, '');
    try {
      expect(await victim.handle.result()).toMatchObject({ phase: 'Completed', exitCode: 0 });
    } finally {
      rmSync(gate, { force: true });
    }
    expect(readRunLog(stack, victim.flowRunId)).toEqual(['victim done']);
    expect(groupsOf(stack, running.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
