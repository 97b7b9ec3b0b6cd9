/**
 * Crash-proofing and the history bound: `aci-flow worker` child processes killed with
 * SIGKILL or stopped with SIGTERM mid-watch, and a run polled far more often than its history
 * may hold events.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  countingCommand,
  expectHistoryAtMost,
  groupsOf,
  HistoryRecorder,
  numberedLines,
  readRunLog,
  startTestFlowRun,
  status,
  waitForStatus,
} from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(180_000);

describe('durability', () => {
  let stack: Stack;
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-durability-${process.pid}`));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-durability' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('worker SIGKILLed mid-watch and restarted: same outcome, one container group ever, every log line exactly once', async () => {
    const first = stack.spawnWorkerProcess();
    const run = await startTestFlowRun(stack, { values: { command: countingCommand('line', 40, 0.25) } });
    await waitForStatus(run.handle, (current) => current.phase === 'Running', 60_000);
    await waitFor(() => readRunLog(stack, run.flowRunId).length >= 5, 'the first log lines', { timeoutMs: 30_000 });
    expect(await first.kill('SIGKILL')).toBeNull();
    const linesBeforeCrash = readRunLog(stack, run.flowRunId).length;
    expect(linesBeforeCrash).toBeLessThan(40);

    const second = stack.spawnWorkerProcess();
    const result = await run.handle.result();
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(readRunLog(stack, run.flowRunId)).toEqual(numberedLines('line', 40));
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    expect(second.output()).toContain(`[flow-run ${run.flowRunId}] line-40`);
    await second.kill('SIGTERM');
    await histories.save(run.handle);
  });

  it('worker stopped with SIGTERM mid-watch: exits 0, and the next worker finishes the run without losing or doubling a line', async () => {
    const first = stack.spawnWorkerProcess();
    const run = await startTestFlowRun(stack, { values: { command: countingCommand('tick', 30, 0.25) } });
    await waitForStatus(run.handle, (current) => current.phase === 'Running', 60_000);
    await waitFor(() => readRunLog(stack, run.flowRunId).length >= 3, 'the first log lines', { timeoutMs: 30_000 });
    expect(await first.kill('SIGTERM')).toBe(0);

    const second = stack.spawnWorkerProcess();
    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(readRunLog(stack, run.flowRunId)).toEqual(numberedLines('tick', 30));
    expect(await second.kill('SIGTERM')).toBe(0);
    await histories.save(run.handle);
  });

  it('aci-flow worker exits 1 and says how to point it at a cluster when Temporal is unreachable', async () => {
    const worker = stack.spawnWorkerProcess({ env: { TEMPORAL_ADDRESS: '127.0.0.1:1' } });
    expect(await worker.exited).toBe(1);
    expect(worker.output()).toContain('cannot connect to Temporal at 127.0.0.1:1');
    expect(worker.output()).toContain('TEMPORAL_ADDRESS');
  });

  it('a run polled more times than its history may hold events keeps at most 40: polling is not in history', async () => {
    // What makes the bound mean something is the number of polls, not the minutes: a short run
    // polled often is as good as the minute-long run this test used to watch.
    const HISTORY_BOUND = 40;
    await stack.startWorker();
    try {
      const pollsSoFar = () => stack.emulator.counters()['containerGroups.get'] ?? 0;
      const before = pollsSoFar();
      const run = await startTestFlowRun(stack, { values: { command: countingCommand('polled', 20, 0.5), task_watch_poll_interval: 0.05 } });
      const result = await run.handle.result();
      expect(result.exitCode).toBe(0);
      expect(pollsSoFar() - before).toBeGreaterThan(2 * HISTORY_BOUND);
      await expectHistoryAtMost(run.handle, HISTORY_BOUND);
      expect(readRunLog(stack, run.flowRunId)).toEqual(numberedLines('polled', 20));
      expect((await status(run.handle)).phase).toBe('Completed');
      await histories.save(run.handle);
    } finally {
      await stack.stopWorker();
    }
  });

  describe('with deployments slow enough to kill a worker during one', () => {
    let slow: Stack;

    beforeAll(async () => {
      slow = await startStack({ workPool: 'e2e-durability', emulator: { deploymentDelayMs: 3_000 } });
    });

    afterAll(async () => {
      await slow?.close();
    });

    it('worker SIGKILLed while deploying and restarted: the deployment is adopted, one container group ever, same outcome', async () => {
      const deploymentsPut = () => slow.emulator.counters()['deployments.put'] ?? 0;
      const before = deploymentsPut();
      const first = slow.spawnWorkerProcess();
      const run = await startTestFlowRun(slow, { values: { command: "sh -c 'echo deployed once'" } });
      await waitFor(() => deploymentsPut() > before, 'the deployment to start', { timeoutMs: 60_000 });
      expect((await status(run.handle)).phase).toBe('Deploying');
      expect(await first.kill('SIGKILL')).toBeNull();

      const second = slow.spawnWorkerProcess();
      const result = await run.handle.result();
      expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
      expect(groupsOf(slow, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
      expect(readRunLog(slow, run.flowRunId)).toEqual(['deployed once']);
      await second.kill('SIGTERM');
      await histories.save(run.handle);
    });
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
