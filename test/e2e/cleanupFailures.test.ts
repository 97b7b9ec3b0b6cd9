/**
 * Cleanup that keeps failing (the emulator's deleteFails fault: 403 AuthorizationFailed, as
 * before a role assignment propagates) is retried inside the activity, never in a workflow
 * loop: the run's history stays within 40 events whether the delete recovers or is
 * abandoned after cleanup_timeout_seconds.
 */
import { startFlowRun } from '../../src/client/flowRuns';
import { getFlowRunStatus } from '../../src/client/flowRunStatus';
import { searchAttributes } from '../../src/workflows/definitions';
import { expectHistoryAtMost, groupsOf, prepareTestFlowRun, status } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(120_000);

describe('cleanup when Azure refuses the delete', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-cleanup-failures' });
    await stack.startWorker();
  });

  afterEach(() => stack.emulator.setFaults({ deleteFails: undefined }));

  afterAll(async () => {
    await stack?.close();
  });

  /** Starts a short run whose group's deletion the emulator refuses from the start. */
  async function startWithDeleteRefused(values: Record<string, unknown> = {}) {
    const prepared = prepareTestFlowRun(stack, { values: { command: "sh -c 'echo done'", ...values } });
    const { containerGroupName } = prepared.input.names;
    stack.emulator.setFaults({ deleteFails: { match: { name: containerGroupName } } });
    const { handle } = await startFlowRun(stack.client, prepared);
    return { handle, containerGroupName, flowRunId: prepared.flowRunId };
  }

  it('retries a delete refused with AuthorizationFailed until it succeeds; the run completes with the group deleted', async () => {
    const { handle, containerGroupName, flowRunId } = await startWithDeleteRefused();
    // The retries are inside the activity: the workflow says pending, the client adds the pending activity's last failure.
    const refused = await waitFor(async () => {
      const current = await getFlowRunStatus(stack.client, flowRunId);
      return current.cleanup?.state === 'retrying' ? current : undefined;
    }, 'the status to show the refused delete being retried');
    expect(refused).toMatchObject({ phase: 'CleaningUp', cleanup: { state: 'retrying', lastError: expect.stringContaining('AuthorizationFailed') } });
    expect(await status(handle)).toMatchObject({ phase: 'CleaningUp', cleanup: { state: 'pending' } });

    stack.emulator.setFaults({ deleteFails: undefined });

    expect(await handle.result()).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(await status(handle)).toMatchObject({ phase: 'Completed', cleanup: { state: 'deleted' } });
    expect(groupsOf(stack, containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.cleanupState)).toBe('deleted');
    await expectHistoryAtMost(handle, 40);
  });

  it('abandons a delete that never succeeds after cleanup_timeout_seconds: the run keeps its outcome, cleanup shows abandoned', async () => {
    const { handle, containerGroupName, flowRunId } = await startWithDeleteRefused({ cleanup_timeout_seconds: 5 });

    expect(await handle.result()).toMatchObject({ phase: 'Completed', exitCode: 0 });
    const final = await status(handle);
    expect(final).toMatchObject({ phase: 'Completed', cleanup: { state: 'abandoned' } });
    expect(final.cleanup?.lastError).toMatch(/^gave up after 5 s: .*AuthorizationFailed/);
    expect((await handle.describe()).typedSearchAttributes.get(searchAttributes.cleanupState)).toBe('abandoned');
    // Visible without a worker too: `aci-flow status` of a closed run reads the search attribute.
    expect(await getFlowRunStatus(stack.client, flowRunId)).toMatchObject({ phase: 'Completed', cleanup: { state: 'abandoned' } });
    // Left for the orphan sweeper.
    expect(groupsOf(stack, containerGroupName)).toEqual([expect.objectContaining({ deleted: false })]);
    await expectHistoryAtMost(handle, 40);
  });
});
