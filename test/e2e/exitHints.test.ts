/**
 * Exit hints end to end: dev server, emulator, a worker and the `aci-flow exited` command. A
 * run polled once a minute (task_watch_poll_interval 60) would see its container's exit up to
 * a minute late; `aci-flow exited` gets it seen within seconds, and the run's log is whole.
 */
import { readFileSync } from 'node:fs';
import { logFilePath } from '../../src/logs/logFiles';
import { statusQuery } from '../../src/workflows/definitions';
import { startTestFlowRun, uniqueRunId } from '../helpers/flowRuns';
import { startStack, type Stack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';
import { runCli } from './cliProcess';

jest.setTimeout(120_000);

describe('aci-flow exited against a dev server, the emulator and a worker', () => {
  let stack: Stack;
  let env: NodeJS.ProcessEnv;
  const cli = (...args: string[]) => runCli(args, env);

  beforeAll(async () => {
    stack = await startStack();
    await stack.startWorker();
    env = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default' };
  }, 120_000);

  afterAll(async () => {
    await stack?.close();
  });

  it('gets an exit seen within seconds although the run polls once a minute, every log line once', async () => {
    const started = await startTestFlowRun(stack, {
      flowRunId: uniqueRunId('hinted'),
      values: { task_watch_poll_interval: 60, command: "sh -c 'echo one; sleep 3; echo two'" },
    });
    const runningAt = await waitFor(
      async () => ((await started.handle.query(statusQuery)).phase === 'Running' ? Date.now() : undefined),
      'the run to be Running',
    );
    const { containerGroupName } = await started.handle.query(statusQuery);
    const ref = { subscriptionId: TEST_SUBSCRIPTION_ID, resourceGroupName: TEST_RESOURCE_GROUP, containerGroupName };
    // The test looks at the emulator itself; the worker would not look for a minute.
    await waitFor(async () => (await stack.gateway.getContainerGroup(ref))?.containers[0]?.currentState?.state === 'Terminated', 'the container to exit', {
      intervalMs: 250,
    });
    const exitSeenAt = Date.now();
    const hinted = await cli('exited', started.flowRunId, '--source', 'container', '--json');
    expect(hinted.stderr).toBe('');
    expect(hinted.code).toBe(0);
    expect(JSON.parse(hinted.stdout)).toEqual({ flowRunId: started.flowRunId, taken: true, phase: 'Running', reason: null });
    await expect(started.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    const closedAt = Date.now();
    // Well inside the minute the watch's poll interval (counted from its last poll, at Running) would take.
    expect(closedAt - runningAt).toBeLessThan(45_000);
    expect(closedAt - exitSeenAt).toBeLessThan(15_000);
    expect(readFileSync(logFilePath(started.flowRunId, stack.logDir), 'utf8')).toBe('one\ntwo\n');
    expect((await started.handle.query(statusQuery)).exitHints).toEqual({ taken: 1, ignored: 0, lastSource: 'container' });

    // Once the run is closed a hint is not needed, and says why.
    const late = await cli('exited', started.flowRunId, '--json');
    expect(late.code).toBe(0);
    expect(JSON.parse(late.stdout)).toMatchObject({ taken: false, reason: 'the flow run has already finished (workflow COMPLETED)' });
  });

  it('refuses a bad source with exit code 2 naming the field, and an unknown run with exit code 3', async () => {
    const bad = await cli('exited', 'any-run', '--source', 'rumour');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('source:');
    const unknown = await cli('exited', uniqueRunId('nobody'));
    expect(unknown.code).toBe(3);
    expect(unknown.stderr).toContain('not found');
  });
});
