/**
 * One flow run, as docs/design.md ("Phases and outcomes") tells it: deploy → wait for start → watch → cleanup.
 * Polling, log streaming and cleanup retries live inside activities, so the history stays
 * bounded whatever the run's length or Azure's errors. Both the `cancel` signal and workflow
 * cancellation cancel the current phase (while deploying, the ARM deployment itself);
 * cleanup then always runs, and the run closes Canceled (cancellation.ts).
 * task_start_timeout_seconds counts from the deployment's start (deploy enforces it);
 * max_run_seconds is a workflow timer racing watch. Both end the run TimedOut.
 */
import {
  ActivityCancellationType,
  ActivityFailure,
  ApplicationFailure,
  CancellationScope,
  CancelledFailure,
  isCancellation,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import { acceptCancels, WORKFLOW_CANCELLATION_REASON } from './cancellation';
import type * as activities from '../activities';
import {
  type CleanupState,
  FailureTypes,
  type FlowRunCleanup,
  type FlowRunInput,
  type FlowRunPhase,
  type FlowRunResult,
  type FlowRunStatus,
  statusQuery,
} from './definitions';
import { acceptExitHints } from './exitHints';
import { outcomeOfFailure, type FailedOutcome } from './outcome';
import { pollingActivities } from './polling';
import { publishPhase } from './visibility';

type Activities = ReturnType<typeof activities.createActivities>;
type CleanupInput = activities.CleanupInput;
type RunSettings = activities.RunSettings;

const { renderFlowRun } = proxyLocalActivities<Activities>({
  // Rendering is CPU only, milliseconds; a refusal is non-retryable, so retries only cover a worker hiccup.
  startToCloseTimeout: '30 seconds',
  retry: { maximumAttempts: 3 },
});

const { deploy } = proxyActivities<Activities>({
  // A deployment usually takes seconds; ARM can queue it for minutes under load.
  startToCloseTimeout: '10 minutes',
  // Throttling at scale can stretch retries; a run whose group cannot be deployed in this time fails.
  scheduleToCloseTimeout: '30 minutes',
  // Heartbeats every second while ARM works, so a killed worker's deployment is re-adopted within this time.
  heartbeatTimeout: '15 seconds',
  retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '1 minute' },
  // A cancelled run waits for deploy to return: the activity cancels a deployment it started,
  // so none can create the group after cleanup ran. The cancelDeployment activity makes that quick.
  cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
});

const { cancelDeployment } = proxyActivities<Activities>({
  startToCloseTimeout: '1 minute',
  // Best effort: when it cannot reach Azure, deploy still returns in time and cleanup deletes what was created.
  scheduleToCloseTimeout: '5 minutes',
  retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
});

/**
 * Cleanup retries every failure (the activities make them all retryable, AuthorizationFailed
 * included) inside its retry policy, never in a workflow loop, until cleanup_timeout_seconds.
 */
function cleanupActivities(timeoutSeconds: number) {
  return proxyActivities<Activities>({
    // Azure deletes take 30–90 s and sometimes much longer; a slow delete is waited for, not abandoned.
    startToCloseTimeout: '30 minutes',
    scheduleToCloseTimeout: timeoutSeconds * 1000,
    heartbeatTimeout: '30 seconds',
    retry: { initialInterval: '2 seconds', backoffCoefficient: 2, maximumInterval: '5 minutes' },
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
  });
}

