/**
 * The two run timeouts against the emulator: task_start_timeout_seconds counts the ARM
 * deployment (on Azure it includes the image pull), so a deployment still running at the
 * deadline is cancelled and the run ends TimedOut; max_run_seconds bounds the Running phase.
 * Both clean up as any run does (deleted, stopped when kept) with a bounded history.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FailureTypes } from '../../src/workflows/definitions';
import { expectHistoryAtMost, groupsOf, HistoryRecorder, runFailure, startTestFlowRun, status } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

const DEPLOYMENT_DELAY_MS = 5_000;

/** A stack with its worker for the tests of one describe block; the emulator's options as given. */
function stackPerBlock(emulator: { deploymentDelayMs?: number } = {}): () => Stack {
  let stack: Stack | undefined;
  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-run-timeouts', emulator });
    await stack.startWorker();
  });
  afterAll(async () => {
    await stack?.close();
  });
  return () => {
    if (!stack) throw new Error('the stack did not start');
    return stack;
  };
}

describe('run timeouts', () => {
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-run-timeouts-${process.pid}`));

  describe('with deployments slower than the start timeout', () => {
    const current = stackPerBlock({ deploymentDelayMs: DEPLOYMENT_DELAY_MS });

    it('a start timeout that runs out during the deployment cancels it and ends TimedOut, group deleted', async () => {
      const stack = current();
      const startedAt = Date.now();
      const { handle } = await startTestFlowRun(stack, { values: { command: "sh -c 'sleep 60'", task_start_timeout_seconds: 1 } });
      const failure = await runFailure(handle);
      expect(Date.now() - startedAt).toBeLessThan(DEPLOYMENT_DELAY_MS);
      expect(failure.type).toBe(FailureTypes.startTimeout);
      expect(failure.message).toMatch(/^Timed out after 1 seconds waiting for container .* to start; its deployment .* was still running/);
      const final = await status(handle);
      expect(final).toMatchObject({ phase: 'TimedOut', cleanup: { state: 'deleted' } });
      expect(stack.emulator.counters()['deployments.cancel']).toBeGreaterThan(0);
      expect(groupsOf(stack, final.containerGroupName).every((group) => group.deleted)).toBe(true);
      await expectHistoryAtMost(handle, 40);
      await histories.save(handle);
    });
  });

  // The emulator's usual quick deployments: these runs time out in the Running phase.
  describe('with quick deployments', () => {
    const current = stackPerBlock();

    it.each([
      ['deleted', false],
      ['stopped', true],
    ])('a run longer than max_run_seconds ends TimedOut and its group is %s', async (cleanupState, keep) => {
      const stack = current();
      const { handle } = await startTestFlowRun(stack, {
        values: { command: "sh -c 'echo started; sleep 60'", max_run_seconds: 2, keep_container_group: keep },
      });
      const failure = await runFailure(handle);
      expect(failure.type).toBe(FailureTypes.maxRunTime);
      expect(failure.message).toMatch(/^Flow run ran longer than 2 s \(max_run_seconds\)/);
      const final = await status(handle);
      expect(final).toMatchObject({ phase: 'TimedOut', cleanup: { state: cleanupState } });
      const groups = groupsOf(stack, final.containerGroupName);
      expect(groups).toEqual([expect.objectContaining(keep ? { stopped: true, deleted: false } : { deleted: true })]);
      // 36 events, and 5 more when the cancelled watch answers before the run closes (docs/workflow.md, "History bound").
      await expectHistoryAtMost(handle, 41);
      await histories.save(handle);
    });
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBe(3);
    expect(await histories.replayAll()).toEqual([]);
  });
});
