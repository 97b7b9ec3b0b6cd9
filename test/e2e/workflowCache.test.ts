/**
 * The worker caches few workflows (DEFAULT_MAX_CACHED_WORKFLOWS), far fewer than the runs it
 * holds at scale: most workflow tasks of a run find it evicted and replay its history. Here a
 * worker that caches two workflows runs six flow runs at once, so runs are evicted and
 * replayed on the way, and each must still end as it would with all of them cached.
 */
import { DEFAULT_MAX_CACHED_WORKFLOWS } from '../../src/workerHost';
import { groupsOf, readRunLog, startTestFlowRun, status } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

describe('workflow cache smaller than the runs in flight', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-workflow-cache' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('caches DEFAULT_MAX_CACHED_WORKFLOWS workflows unless told otherwise', async () => {
    const worker = await stack.startWorker();
    expect(worker.options.maxCachedWorkflows).toBe(DEFAULT_MAX_CACHED_WORKFLOWS);
    await stack.stopWorker();
  });

  it('completes six concurrent runs with two cached workflows: evicted runs replay and carry on', async () => {
    const worker = await stack.startWorker({ maxCachedWorkflows: 2 });
    expect(worker.options.maxCachedWorkflows).toBe(2);
    const runs = await Promise.all(
      Array.from({ length: 6 }, (_, i) => startTestFlowRun(stack, { values: { command: `sh -c 'echo run ${i}; sleep 2; echo done ${i}'` } })),
    );
    const results = await Promise.all(runs.map((run) => run.handle.result()));
    for (const [i, run] of runs.entries()) {
      expect(results[i]).toMatchObject({ phase: 'Completed', exitCode: 0 });
      expect(await status(run.handle)).toMatchObject({ phase: 'Completed', cleanup: { state: 'deleted' } });
      expect(readRunLog(stack, run.flowRunId)).toEqual([`run ${i}`, `done ${i}`]);
      expect(groupsOf(stack, results[i].containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    }
    await stack.stopWorker();
  });
});
