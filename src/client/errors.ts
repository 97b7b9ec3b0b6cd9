/** Errors the client library throws for problems the caller can act on. */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';

/** No workflow exists for this flow run id in the namespace. */
export class FlowRunNotFoundError extends Error {
  constructor(
    readonly flowRunId: string,
    readonly namespace: string,
  ) {
    super(
      `flow run "${flowRunId}" not found in namespace "${namespace}": check the id (aci-flow list shows recent runs) ` +
        'and that TEMPORAL_ADDRESS / TEMPORAL_NAMESPACE point at the cluster that started it',
    );
    this.name = 'FlowRunNotFoundError';
  }
}

/** The options given to startFlowRun (or a CLI flag) are invalid; nothing was started. */
export class InvalidFlowRunOptionsError extends Error {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`${field}: ${problem}`);
    this.name = 'InvalidFlowRunOptionsError';
  }
}

/** Replaces Temporal's not-found error with one that names the flow run and what to check. */
export function asNotFound(err: unknown, client: Client, flowRunId: string): unknown {
  return err instanceof WorkflowNotFoundError ? new FlowRunNotFoundError(flowRunId, client.options.namespace) : err;
}

/** The flow run has finished, so there is nothing left to cancel. */
export class FlowRunAlreadyClosedError extends Error {
  constructor(
    readonly flowRunId: string,
    readonly workflowStatus: string,
  ) {
    super(`flow run "${flowRunId}" has already finished (workflow ${workflowStatus}); nothing to cancel — aci-flow status ${flowRunId} shows its outcome`);
    this.name = 'FlowRunAlreadyClosedError';
  }
}
