/**
 * Whether Azure resources belong to the flow run an activity works for. Names are injective
 * (src/template/naming.ts), but they arrive in workflow input written by a less trusted
 * client, and a group may predate the naming scheme or be someone else's, so the worker
 * checks before it adopts, watches, stops or deletes anything.
 */
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { FLOW_RUN_ID_TAG, WORKFLOW_ID_TAG } from '../template/deployment';
import { ConfigError } from '../config/errors';
import { type FlowRunNames, flowRunNames } from '../template/naming';

export const OwnershipFailureTypes = {
  /** The input's names are not the ones computed for its flow name and run id. */
  foreignNames: 'FlowRunNamesMismatch',
  /** A group or deployment of this run's name exists but its tags name another run. */
  ownedByAnotherRun: 'ResourceOwnedByAnotherFlowRun',
} as const;

export interface RunOwner {
  flowRunId: string;
  /** From the activity's own context, never from input. */
  workflowId: string;
}

/** The run the current activity works for: its workflow id is the one Temporal reports, whatever the input says. */
export function currentOwner(flowRunId: string): RunOwner {
  const workflowId = Context.current().info.workflowExecution?.workflowId;
  if (!workflowId) throw ApplicationFailure.nonRetryable('flow run activities run only inside a flow-run workflow', 'InvalidFlowRunInput');
  return { flowRunId, workflowId };
}

/** The names of the input that differ from those computed for (flowName, flowRunId). */
export function foreignNames(run: { flowName: string; flowRunId: string }, names: FlowRunNames | undefined): Array<keyof FlowRunNames> {
  const keys: Array<keyof FlowRunNames> = ['containerGroupName', 'containerName', 'deploymentName'];
  let expected: FlowRunNames;
  try {
    expected = flowRunNames(run.flowName, run.flowRunId);
  } catch (err) {
    // A run id that cannot be named has no resources: nothing in the input is its.
    if (err instanceof ConfigError) return keys;
    throw err;
  }
  return keys.filter((key) => names?.[key] !== expected[key]);
}

/** Throws ConfigError for a run id that cannot be named, the failure the run should report. */
export function assertOwnNames(run: { flowName: string; flowRunId: string }, names: FlowRunNames | undefined): void {
  const expected = flowRunNames(run.flowName, run.flowRunId);
  const wrong = foreignNames(run, names);
  if (wrong.length === 0) return;
  throw ApplicationFailure.nonRetryable(
    `names.${wrong.join(', names.')} in the workflow input ${wrong.length === 1 ? 'is' : 'are'} not flow run "${run.flowRunId}"'s ` +
      `(expected ${wrong.map((key) => `${key} '${expected[key]}'`).join(', ')}); ` +
      'start flow runs with the aci-flow client or CLI, which compute the names',
    OwnershipFailureTypes.foreignNames,
  );
}

/** A resource is this run's only when both managed tags name it: an untagged one is nobody's we may touch. */
export function isOwnedBy(owner: RunOwner, tags: Record<string, string> | undefined): boolean {
  return tags?.[FLOW_RUN_ID_TAG] === owner.flowRunId && tags?.[WORKFLOW_ID_TAG] === owner.workflowId;
}

export function assertOwnedBy(owner: RunOwner, resource: string, tags: Record<string, string> | undefined): void {
  if (isOwnedBy(owner, tags)) return;
  throw ApplicationFailure.nonRetryable(
    `${resource} already exists and belongs to ${describeOwner(tags)}, not to flow run "${owner.flowRunId}" ` +
      `(workflow ${owner.workflowId}); aci-flow will not adopt, watch or delete it. ` +
      'Remove it or choose another flow run id',
    OwnershipFailureTypes.ownedByAnotherRun,
  );
}

export function describeOwner(tags: Record<string, string> | undefined): string {
  const flowRunId = tags?.[FLOW_RUN_ID_TAG];
  if (flowRunId === undefined) return `no flow run (no ${FLOW_RUN_ID_TAG} tag)`;
  return `flow run "${flowRunId}" (workflow ${tags?.[WORKFLOW_ID_TAG] ?? 'unknown'})`;
}
