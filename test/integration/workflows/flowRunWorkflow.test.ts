/**
 * flowRunWorkflow against scripted activities on a real dev server: what the workflow does
 * with each activity outcome, without Azure or the emulator.
 */
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { Context } from '@temporalio/activity';
import type { CleanupInput, FlowRunActivities, FlowRunTarget, RunSettings } from '../../../src/activities';
import { runSettingsOf } from '../../../src/activities/render';
import type { RunControlActivities } from '../../../src/activities/runControl';
import { cancelFlowRun } from '../../../src/client/flowRunCancel';
import { renderFlowRun } from '../../../src/template/renderRun';
import { defaultBaseJobTemplate, renderJobConfiguration } from '../../../src/config';
import { flowRunNames } from '../../../src/template/naming';
import { cancelSignal, FLOW_RUN_WORKFLOW, type FlowRunInput, searchAttributes, statusQuery, workflowIdForFlowRun } from '../../../src/workflows/definitions';
import { quietRuntimeLogs, TEST_HEARTBEAT_TIMEOUT_MS } from '../../helpers/stack';
import { startDevServer, type TestDevServer } from '../../helpers/temporal';
import { expectHistoryAtMost } from '../../helpers/flowRuns';
import { flowRunTestWorker } from '../../helpers/flowRunTestWorker';
import { waitFor } from '../../helpers/waitFor';

jest.setTimeout(60_000);

const TASK_QUEUE = 'workflow-unit';
const VALUES = {
  resource_group_name: 'rg',
  subscription_id: '11111111-2222-3333-4444-555555555555',
  command: 'echo hi',
  task_watch_poll_interval: 0.1,
};
const configuration = renderJobConfiguration(defaultBaseJobTemplate(), VALUES);

function input(flowRunId: string, values: Record<string, unknown> = {}): FlowRunInput {
  return { flowRunId, flowName: 'etl', workPool: TASK_QUEUE, values: { ...VALUES, ...values }, names: flowRunNames('etl', flowRunId) };
}

/** The worker's rendering, without its input checks: the target keeps the input's names, whatever they are. */
async function renderedSettings(runInput: FlowRunInput): Promise<RunSettings> {
  const run = { flowRunId: runInput.flowRunId, flowName: runInput.flowName, workflowId: workflowIdForFlowRun(runInput.flowRunId) };
  const settings = runSettingsOf(renderFlowRun(defaultBaseJobTemplate(), runInput.values, run));
  return { ...settings, target: { ...settings.target, ...runInput.names } };
}

function scriptedActivities(overrides: Partial<FlowRunActivities> = {}) {
  const calls: string[] = [];
  const target = (flowRunId: string): FlowRunTarget => ({
    subscriptionId: '11111111-2222-3333-4444-555555555555',
    resourceGroupName: 'rg',
    containerGroupName: `etl-${flowRunId}`,
    containerName: 'etl',
    deploymentName: `aci-flow-etl-${flowRunId}`,
  });
  const activities: FlowRunActivities = {
    renderFlowRun: renderedSettings,
    deploy: async (deployInput) => {
      calls.push('deploy');
      return { ...target(deployInput.flowRunId), adopted: false };
    },
    waitForStart: async () => {
      calls.push('waitForStart');
      return { state: 'Running' };
    },
    watch: async () => {
      calls.push('watch');
      return { exitCode: 0, logLines: 0 };
    },
    cancelDeployment: async () => {
      calls.push('cancelDeployment');
      return 'cancelled';
    },
    deleteContainerGroup: async () => {
      calls.push('deleteContainerGroup');
    },
    stopContainerGroup: async () => {
      calls.push('stopContainerGroup');
    },
    ...overrides,
  };
  return { activities, calls };
}

