/**
 * The worker decides what is deployed (docs/workflow.md, "Where a run is rendered"): every run is rendered here,
 * from the pool configuration this worker was started with and the run's variable values,
 * by the same renderFlowRun that `aci-flow render` and `start` use. Nothing else in the
 * workflow input can widen the deployment: an input that carries more than the run's values,
 * names and identifiers, names another pool, or renders to something the pool forbids is
 * refused non-retryably, before anything exists in Azure.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { z } from 'zod';
import { ConfigError } from '../config/errors';
import type { PoolSource } from '../config/poolSource';
import { renderFlowRun, type RenderedFlowRun } from '../template/renderRun';
import { type FlowRunInput, taskQueueForPool } from '../workflows/definitions';
import { assertOwnNames } from './ownership';
import type { RunSettings } from './types';

export const RenderFailureTypes = {
  /** The input is not a flow run's: extra or missing fields, another pool's run. */
  input: 'InvalidFlowRunInput',
  /** The values render to something the pool forbids (schema, limits, secrets, allow-lists, boundary). */
  configuration: 'InvalidConfiguration',
} as const;

const INPUT_FIELDS = ['flowRunId', 'flowName', 'workPool', 'values', 'names'] as const;

const FlowRunInputSchema = z.strictObject({
  flowRunId: z.string().min(1).max(128),
  flowName: z.string().min(1).max(256),
  workPool: z.string().min(1).max(128),
  values: z.record(z.string(), z.unknown()),
  names: z.strictObject({ containerGroupName: z.string(), containerName: z.string(), deploymentName: z.string() }),
});

/** Renders the run on this worker; any problem is a non-retryable failure naming the rule. */
export async function renderOnWorker(input: FlowRunInput, pool: PoolSource | undefined, workflowId: string): Promise<RenderedFlowRun> {
  const run = validInput(input);
  if (!pool) {
    throw ApplicationFailure.nonRetryable(
      'this worker was started without its pool configuration, so it cannot render runs; start it with --pool-config (or ACI_FLOW_POOL_CONFIG)',
      RenderFailureTypes.input,
    );
  }
  try {
    // Loading may fail naming the pool's configuration (a Prefect block that cannot be read): as final as a bad value.
    const { base_job_template } = await pool.loadPool();
    return renderFlowRun(base_job_template, run.values, { flowRunId: run.flowRunId, flowName: run.flowName, workflowId });
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, RenderFailureTypes.configuration);
    throw err;
  }
}

/** What the workflow needs: the target and timings, nothing secret. */
export function runSettingsOf(rendered: RenderedFlowRun): RunSettings {
  const { configuration: config, deployment } = rendered;
  return {
    target: {
      subscriptionId: deployment.subscriptionId,
      resourceGroupName: deployment.resourceGroupName,
      containerGroupName: deployment.containerGroupName,
      containerName: deployment.containerName,
      deploymentName: deployment.deploymentName,
      // References only: the worker resolves the secret when it picks the gateway.
      ...(config.aci_credentials ? { credentials: config.aci_credentials } : {}),
    },
    task_start_timeout_seconds: config.task_start_timeout_seconds,
    task_watch_poll_interval: config.task_watch_poll_interval,
    stream_output: config.stream_output,
    max_run_seconds: config.max_run_seconds ?? null,
    keep_container_group: config.keep_container_group,
    keep_failed_container_group: config.keep_failed_container_group,
    cleanup_timeout_seconds: config.cleanup_timeout_seconds,
    exit_log_pattern: config.exit_log_pattern,
  };
}

/** The first activity of a run: render and validate on the worker, hand the workflow its settings. */
export function renderFlowRunActivity(pool: PoolSource | undefined) {
  return async function renderFlowRun(input: FlowRunInput): Promise<RunSettings> {
    const workflowId = Context.current().info.workflowExecution?.workflowId;
    if (!workflowId) throw ApplicationFailure.nonRetryable('flow run activities run only inside a flow-run workflow', RenderFailureTypes.input);
    return runSettingsOf(await renderOnWorker(input, pool, workflowId));
  };
}

/** Only the run's values, names and identifiers, for this worker's pool; the names must be the run's own. */
function validInput(input: FlowRunInput): FlowRunInput {
  const extra = Object.keys(input ?? {}).filter((key) => !(INPUT_FIELDS as readonly string[]).includes(key));
  if (extra.length > 0) {
    throw ApplicationFailure.nonRetryable(
      `${extra.join(', ')}: not part of a flow run's input, which carries only ${INPUT_FIELDS.join(', ')}; ` +
        "the worker renders the run from its own pool configuration and the run's values (start runs with aci-flow start or the client library)",
      RenderFailureTypes.input,
    );
  }
  const parsed = FlowRunInputSchema.safeParse(input);
  if (!parsed.success) {
    // A failed parse always has an issue.
    const issue = parsed.error.issues[0]!;
    throw ApplicationFailure.nonRetryable(`${issue.path.join('.') || 'input'}: ${issue.message}`, RenderFailureTypes.input);
  }
  const taskQueue = Context.current().info.taskQueue;
  if (taskQueueForPool(parsed.data.workPool) !== taskQueue) {
    throw ApplicationFailure.nonRetryable(
      `workPool: is "${parsed.data.workPool}", but this worker serves pool "${taskQueue}" and renders only its runs`,
      RenderFailureTypes.input,
    );
  }
  try {
    assertOwnNames(parsed.data, parsed.data.names);
  } catch (err) {
    if (err instanceof ConfigError) throw ApplicationFailure.nonRetryable(err.message, RenderFailureTypes.configuration);
    throw err;
  }
  return parsed.data;
}
