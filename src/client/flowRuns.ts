/**
 * The orchestrator client library: start, cancel, inspect, list and read the logs of flow
 * runs. Workflows are addressed by name and the shared definitions only, never by importing
 * workflow code, so orchestrators do not depend on the worker's implementation.
 */
import { randomUUID } from 'node:crypto';
import { type Client, type WorkflowHandle, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { z } from 'zod';
import type { JobConfiguration, PoolConfig } from '../config';
import type { PreparedDeployment } from '../template/prepare';
import { renderFlowRun } from '../template/renderRun';
import { FLOW_RUN_WORKFLOW, type FlowRunInput, searchAttributes, taskQueueForPool, workflowIdForFlowRun } from '../workflows/definitions';
import { InvalidFlowRunOptionsError } from './errors';
import type { FlowRunMemo } from './flowRunStatus';
import { assertInputFitsPayloadLimit } from './inputSize';

const identifier = z
  .string()
  .min(1, 'must not be empty')
  .max(128, 'must be at most 128 characters')
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]*$/, 'use letters, digits, ".", "_" and "-", starting with a letter or digit');

const startFlowRunFields = z.object({
  workPool: identifier,
  flowName: z.string().trim().min(1, 'must not be empty').max(256, 'must be at most 256 characters'),
  flowRunId: identifier.optional(),
});

export interface StartFlowRunOptions extends z.input<typeof startFlowRunFields> {
  /** The work pool's base job template, as loaded by loadPoolConfig(). */
  pool: PoolConfig;
  /** Values for the pool's variables (image, command, env, ...), like Prefect job variables. */
  values?: Record<string, unknown>;
}

export interface StartedFlowRun {
  flowRunId: string;
  workflowId: string;
  handle: WorkflowHandle;
  /** True when this flow run already had a workflow; nothing new was started. */
  alreadyStarted: boolean;
}

/** A flow run whose configuration is rendered and validated, ready to start; building it touches no network. */
export interface PreparedFlowRun {
  flowRunId: string;
  workflowId: string;
  workPool: string;
  containerGroupName: string;
  input: FlowRunInput;
  /** The job configuration as the worker will render it (the input carries only the values). */
  configuration: JobConfiguration;
  /** The ARM deployment the worker will send, secrets still as references (what `aci-flow render` prints). */
  deployment: PreparedDeployment;
}

/**
 * Renders and validates the run as the worker will (the same renderFlowRun), so bad input
 * (ConfigError, InvalidFlowRunOptionsError) throws before anything exists in Temporal or
 * Azure. The workflow input carries only the values: the worker renders again from its own
 * copy of the pool configuration and decides what is deployed.
 */
export function prepareFlowRun(options: StartFlowRunOptions): PreparedFlowRun {
  const fields = parseFields(options);
  const flowRunId = fields.flowRunId ?? randomUUID();
  const values = options.values ?? {};
  const workflowId = workflowIdForFlowRun(flowRunId);
  // Rendering here surfaces template and patch errors now, and fixes the names once for the
  // workflow's whole life (the worker checks them).
  const { configuration, deployment } = renderFlowRun(options.pool.base_job_template, values, { flowRunId, flowName: fields.flowName, workflowId });
  const { containerGroupName, containerName, deploymentName } = deployment;
  const input: FlowRunInput = {
    flowRunId,
    flowName: fields.flowName,
    workPool: fields.workPool,
    values,
    names: { containerGroupName, containerName, deploymentName },
  };
  assertInputFitsPayloadLimit(input);
  return {
    flowRunId,
    workflowId,
    workPool: fields.workPool,
    containerGroupName,
    input,
    configuration,
    deployment,
  };
}

/**
 * Starts the workflow of one flow run (see prepareFlowRun for what is checked first).
 * Starting the same flow run again returns the existing workflow (running or closed)
 * instead of a second one.
 */
export async function startFlowRun(client: Client, options: StartFlowRunOptions | PreparedFlowRun): Promise<StartedFlowRun> {
  const run = 'input' in options ? options : prepareFlowRun(options);
  const { flowRunId, workflowId, workPool, containerGroupName, input, configuration } = run;
  const memo: FlowRunMemo = {
    resourceGroupName: configuration.resource_group_name,
    containerGroupName,
    deploymentName: input.names.deploymentName,
  };
  try {
    const handle = await client.workflow.start(FLOW_RUN_WORKFLOW, {
      workflowId,
      taskQueue: taskQueueForPool(workPool),
      args: [input],
      // A flow run id names one execution forever: a closed run is reported, never re-run.
      workflowIdReusePolicy: 'REJECT_DUPLICATE',
      memo: { ...memo },
      typedSearchAttributes: [
        { key: searchAttributes.flowRunId, value: flowRunId },
        { key: searchAttributes.flowName, value: input.flowName },
        { key: searchAttributes.workPool, value: workPool },
        { key: searchAttributes.containerGroup, value: containerGroupName },
        { key: searchAttributes.phase, value: 'Deploying' },
      ],
      staticSummary: `${input.flowName} · flow run ${flowRunId} · pool ${workPool}`,
      staticDetails: describeForUi(configuration, containerGroupName),
    });
    return { flowRunId, workflowId, handle, alreadyStarted: false };
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    return { flowRunId, workflowId, handle: client.workflow.getHandle(workflowId), alreadyStarted: true };
  }
}

function parseFields(options: StartFlowRunOptions): z.output<typeof startFlowRunFields> {
  const parsed = startFlowRunFields.safeParse(options);
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!; // a failed parse has at least one issue
  throw new InvalidFlowRunOptionsError(issue.path.join('.') || 'options', issue.message);
}

/** Markdown for the UI's details panel: where the run goes, never env values (they may be secret). */
function describeForUi(configuration: JobConfiguration, containerGroupName: string): string {
  return [
    `- **Container group**: ${containerGroupName}`,
    `- **Resource group**: ${configuration.resource_group_name}`,
    `- **Image**: ${configuration.image}`,
    `- **CPU**: ${configuration.cpu}`,
    `- **Memory (GB)**: ${configuration.memory}`,
  ].join('\n');
}