describe('flowRunWorkflow with scripted activities', () => {
  let env: TestDevServer;

  beforeAll(async () => {
    quietRuntimeLogs();
    env = await startDevServer();
  });

  afterAll(async () => {
    await env?.teardown();
  });

  async function run<T>(activities: FlowRunActivities, body: () => Promise<T>, runControl?: Partial<RunControlActivities>): Promise<T> {
    const worker = await flowRunTestWorker(env, {
      taskQueue: TASK_QUEUE,
      activities,
      runControl,
      // A cancel reaches a heartbeating activity with its next flushed heartbeat; the SDK's
      // throttle (80 % of the 15 s heartbeat timeout) would make a test wait ~12 s for nothing.
      maxHeartbeatThrottleInterval: '200 milliseconds',
    });
    return worker.runUntil(body);
  }

  const start = (flowRunId: string, args: unknown = input(flowRunId)) =>
    env.client.workflow.start(FLOW_RUN_WORKFLOW, {
      taskQueue: TASK_QUEUE,
      workflowId: workflowIdForFlowRun(flowRunId),
      args: [args],
    });

  const failureOf = (handle: { result(): Promise<unknown> }) =>
    handle.result().then(
      () => undefined,
      (err: { cause?: ApplicationFailure }) => err.cause,
    );

  it('runs deploy, waitForStart, watch and delete in order and keeps Phase and ExitCode search attributes current', async () => {
    const cleanups: CleanupInput[] = [];
    const { activities, calls } = scriptedActivities({
      deleteContainerGroup: async (cleanup) => {
        calls.push('deleteContainerGroup');
        cleanups.push(cleanup);
      },
    });
    const handle = await run(activities, async () => {
      const started = await start('sa-1');
      await started.result();
      return started;
    });
    expect(calls).toEqual(['deploy', 'waitForStart', 'watch', 'deleteContainerGroup']);
    // A finished run's cleanup is routine: it waits behind cancels in the ARM budget.
    expect(cleanups.map((cleanup) => cleanup.cancelled)).toEqual([false]);
    // Its deploy returned: cleanup need not read the group's tags again.
    expect(cleanups.map((cleanup) => cleanup.deployed)).toEqual([true]);
    const attributes = (await handle.describe()).typedSearchAttributes;
    expect(attributes.get(searchAttributes.phase)).toBe('Completed');
    expect(attributes.get(searchAttributes.exitCode)).toBe(0);
    // Started without them (not through startFlowRun): the workflow adds the identifying attributes itself.
    expect(attributes.get(searchAttributes.flowRunId)).toBe('sa-1');
    expect(attributes.get(searchAttributes.containerGroup)).toBe('etl-sa-1');
  });

  it("schedules waitForStart and watch with the worker's heartbeat timeout, read once through a local activity", async () => {
    const { activities } = scriptedActivities();
    const handle = await run(activities, async () => {
      const started = await start('heartbeat-setting-1');
      await started.result();
      return started;
    });
    const events = (await handle.fetchHistory()).events ?? [];
    const heartbeatTimeouts = Object.fromEntries(
      events
        .map((event) => event.activityTaskScheduledEventAttributes)
        .filter((scheduled) => scheduled?.activityType?.name === 'waitForStart' || scheduled?.activityType?.name === 'watch')
        .map((scheduled) => [scheduled?.activityType?.name, Number(scheduled?.heartbeatTimeout?.seconds)]),
    );
    expect(heartbeatTimeouts).toEqual({ waitForStart: TEST_HEARTBEAT_TIMEOUT_MS / 1000, watch: TEST_HEARTBEAT_TIMEOUT_MS / 1000 });
    // Two local-activity markers in all: the worker's rendering of the run, and these settings.
    expect(events.filter((event) => event.markerRecordedEventAttributes).length).toBe(2);
  });

  it('never lets a failing cleanup hide the outcome: retries the delete and still reports the non-zero exit', async () => {
    let deleteAttempts = 0;
    const { activities } = scriptedActivities({
      watch: async () => ({ exitCode: 5, logLines: 0 }),
      deleteContainerGroup: async () => {
        deleteAttempts += 1;
        if (deleteAttempts < 2) throw ApplicationFailure.retryable('Azure is busy', 'InternalServerError');
      },
    });
    const { failure, status } = await run(activities, async () => {
      const handle = await start('cleanup-1');
      const failure = await handle.result().then(
        () => undefined,
        (err: { cause?: ApplicationFailure }) => err.cause,
      );
      return { failure, status: await handle.query(statusQuery) };
    });
    expect(deleteAttempts).toBe(2);
    expect(failure).toMatchObject({ type: 'ContainerExitedNonZero', message: 'Container exited with code 5' });
    expect(status).toMatchObject({ phase: 'Failed', exitCode: 5, cleanup: { state: 'deleted' } });
  });

  it('retries a cleanup Azure calls non-retryable (AuthorizationFailed) inside the activity, without growing the history', async () => {
    let deleteAttempts = 0;
    const { activities } = scriptedActivities({
      // As the real activities do (src/activities/cleanup.ts): every cleanup failure is retryable.
      // The retry delay is the failure's own, as a Retry-After sets it, so two retries take no 6 s of back-off.
      deleteContainerGroup: async () => {
        deleteAttempts += 1;
        if (deleteAttempts < 3) {
          throw ApplicationFailure.create({ message: 'The client has no delete permission', type: 'AuthorizationFailed', nextRetryDelay: '100 milliseconds' });
        }
      },
    });
    const { result, status, events, cleanupState } = await run(activities, async () => {
      const handle = await start('cleanup-auth-1');
      const result = await handle.result();
      const history = await handle.fetchHistory();
      const cleanupState = (await handle.describe()).typedSearchAttributes.get(searchAttributes.cleanupState);
      return { result, status: await handle.query(statusQuery), events: history.events?.length ?? 0, cleanupState };
    });
    expect(deleteAttempts).toBe(3);
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(status.cleanup).toEqual({ state: 'deleted' });
    expect(cleanupState).toBe('deleted');
    expect(events).toBeLessThanOrEqual(40);
  });

  it('abandons a cleanup that keeps failing after cleanup_timeout_seconds: the run keeps its outcome and shows cleanup abandoned', async () => {
    const { activities } = scriptedActivities({
      watch: async () => ({ exitCode: 4, logLines: 0 }),
      deleteContainerGroup: async () => {
        throw ApplicationFailure.retryable('The client has no delete permission', 'AuthorizationFailed');
      },
    });
    const { failure, status, events, cleanupState } = await run(activities, async () => {
      const handle = await start('cleanup-abandoned-1', input('cleanup-abandoned-1', { cleanup_timeout_seconds: 3 }));
      const failure = await failureOf(handle);
      const history = await handle.fetchHistory();
      const cleanupState = (await handle.describe()).typedSearchAttributes.get(searchAttributes.cleanupState);
      return { failure, status: await handle.query(statusQuery), events: history.events?.length ?? 0, cleanupState };
    });
    expect(failure).toMatchObject({ type: 'ContainerExitedNonZero', message: 'Container exited with code 4' });
    expect(status).toMatchObject({ phase: 'Failed', exitCode: 4, cleanup: { state: 'abandoned' } });
    expect(status.cleanup?.lastError).toBe('gave up after 3 s: The client has no delete permission');
    expect(cleanupState).toBe('abandoned');
    expect(events).toBeLessThanOrEqual(40);
  });

  it('cancels the ARM deployment when a cancel arrives while deploying, instead of waiting for it', async () => {
    // deploy returns only once its deployment was cancelled, as the real one does at its next poll.
    let deploymentCancelled: () => void = () => undefined;
    const cancelled = new Promise<void>((resolve) => (deploymentCancelled = resolve));
    const cleanups: CleanupInput[] = [];
    const { activities, calls } = scriptedActivities({
      deploy: async () => {
        calls.push('deploy');
        await cancelled;
        throw ApplicationFailure.retryable("Deployment 'aci-flow-etl' ended Canceled", 'DeploymentCanceled');
      },
      cancelDeployment: async () => {
        calls.push('cancelDeployment');
        deploymentCancelled();
        return 'cancelled';
      },
      deleteContainerGroup: async (cleanup) => {
        calls.push('deleteContainerGroup');
        cleanups.push(cleanup);
      },
    });
    const { failure, status, closedAs } = await run(activities, async () => {
      const handle = await start('cancel-deploying-1');
      await waitFor(() => calls.includes('deploy'), 'deploy to start');
      await handle.signal(cancelSignal, { reason: 'not now' });
      return { failure: await failureOf(handle), status: await handle.query(statusQuery), closedAs: (await handle.describe()).status.name };
    });
    // The signal alone: the run asked Temporal to cancel it and closed Canceled.
    expect(failure).toBeInstanceOf(CancelledFailure);
    expect(closedAs).toBe('CANCELLED');
    expect(status).toMatchObject({ phase: 'Cancelled', cancelRequested: { reason: 'not now', phase: 'Deploying' }, cleanup: { state: 'deleted' } });
    expect(calls).toEqual(['deploy', 'cancelDeployment', 'deleteContainerGroup']);
    // A cancel's delete goes ahead of routine cleanups in the ARM budget (docs/design.md).
    expect(cleanups.map((cleanup) => cleanup.cancelled)).toEqual([true]);
  });

  it('fixes the start deadline once, when the deployment starts: deploy and waitForStart get the same one', async () => {
    const deadlines: Array<number | undefined> = [];
    const { activities } = scriptedActivities({
      deploy: async (deployInput) => {
        deadlines.push(deployInput.startDeadlineEpochMs);
        return { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroupName: 'rg', ...deployInput.names, adopted: false };
      },
      waitForStart: async (waitInput) => {
        deadlines.push(waitInput.deadlineEpochMs);
        return { state: 'Running' };
      },
    });
    const before = Date.now();
    await run(activities, async () => (await start('deadline-1')).result());
    expect(deadlines).toHaveLength(2);
    expect(deadlines[1]).toBe(deadlines[0]);
    // The workflow's clock is the server's: allow for skew, but not a second window.
    expect(deadlines[0]).toBeGreaterThanOrEqual(before + configuration.task_start_timeout_seconds * 1000 - 2_000);
    expect(deadlines[0]).toBeLessThanOrEqual(Date.now() + configuration.task_start_timeout_seconds * 1000 + 2_000);
  });

  it('ends TimedOut, deleting the group, when deploy reports the start deadline passed mid-deployment', async () => {
    const { activities, calls } = scriptedActivities({
      deploy: async () => {
        calls.push('deploy');
        throw ApplicationFailure.nonRetryable(
          'Timed out after 240 seconds waiting for container etl (group g) to start; its deployment d was still running',
          'ContainerStartTimeout',
        );
      },
    });
    const { failure, status } = await run(activities, async () => {
      const handle = await start('deploy-timeout-1');
      return { failure: await failureOf(handle), status: await handle.query(statusQuery) };
    });
    expect(failure).toMatchObject({ type: 'ContainerStartTimeout' });
    expect(status).toMatchObject({ phase: 'TimedOut', cleanup: { state: 'deleted' } });
    expect(calls).toEqual(['deploy', 'deleteContainerGroup']);
  });

  it('stops a run longer than max_run_seconds: cancels watch, deletes the group, ends TimedOut', async () => {
    let watchCancelled = false;
    const { activities, calls } = scriptedActivities({
      watch: async () => {
        calls.push('watch');
        // Runs until cancelled, heartbeating as the real watch does so the cancel reaches it.
        const { Context } = await import('@temporalio/activity');
        const context = Context.current();
        for (;;) {
          context.heartbeat();
          try {
            await context.sleep(100);
          } catch (err) {
            watchCancelled = true;
            throw err;
          }
        }
      },
    });
    const { failure, status } = await run(activities, async () => {
      const handle = await start('max-run-1', input('max-run-1', { max_run_seconds: 2 }));
      const failure = await failureOf(handle);
      await waitFor(() => watchCancelled, 'the watch activity to be cancelled');
      // 36 events, and 5 more when the cancelled watch answers before the run closes (docs/workflow.md,
      // "History bound"); one more here, as this test starts runs without the search attributes
      // the client sets, so the run's first task upserts them (a fresh-clone run saw exactly 42, the race included).
      await expectHistoryAtMost(handle, 42);
      return { failure, status: await handle.query(statusQuery) };
    });
    expect(failure).toMatchObject({ type: 'FlowRunMaxRunTimeExceeded' });
    expect(failure?.message).toMatch(/^Flow run ran longer than 2 s \(max_run_seconds\)/);
    expect(status).toMatchObject({ phase: 'TimedOut', cleanup: { state: 'deleted' } });
    expect(calls).toEqual(['deploy', 'waitForStart', 'watch', 'deleteContainerGroup']);
  });

  it.each([
    ['a failed run (exit 3) is stopped for debugging', 3, 'stopContainerGroup', 'stopped', 'Failed'],
    ['a successful run is deleted', 0, 'deleteContainerGroup', 'deleted', 'Completed'],
  ])('keep_failed_container_group: %s', async (_what, exitCode, cleanupCall, cleanupState, phase) => {
    const { activities, calls } = scriptedActivities({
      watch: async () => {
        calls.push('watch');
        return { exitCode, logLines: 0 };
      },
    });
    const flowRunId = `keep-failed-${exitCode}`;
    const status = await run(activities, async () => {
      const handle = await start(flowRunId, input(flowRunId, { keep_failed_container_group: true }));
      await failureOf(handle);
      return handle.query(statusQuery);
    });
    expect(calls).toEqual(['deploy', 'waitForStart', 'watch', cleanupCall]);
    expect(status).toMatchObject({ phase, cleanup: { state: cleanupState } });
  });

  it('keep_failed_container_group deletes a run that timed out', async () => {
    const { activities, calls } = scriptedActivities({
      waitForStart: async () => {
        calls.push('waitForStart');
        throw ApplicationFailure.nonRetryable('Timed out after 240 seconds waiting for container etl', 'ContainerStartTimeout');
      },
    });
    const status = await run(activities, async () => {
      const handle = await start('keep-failed-timeout', input('keep-failed-timeout', { keep_failed_container_group: true }));
      await failureOf(handle);
      return handle.query(statusQuery);
    });
    expect(calls).toEqual(['deploy', 'waitForStart', 'deleteContainerGroup']);
    expect(status).toMatchObject({ phase: 'TimedOut', cleanup: { state: 'deleted' } });
  });

  it('ignores a cancel that arrives after the container exited, says so to the caller, and the run keeps its real outcome', async () => {
    // The delete holds the run in CleaningUp until the test has delivered its cancel.
    let finishDelete: () => void = () => undefined;
    const deleteHeld = new Promise<void>((resolve) => (finishDelete = resolve));
    const { activities } = scriptedActivities({ deleteContainerGroup: () => deleteHeld });
    const { receipt, result, status, closedAs } = await run(activities, async () => {
      const handle = await start('late-cancel-1');
      await waitFor(async () => (await handle.query(statusQuery)).phase === 'CleaningUp', 'the run to reach CleaningUp');
      // Signal, workflow cancellation and the receipt, as aci-flow cancel sends them.
      const cancelReceipt = await cancelFlowRun(env.client, 'late-cancel-1', 'too late');
      finishDelete();
      return {
        receipt: cancelReceipt,
        result: await handle.result(),
        status: await handle.query(statusQuery),
        closedAs: (await handle.describe()).status.name,
      };
    });
    expect(receipt).toEqual({ flowRunId: 'late-cancel-1', accepted: false, phase: 'CleaningUp', reason: 'too late' });
    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(closedAs).toBe('COMPLETED');
    expect(status.phase).toBe('Completed');
    expect(status.cancelRequested).toBeUndefined();
    expect(status.cancelIgnored).toEqual({ reason: 'too late', phase: 'CleaningUp' });
  });

  it('tells cancelFlowRun the cancel was accepted, and in which phase', async () => {
    const { activities } = scriptedActivities({
      // Runs until cancelled, heartbeating so the cancel reaches it.
      watch: async () => {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(100);
        }
      },
    });
    const { receipt, closedAs } = await run(activities, async () => {
      const handle = await start('receipt-1');
      await waitFor(async () => (await handle.query(statusQuery)).phase === 'Running', 'the run to reach Running');
      const cancelReceipt = await cancelFlowRun(env.client, 'receipt-1', 'no longer needed');
      await handle.result().catch(() => undefined);
      return { receipt: cancelReceipt, closedAs: (await handle.describe()).status.name };
    });
    expect(receipt).toEqual({ flowRunId: 'receipt-1', accepted: true, phase: 'Running', reason: 'no longer needed' });
    expect(closedAs).toBe('CANCELLED');
  });

  it('closes Failed (FlowRunCancelled) after cleanup when Temporal cannot be asked to cancel a signalled run', async () => {
    const { activities, calls } = scriptedActivities({
      watch: async () => {
        for (;;) {
          Context.current().heartbeat();
          await Context.current().sleep(100);
        }
      },
    });
    const refused = async () => {
      throw ApplicationFailure.nonRetryable('permission denied', 'PermissionDenied');
    };
    const { failure, closedAs } = await run(
      activities,
      async () => {
        const handle = await start('self-cancel-refused-1');
        await waitFor(async () => (await handle.query(statusQuery)).phase === 'Running', 'the run to reach Running');
        await handle.signal(cancelSignal, { reason: 'stop' });
        return { failure: await failureOf(handle), closedAs: (await handle.describe()).status.name };
      },
      { cancelThisWorkflow: refused },
    );
    expect(closedAs).toBe('FAILED');
    expect(failure).toMatchObject({ type: 'FlowRunCancelled', message: 'Flow run cancelled: stop' });
    expect(calls).toContain('deleteContainerGroup');
  });

  it('skips watch and goes straight to cleanup when deploy fails non-retryably', async () => {
    const { activities, calls } = scriptedActivities({
      deploy: async () => {
        calls.push('deploy');
        throw ApplicationFailure.nonRetryable('template is invalid', 'InvalidTemplate');
      },
    });
    const failure = await run(activities, async () => {
      const handle = await start('deploy-fail-1');
      return handle.result().then(
        () => undefined,
        (err: { cause?: ApplicationFailure }) => err.cause,
      );
    });
    expect(failure).toMatchObject({ type: 'InvalidTemplate', message: 'template is invalid' });
    expect(calls).toEqual(['deploy', 'deleteContainerGroup']);
  });

  it('cleans up with the names of its input, never recomputing them (the cleanup activity checks ownership)', async () => {
    const cleanups: unknown[] = [];
    const { activities } = scriptedActivities({
      deploy: async () => {
        throw ApplicationFailure.nonRetryable('names are not this run', 'FlowRunNamesMismatch');
      },
      deleteContainerGroup: async (cleanup) => {
        cleanups.push(cleanup);
      },
    });
    const names = { containerGroupName: 'given-group', containerName: 'given', deploymentName: 'aci-flow-given-group' };
    const { failure, status } = await run(activities, async () => {
      const handle = await start('given-names-1', { ...input('given-names-1'), names });
      return { failure: await failureOf(handle), status: await handle.query(statusQuery) };
    });
    expect(failure).toMatchObject({ type: 'FlowRunNamesMismatch' });
    expect(status).toMatchObject({ containerGroupName: 'given-group', deploymentName: 'aci-flow-given-group' });
    expect(cleanups).toEqual([
      {
        flowRunId: 'given-names-1',
        flowName: 'etl',
        target: { subscriptionId: '11111111-2222-3333-4444-555555555555', resourceGroupName: 'rg', ...names },
        // A failed run's cleanup is a routine one: it does not queue ahead of cancels.
        cancelled: false,
        // Its deploy never returned, so nothing vouches for the group: cleanup reads its tags.
        deployed: false,
      },
    ]);
  });

  it('fails without retrying and without touching Azure when the input has no names', async () => {
    const { activities, calls } = scriptedActivities();
    const { names: _omitted, ...withoutNames } = input('no-names-1');
    const failure = await run(activities, async () => failureOf(await start('no-names-1', withoutNames)));
    expect(failure).toMatchObject({ type: 'InvalidFlowRunInput' });
    expect(failure?.message).toMatch(/^names: the workflow input has no container group/);
    expect(calls).toEqual([]);
  });
});
