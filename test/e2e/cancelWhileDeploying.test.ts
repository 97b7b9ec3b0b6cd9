/**
 * A cancel while deploying does not wait for the deployment: the workflow cancels the ARM
 * deployment, deletes what it already created and closes Canceled within seconds, though the
 * emulator would keep the deployment Running for 20 s.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CancelledFailure, type WorkflowHandle } from '@temporalio/client';
import { cancelSignal } from '../../src/workflows/definitions';
import { expectHistoryAtMost, groupsOf, HistoryRecorder, signalTiming, startTestFlowRun, status } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(120_000);

const DEPLOYMENT_DELAY_MS = 20_000;

describe('cancel while deploying', () => {
  let stack: Stack;
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-cancel-deploying-${process.pid}`));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-cancel-deploying', emulator: { deploymentDelayMs: DEPLOYMENT_DELAY_MS } });
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.close();
  });

  /** Starts a run and returns once its deployment PUT reached the emulator (which creates the group at once). */
  async function startDeploying() {
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo started; sleep 60'" } });
    const { containerGroupName } = await status(run.handle);
    await waitFor(() => groupsOf(stack, containerGroupName).length > 0, 'the deployment PUT to reach the emulator');
    return { handle: run.handle, containerGroupName };
  }

  /** The deploy activity's failure type: DeploymentCanceled when it returned because its deployment was cancelled. */
  async function deployFailureType(handle: WorkflowHandle): Promise<string | undefined> {
    const events = (await handle.fetchHistory()).events ?? [];
    const failed = events.find((event) => event.activityTaskFailedEventAttributes);
    return failed?.activityTaskFailedEventAttributes?.failure?.applicationFailureInfo?.type ?? undefined;
  }

  async function expectCancelledQuickly(handle: WorkflowHandle, containerGroupName: string, reason: string, cancelledAt: number) {
    const closed = await handle.result().catch((err: { cause?: unknown }) => err.cause);
    const elapsedMs = Date.now() - cancelledAt;
    expect(closed).toBeInstanceOf(CancelledFailure);
    expect((await handle.describe()).status.name).toBe('CANCELLED');
    expect(elapsedMs).toBeLessThan(DEPLOYMENT_DELAY_MS / 4);
    expect(await status(handle)).toMatchObject({ phase: 'Cancelled', cancelRequested: { reason, phase: 'Deploying' }, cleanup: { state: 'deleted' } });
    expect(await deployFailureType(handle)).toBe('DeploymentCanceled');
    expect(groupsOf(stack, containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    await expectHistoryAtMost(handle, 40);
    await histories.save(handle);
  }

  it('cancel signal: cancels the ARM deployment and deletes the group without waiting for the deployment', async () => {
    const { handle, containerGroupName } = await startDeploying();
    const cancelsBefore = stack.emulator.counters()['deployments.cancel'] ?? 0;
    const cancelledAt = Date.now();
    await handle.signal(cancelSignal, { reason: 'stop while deploying' });
    await expectCancelledQuickly(handle, containerGroupName, 'stop while deploying', cancelledAt);
    expect(await signalTiming(handle, cancelSignal.name, 'deploy')).toBe('during');
    expect(stack.emulator.counters()['deployments.cancel']).toBeGreaterThan(cancelsBefore);
  });

  it('workflow cancellation: the same, with the reason workflow cancellation requested', async () => {
    const { handle, containerGroupName } = await startDeploying();
    const cancelledAt = Date.now();
    await handle.cancel();
    await expectCancelledQuickly(handle, containerGroupName, 'workflow cancellation requested', cancelledAt);
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBe(2);
    expect(await histories.replayAll()).toEqual([]);
  });
});
