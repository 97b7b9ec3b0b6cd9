import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { z } from 'zod';
import { FLOW_RUN_WORKFLOW, searchAttributes } from '../workflows/definitions';
import { FLOW_RUN_PHASES } from '../workflows/phases';
import { InvalidFlowRunOptionsError } from './errors';

const listOptionsSchema = z.object({
  workPool: z.string().min(1, 'must not be empty').optional(),
  phase: z.enum(FLOW_RUN_PHASES, { error: `must be one of ${FLOW_RUN_PHASES.join(', ')}` }).optional(),
  limit: z.number().int('must be a whole number').positive('must be at least 1').max(10_000, 'must be at most 10000').default(50),
});

export type ListFlowRunsOptions = z.input<typeof listOptionsSchema>;

/** One row of `aci-flow list`: what visibility knows, without querying each workflow. */
export interface FlowRunSummary {
  flowRunId: string;
  workflowId: string;
  flowName: string;
  workPool: string;
  phase: string;
  containerGroupName: string;
  exitCode?: number;
  /** Temporal's execution status: RUNNING, COMPLETED, FAILED, ... */
  workflowStatus: string;
  startTime: string;
  closeTime?: string;
}

/** Newest flow runs first, filtered by the search attributes the workflow keeps current. */
export async function listFlowRuns(client: Client, options: ListFlowRunsOptions = {}): Promise<FlowRunSummary[]> {
  const parsed = listOptionsSchema.safeParse(options);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!; // a failed parse has at least one issue
    throw new InvalidFlowRunOptionsError(issue.path.join('.') || 'options', issue.message);
  }
  const { workPool, phase, limit } = parsed.data;
  const runs: FlowRunSummary[] = [];
  for await (const execution of client.workflow.list({ query: visibilityQuery({ workPool, phase }) })) {
    runs.push(summarize(execution));
    if (runs.length >= limit) break;
  }
  return runs;
}

/** The list filter as a Temporal visibility query. */
export function visibilityQuery(filter: { workPool?: string; phase?: string }): string {
  const clauses = [`WorkflowType = ${quoted(FLOW_RUN_WORKFLOW)}`];
  if (filter.workPool !== undefined) clauses.push(`${searchAttributes.workPool.name} = ${quoted(filter.workPool)}`);
  if (filter.phase !== undefined) clauses.push(`${searchAttributes.phase.name} = ${quoted(filter.phase)}`);
  // No ORDER BY: SQL visibility (dev server, PostgreSQL) rejects it and already returns newest first.
  return clauses.join(' AND ');
}

function quoted(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

function summarize(execution: WorkflowExecutionInfo): FlowRunSummary {
  const attributes = execution.typedSearchAttributes;
  const exitCode = attributes.get(searchAttributes.exitCode);
  return {
    flowRunId: attributes.get(searchAttributes.flowRunId) ?? execution.workflowId,
    workflowId: execution.workflowId,
    flowName: attributes.get(searchAttributes.flowName) ?? '',
    workPool: attributes.get(searchAttributes.workPool) ?? '',
    phase: attributes.get(searchAttributes.phase) ?? '',
    containerGroupName: attributes.get(searchAttributes.containerGroup) ?? '',
    ...(exitCode === undefined ? {} : { exitCode: Number(exitCode) }),
    workflowStatus: execution.status.name,
    startTime: execution.startTime.toISOString(),
    ...(execution.closeTime ? { closeTime: execution.closeTime.toISOString() } : {}),
  };
}
