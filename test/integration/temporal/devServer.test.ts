/** The test harness itself: the provisioned dev server runs a workflow with an activity, a signal and a timer, and takes aci-flow's search attributes. */
import { Worker } from '@temporalio/worker';
import { searchAttributes } from '../../../src/workflows/definitions';
import { startDevServer, type TestDevServer } from '../../helpers/temporal';
import { proceed, smokeWorkflow } from './smokeWorkflow';

describe('Temporal dev server harness', () => {
  let env: TestDevServer;

  beforeAll(async () => {
    env = await startDevServer();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow with an activity and a signal on the provisioned dev server', async () => {
    const worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue: 'smoke',
      workflowsPath: require.resolve('./smokeWorkflow'),
      activities: { greet: async (name: string) => `hello ${name}` },
    });
    const result = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(smokeWorkflow, {
        taskQueue: 'smoke',
        workflowId: `smoke-${Date.now()}`,
        args: ['aci-flow'],
        typedSearchAttributes: [{ key: searchAttributes.flowRunId, value: 'smoke' }],
      });
      await handle.signal(proceed);
      return handle.result();
    });
    expect(result).toBe('hello aci-flow');
  });
});
