/**
 * Shapes the activities exchange with the workflow. Type-only for the workflow, so this
 * file must not import anything with runtime effects.
 */
import type { ContainerGroupRef } from '../azure/gateway';
import type { AciCredentials, JobConfiguration } from '../config/jobConfiguration';
import type { ExitHintSource, FlowRunInput } from '../workflows/definitions';

/** Where a flow run's container lives once deployed; every later activity works on it. */
export interface FlowRunTarget extends ContainerGroupRef {
  containerName: string;
  deploymentName: string;
  /** The pool's aci_credentials (secrets as references only): which identity every call of the run uses. */
  credentials?: AciCredentials | null;
}

/**
 * What the workflow needs of the worker's rendering (renderFlowRun activity): where the run
 * goes and its timings, no secret and nothing the deployment is built from.
 */
export type RunSettings = Pick<
  JobConfiguration,
  | 'task_start_timeout_seconds'
  | 'task_watch_poll_interval'
  | 'stream_output'
  | 'max_run_seconds'
  | 'keep_container_group'
  | 'keep_failed_container_group'
  | 'cleanup_timeout_seconds'
> &
  Partial<Pick<JobConfiguration, 'exit_log_pattern'>> & { target: FlowRunTarget };

/**
 * The workflow's input; the workflow id the group is tagged with comes from the activity's
 * context. Deploy renders the run again from the pool and the values, never from this input's other fields.
 */
export interface DeployInput extends FlowRunInput {
  /** The target the workflow got from renderFlowRun: deploy refuses to deploy anywhere else (absent in older workflow code). */
  expectedTarget?: FlowRunTarget;
  /**
   * task_start_timeout_seconds counts from the deployment's start (epoch ms, fixed by the
   * workflow so retries do not extend it): a deployment still running then is cancelled and
   * the run times out. Absent in inputs of older workflow code.
   */
  startDeadlineEpochMs?: number;
}

/**
 * Cleanup of one run. The target may come straight from the workflow input (deploy never
 * returned), so cleanup checks the group's tags against the run before touching it.
 */
export interface CleanupInput {
  flowRunId: string;
  flowName: string;
  target: FlowRunTarget;
  /**
   * The run was cancelled: someone waits for its cleanup, which goes ahead of routine cleanups
   * in the subscription's ARM budget (absent in runs started by older workflow code: routine).
   */
  cancelled?: boolean;
  /**
   * This run's deploy activity returned: the group of `target` is the one its deployment created
   * or adopted after checking the tags, so cleanup does not read them again (one ARM read less).
   * Set by the workflow from the deploy result, never from client input; absent: cleanup looks.
   */
  deployed?: boolean;
}

export interface DeployOutput extends FlowRunTarget {
  /** The deployment already existed (a retry after a crash) and was adopted. */
  adopted: boolean;
}

export interface WaitForStartInput {
  target: FlowRunTarget;
  /** The run's flow: the poll scheduler learns and uses its durations (absent in runs started by older workflow code). */
  flowName?: string;
  /** Absolute deadline (epoch ms), fixed by the workflow so retries do not extend it. */
  deadlineEpochMs: number;
  /** task_start_timeout_seconds, for the message. */
  timeoutSeconds: number;
  pollIntervalSeconds: number;
}

export interface WaitForStartOutput {
  state: 'Running' | 'Terminated';
  exitCode?: number;
}

export interface WatchInput {
  flowRunId: string;
  /** The run's flow: the poll scheduler learns and uses its durations (absent in runs started by older workflow code). */
  flowName?: string;
  target: FlowRunTarget;
  pollIntervalSeconds: number;
  /** stream_output: copy the container's log lines to the run's log sink. */
  streamOutput: boolean;
  /**
   * Set on a watch the workflow started because of an exit hint (docs/workflow.md, "Exit
   * hints"), with the hint's source: its first state poll is urgent. Such an attempt starts
   * without a log cursor (the one it replaces is still running); the log sink's line indexes
   * keep every line exactly once.
   */
  exitHint?: ExitHintSource;
  /**
   * waitForStart already saw the container Terminated (a short run that ended before its start
   * was seen): the first state poll is urgent, as the exit is known and only its final read is left.
   */
  exitSeen?: true;
  /** exit_log_pattern: a streamed line matching it makes the next state poll immediate (absent in older workflow code: off). */
  exitLogPattern?: string;
}

export interface WatchOutput {
  exitCode: number;
  /** Lines streamed to the log sink over the whole run. */
  logLines: number;
}