export async function flowRunWorkflow(input: FlowRunInput): Promise<FlowRunResult> {
  requireNames(input);
  const status: FlowRunStatus = {
    flowRunId: input.flowRunId,
    flowName: input.flowName,
    workPool: input.workPool,
    phase: 'Deploying',
    containerGroupName: input.names.containerGroupName,
    deploymentName: input.names.deploymentName,
    // Known once the worker rendered the run (a moment later).
    resourceGroupName: '',
  };
  setHandler(statusQuery, () => status);
  // Workflow cancellation cancels the root scope, and with it the container work. The cancel
  // handlers are in place before the first await, so a cancel sent at start is never refused.
  const root = CancellationScope.current();
  const containerWork = new CancellationScope();
  const cancels = acceptCancels(status, root, () => containerWork.cancel());
  const exitHints = acceptExitHints(status);
  // The worker renders the run from its own pool configuration; the input holds only values.
  const config = await settingsOrFail(input, status);
  let target = config.target;
  status.resourceGroupName = target.resourceGroupName;
  const enter = (phase: FlowRunPhase) => {
    status.phase = phase;
    const cleanupState = isTerminal(phase) ? status.cleanup?.state : undefined;
    publishPhase(input, target.containerGroupName, phase, status.exitCode, cleanupState);
  };
  // Once deploy returned, its tag check vouches for the group: cleanup need not read it again.
  let deployReturned = false;
  const cleanupInput = (cancelled = false): CleanupInput => ({
    flowRunId: input.flowRunId,
    flowName: input.flowName,
    target,
    cancelled,
    deployed: deployReturned,
  });

  // A cancel while deploying (signal or workflow cancellation) stops the ARM deployment
  // instead of waiting for it; deploy then returns at its next poll.
  let deploying = false;
  let deploymentCancelled: Promise<unknown> | undefined;
  containerWork.cancelRequested.catch(() => {
    if (!deploying) return;
    deploymentCancelled = CancellationScope.nonCancellable(() => cancelDeployment(cleanupInput(true))).catch(() => undefined);
  });

  enter('Deploying');
  let exitCode: number | undefined;
  let failure: FailedOutcome | undefined;
  try {
    exitCode = await containerWork.run(async () => {
      // Cancelled before anything exists in Azure: nothing to deploy, nothing to clean up but a no-op delete.
      if (containerWork.consideredCancelled) throw new CancelledFailure('Cancelled before deployment');
      // The start timeout counts from here: on Azure the deployment includes the image pull,
      // and the Prefect worker counts it too. Fixed once, so retries never extend it; deploy
      // cancels a deployment still running at the deadline (no workflow timer, no history events).
      const startDeadlineEpochMs = Date.now() + config.task_start_timeout_seconds * 1000;
      deploying = true;
      const deployed = await deploy({ ...input, startDeadlineEpochMs, expectedTarget: config.target }).finally(() => (deploying = false));
      // Deployed before the cancel reached it: the group exists, cleanup deletes it.
      if (containerWork.consideredCancelled) throw new CancelledFailure('Cancelled while deploying');
      target = deployed;
      deployReturned = true;
      status.containerGroupName = deployed.containerGroupName;
      status.deploymentName = deployed.deploymentName;
      const { waitForStart, watch } = await pollingActivities();

      enter('WaitingForStart');
      const start = await waitForStart({
        target,
        flowName: input.flowName,
        deadlineEpochMs: startDeadlineEpochMs,
        timeoutSeconds: config.task_start_timeout_seconds,
        pollIntervalSeconds: config.task_watch_poll_interval,
      });

      enter('Running');
      return watchWithin(config.max_run_seconds ?? null, () =>
        exitHints.watchUntilExit((exitHint) =>
          watch({
            flowRunId: input.flowRunId,
            flowName: input.flowName,
            target,
            pollIntervalSeconds: config.task_watch_poll_interval,
            streamOutput: config.stream_output,
            ...(exitHint ? { exitHint } : {}),
            // A run that ended before its start was seen: the watch's one poll left is urgent.
            ...(start.state === 'Terminated' ? { exitSeen: true as const } : {}),
            // Absent from settings recorded by older workers.
            ...(config.stream_output && config.exit_log_pattern ? { exitLogPattern: config.exit_log_pattern } : {}),
          }),
        ),
      );
    });
  } catch (err) {
    if (isCancellation(err) || containerWork.consideredCancelled) status.cancelRequested ??= { reason: WORKFLOW_CANCELLATION_REASON, phase: status.phase };
    // A deploy that failed because its deployment was cancelled is the cancel, not an Azure failure.
    failure = outcomeOfFailure(containerWork.consideredCancelled ? new CancelledFailure('Cancelled') : err, status.cancelRequested);
  }
  if (exitCode !== undefined) {
    status.exitCode = exitCode;
    if (exitCode !== 0) failure = outcomeOfFailure(nonZeroExit(exitCode));
  }

  await deploymentCancelled;
  enter('CleaningUp');
  // keep_failed_container_group keeps a Failed run's group for debugging; timeouts and cancels are deleted.
  const keep = config.keep_container_group || (config.keep_failed_container_group === true && failure?.phase === 'Failed');
  const cleanupOutcome = await CancellationScope.nonCancellable(() =>
    cleanUp(cleanupInput(failure?.phase === 'Cancelled'), keep, config.cleanup_timeout_seconds, status),
  );
  status.cleanup = cleanupOutcome;

  if (failure) {
    status.message = failure.failure.message;
    enter(failure.phase);
    if (failure.phase === 'Cancelled') await cancels.closeCancelled(failure.failure);
    throw failure.failure;
  }
  enter('Completed');
  return { flowRunId: input.flowRunId, phase: 'Completed', exitCode: 0, containerGroupName: target.containerGroupName };
}

