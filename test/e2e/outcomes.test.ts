/**
 * DESIGN.md's outcome table, one test per row: a real Temporal dev server, the ACI
 * emulator and an in-process worker. Each test also checks what is left in the emulator.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureTypes } from '../../src/workflows/definitions';
import { groupsOf, HistoryRecorder, readRunLog, runFailure, startTestFlowRun, status } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';

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

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
