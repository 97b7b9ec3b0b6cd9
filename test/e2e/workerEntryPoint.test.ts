/**
 * `node dist/worker.js`, the worker's entry point the image runs: with ACI_FLOW_POOL and the
 * stack's environment it polls the pool's task queue, runs a flow run to completion, and shuts
 * down cleanly on SIGTERM.
 */
import { startTestFlowRun } from '../helpers/flowRuns';
import { startStack, type Stack, testPool } from '../helpers/stack';

jest.setTimeout(120_000);

describe('the worker entry point (node dist/worker.js)', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-entry-point' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('runs a flow run of the pool in ACI_FLOW_POOL and exits 0 on SIGTERM', async () => {
    const workPool = 'e2e-entry-point-image';
    const worker = stack.spawnWorkerProcess({ workPool, entryPoint: true });
    try {
      const run = await startTestFlowRun({ client: stack.client, workPool, pool: testPool(workPool) }, { values: { command: "sh -c 'echo from-entry'" } });
      expect(await run.handle.result()).toMatchObject({ phase: 'Completed', exitCode: 0 });
    } finally {
      expect({ code: await worker.kill('SIGTERM'), output: worker.output() }).toEqual({ code: 0, output: expect.not.stringMatching(/^\s+at /m) as unknown });
    }
  });
});
