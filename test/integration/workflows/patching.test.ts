/**
 * patched() is the hotfix path for workflow code that must change under running runs
 * (docs/operations.md, "A hotfix to running workflow code"): a history recorded before the
 * change replays with the patched code and fails without the patch.
 */
import { DeterminismViolationError } from '@temporalio/workflow';
import { Worker } from '@temporalio/worker';
import { startDevServer, type TestDevServer } from '../../helpers/temporal';

jest.setTimeout(120_000);

const TASK_QUEUE = 'patching';
const activities = { greet: async (name: string) => `hello ${name}` };
const workflows = (name: string) => require.resolve(`./patching/${name}`);

describe('a hotfix with patched()', () => {
  let env: TestDevServer;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function runOn(workflowModule: string, workflowId: string) {
    const worker = await Worker.create({ connection: env.nativeConnection, taskQueue: TASK_QUEUE, workflowsPath: workflows(workflowModule), activities });
    return worker.runUntil(async () => {
      const handle = await env.client.workflow.start('greetingWorkflow', { taskQueue: TASK_QUEUE, workflowId });
      return { result: await handle.result(), history: await handle.fetchHistory() };
    });
  }

  it('replays a history of the released code with the patched hotfix, and fails without the patch', async () => {
    const released = await runOn('released', `patching-old-${Date.now()}`);
    expect(released.result).toEqual(['hello one']);

    await expect(Worker.runReplayHistory({ workflowsPath: workflows('hotfixPatched') }, released.history)).resolves.toBeUndefined();
    await expect(Worker.runReplayHistory({ workflowsPath: workflows('hotfixUnpatched') }, released.history)).rejects.toThrow(DeterminismViolationError);

    // New runs take the hotfix.
    const patched = await runOn('hotfixPatched', `patching-new-${Date.now()}`);
    expect(patched.result).toEqual(['hello one', 'hello two']);
  });
});
