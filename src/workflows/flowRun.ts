/**
 * One flow run, as DESIGN.md section 3 tells it: deploy → wait for start → watch → cleanup.
 * Polling and log streaming live inside activities, so the history stays bounded whatever
 * the run's length. Both the `cancel` signal and workflow cancellation cancel the current
 * phase; cleanup then always runs, and the run fails with type FlowRunCancelled.
 */
import {
  ActivityCancellationType,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import type * as activities from '../activities';
import {
  cancelSignal,
  FailureTypes,
  type FlowRunInput,
  type FlowRunPhase,
  type FlowRunResult,
  type FlowRunStatus,
  statusQuery,
} from './definitions';
import { outcomeOfFailure, type FailedOutcome } from './outcome';
import { publishPhase } from './visibility';

type Activities = ReturnType<typeof activities.createActivities>;
type FlowRunTarget = activities.FlowRunTarget;
type CleanupInput = activities.CleanupInput;

const { deploy } = proxyActivities<Activities>({
  // A deployment usually takes seconds; ARM can queue it for minutes under load.
  startToCloseTimeout: '10 minutes',
  // Throttling at scale can stretch retries; a run whose group cannot be deployed in this time fails.
  scheduleToCloseTimeout: '30 minutes',
  // Heartbeats every second while ARM works, so a killed worker's deployment is re-adopted within this time.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
});

const { waitForStart, watch } = proxyActivities<Activities>({
  // Bounded by the run itself: waitForStart by its own deadline, watch by the container exiting.
  startToCloseTimeout: '30 days',
  // A killed worker is noticed within this time and the next attempt resumes from the heartbeat.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
  // Cleanup does not depend on these polls having stopped, so cancellation needs no round trip.
  cancellationType: ActivityCancellationType.TRY_CANCEL,
});

const { deleteContainerGroup, stopContainerGroup } = proxyActivities<Activities>({
  // Azure deletes take 30–90 s and sometimes much longer; a slow delete is waited for, not abandoned.
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '30 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

/** Pause before retrying a cleanup the retry policy gave up on (a non-retryable Azure error such as AuthorizationFailed). */
const CLEANUP_RETRY_PAUSE = '1 minute';

export async function flowRunWorkflow(input: FlowRunInput): Promise<FlowRunResult> {
  const config = input.configuration;
  let target = expectedTarget(input);
  const status: FlowRunStatus = {
    flowRunId: input.flowRunId,
    flowName: input.flowName,
    workPool: input.workPool,
    phase: 'Deploying',
    containerGroupName: target.containerGroupName,
    deploymentName: target.deploymentName,
    resourceGroupName: target.resourceGroupName,
  };
  setHandler(statusQuery, () => status);
  const enter = (phase: FlowRunPhase) => {
    status.phase = phase;
    publishPhase(input, target.containerGroupName, phase, status.exitCode);
  };

  const containerWork = new CancellationScope();
  setHandler(cancelSignal, (request) => {
    if (status.cancelRequested || isTerminalOrCleaning(status.phase)) return;
    status.cancelRequested = request ?? {};
    containerWork.cancel();
  });

  enter('Deploying');
  let exitCode: number | undefined;
  let failure: FailedOutcome | undefined;
  try {
    exitCode = await containerWork.run(async () => {
      // Cancelled before anything exists in Azure: nothing to deploy, nothing to clean up but a no-op delete.
      if (containerWork.consideredCancelled) throw new CancelledFailure('Cancelled before deployment');
      // Not cancellable: a deployment cut short could still create the group after cleanup ran.
      const deployed = await CancellationScope.nonCancellable(() => deploy(input));
      target = deployed;
      status.containerGroupName = deployed.containerGroupName;
      status.deploymentName = deployed.deploymentName;

      enter('WaitingForStart');
      const startTimeoutMs = config.task_start_timeout_seconds * 1000;
      await waitForStart({
        target,
        flowName: input.flowName,
        deadlineEpochMs: Date.now() + startTimeoutMs,
        timeoutSeconds: config.task_start_timeout_seconds,
        pollIntervalSeconds: config.task_watch_poll_interval,
      });

      enter('Running');
      const watched = await watch({
        flowRunId: input.flowRunId,
        flowName: input.flowName,
        target,
        pollIntervalSeconds: config.task_watch_poll_interval,
        streamOutput: config.stream_output,
      });
      return watched.exitCode;
    });
  } catch (err) {
    if (isCancellation(err)) status.cancelRequested ??= { reason: 'workflow cancellation requested' };
    failure = outcomeOfFailure(err, status.cancelRequested);
  }
  if (exitCode !== undefined) {
    status.exitCode = exitCode;
    if (exitCode !== 0) failure = outcomeOfFailure(nonZeroExit(exitCode));
  }

  enter('CleaningUp');
  const cleanup = { flowRunId: input.flowRunId, flowName: input.flowName, target };
  await CancellationScope.nonCancellable(() => cleanUp(cleanup, config.keep_container_group, status));

  if (failure) {
    status.message = failure.failure.message;
    enter(failure.phase);
    throw failure.failure;
  }
  enter('Completed');
  return { flowRunId: input.flowRunId, phase: 'Completed', exitCode: 0, containerGroupName: target.containerGroupName };
}

/**
 * Names the deployment will use, from the input only (never recomputed here, so replay
 * stays the same whatever the naming rules become); cleanup needs them even when deploy
 * never returned. The deploy activity checks they are this run's.
 */
function expectedTarget(input: FlowRunInput): FlowRunTarget {
  const names = input.names;
  if (!names?.containerGroupName || !names.containerName || !names.deploymentName) {
    // Bad input must fail the run, not retry the workflow task forever.
    throw ApplicationFailure.nonRetryable(
      'names: the workflow input has no container group, container and deployment names; start flow runs with the aci-flow client or CLI, which compute them',
      'InvalidFlowRunInput',
    );
  }
  return {
    subscriptionId: input.configuration.subscription_id,
    resourceGroupName: input.configuration.resource_group_name,
    containerGroupName: names.containerGroupName,
    containerName: names.containerName,
    deploymentName: names.deploymentName,
  };
}

function nonZeroExit(exitCode: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.nonZeroExit,
    message: `Container exited with code ${exitCode}`,
    nonRetryable: true,
    details: [{ exitCode }],
  });
}

function isTerminalOrCleaning(phase: FlowRunPhase): boolean {
  return phase !== 'Deploying' && phase !== 'WaitingForStart' && phase !== 'Running';
}

/** Retried until it succeeds; its errors show in status but never replace the run's outcome. */
async function cleanUp(cleanup: CleanupInput, keepContainerGroup: boolean, status: FlowRunStatus): Promise<void> {
  status.cleanup = { state: 'pending' };
  for (;;) {
    try {
      if (keepContainerGroup) await stopContainerGroup(cleanup);
      else await deleteContainerGroup(cleanup);
      status.cleanup = { state: keepContainerGroup ? 'stopped' : 'deleted' };
      return;
    } catch (err) {
      status.cleanup = { state: 'retrying', lastError: messageOf(err) };
      await sleep(CLEANUP_RETRY_PAUSE);
    }
  }
}

function messageOf(err: unknown): string {
  const cause = (err as { cause?: unknown }).cause;
  return cause instanceof Error ? cause.message : err instanceof Error ? err.message : String(err);
}