/**
 * The names come from the input only (never recomputed here, so replay stays the same
 * whatever the naming rules become); cleanup needs them even when deploy never returned.
 * The worker checks they are this run's.
 */
function requireNames(input: FlowRunInput): void {
  const names = input.names;
  if (!names?.containerGroupName || !names.containerName || !names.deploymentName) {
    // Bad input must fail the run, not retry the workflow task forever.
    throw ApplicationFailure.nonRetryable(
      'names: the workflow input has no container group, container and deployment names; start flow runs with the aci-flow client or CLI, which compute them',
      'InvalidFlowRunInput',
    );
  }
}

/**
 * The run's settings as the worker rendered them. A refused input ends the run Failed with the
 * worker's reason, before anything exists in Azure: nothing to clean up.
 */
async function settingsOrFail(input: FlowRunInput, status: FlowRunStatus): Promise<RunSettings> {
  try {
    return await renderFlowRun(input);
  } catch (err) {
    const { phase, failure } = outcomeOfFailure(err);
    status.phase = phase;
    status.message = failure.message;
    publishPhase(input, input.names.containerGroupName, phase);
    throw failure;
  }
}

/**
 * The container's exit code; with max_run_seconds set, a workflow timer races the watch
 * activity and, when it fires first, cancels it and ends the run TimedOut (two timer events,
 * whatever the run's length).
 */
async function watchWithin(maxRunSeconds: number | null, watchRun: () => Promise<activities.WatchOutput>): Promise<number> {
  if (maxRunSeconds === null) return (await watchRun()).exitCode;
  const watchScope = new CancellationScope();
  let ranTooLong = false;
  const runTimer = deadlineTimer(maxRunSeconds * 1000, () => {
    ranTooLong = true;
    watchScope.cancel();
  });
  try {
    return (await watchScope.run(watchRun)).exitCode;
  } catch (err) {
    if (ranTooLong && isCancellation(err)) throw maxRunTimeExceeded(maxRunSeconds);
    throw err;
  } finally {
    runTimer.stop();
  }
}

/** A workflow timer that calls onFire unless stopped first; a run's cancellation stops it too. */
function deadlineTimer(ms: number, onFire: () => void): { stop(): void } {
  const scope = new CancellationScope();
  scope.run(() => sleep(ms)).then(onFire, () => undefined);
  return { stop: () => scope.cancel() };
}

function maxRunTimeExceeded(maxRunSeconds: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.maxRunTime,
    nonRetryable: true,
    message: `Flow run ran longer than ${maxRunSeconds} s (max_run_seconds) and was stopped; raise max_run_seconds if it needs longer`,
    details: [{ maxRunSeconds }],
  });
}

function nonZeroExit(exitCode: number): ApplicationFailure {
  return ApplicationFailure.create({
    type: FailureTypes.nonZeroExit,
    message: `Container exited with code ${exitCode}`,
    nonRetryable: true,
    details: [{ exitCode }],
  });
}

function isTerminal(phase: FlowRunPhase): boolean {
  return phase === 'Completed' || phase === 'Failed' || phase === 'Cancelled' || phase === 'TimedOut';
}

/**
 * Retried inside the activity until it succeeds or cleanup_timeout_seconds pass; then it is
 * abandoned (with the last error) for the orphan sweeper. Never replaces the run's outcome.
 */
async function cleanUp(cleanup: CleanupInput, keepContainerGroup: boolean, timeoutSeconds: number, status: FlowRunStatus): Promise<FlowRunCleanup> {
  status.cleanup = { state: 'pending' };
  const { deleteContainerGroup, stopContainerGroup } = cleanupActivities(timeoutSeconds);
  const done: CleanupState = keepContainerGroup ? 'stopped' : 'deleted';
  try {
    if (keepContainerGroup) await stopContainerGroup(cleanup);
    else await deleteContainerGroup(cleanup);
    return { state: done };
  } catch (err) {
    // Cleanup fails fast only when no call can succeed (the run's credential cannot be built).
    const fast = err instanceof ActivityFailure && err.cause instanceof ApplicationFailure && err.cause.nonRetryable;
    return { state: 'abandoned', lastError: fast ? innermostMessage(err) : `gave up after ${timeoutSeconds} s: ${innermostMessage(err)}` };
  }
}

/** The schedule-to-close timeout wraps the last attempt's failure: Azure's code and message are innermost. */
function innermostMessage(err: unknown): string {
  let current: unknown = err;
  let message = err instanceof Error ? err.message : String(err);
  while (current instanceof Error) {
    if (current.message) message = current.message;
    current = (current as { cause?: unknown }).cause;
  }
  return message;
}
