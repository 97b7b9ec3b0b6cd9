/**
 * Telling a flow run that its container has probably exited (docs/workflow.md, "Exit hints"):
 * the run's next state poll is immediate. ARM stays the source of truth — a hint never ends a
 * run by itself — so a wrong hint costs one read. Sent as the `exitHint` update, which the run
 * refuses (and then records nothing) when it would not take it; when no worker answers in
 * time the `exited` signal delivers it instead, taken when a worker runs the workflow.
 */
import { type Client, WorkflowNotFoundError, WorkflowUpdateFailedError } from '@temporalio/client';
import { z } from 'zod';
import { exitedSignal, type ExitHint, exitHintUpdate, type FlowRunPhase, workflowIdForFlowRun } from '../workflows/definitions';
import { asNotFound, InvalidFlowRunOptionsError } from './errors';

/** How long the caller waits for a worker to take the hint before it falls back to the signal. */
const RECEIPT_DEADLINE_MS = 10_000;

/** Sources a client may name; the worker itself adds `log`. */
export const CLIENT_EXIT_HINT_SOURCES = ['client', 'container', 'prefect'] as const;

const ExitHintSchema = z.strictObject({ source: z.enum(CLIENT_EXIT_HINT_SOURCES).optional() });

export interface HintFlowRunExitedResult {
  flowRunId: string;
  /**
   * true: the run's next state poll is immediate. false: the run did not need it (`reason`
   * says why: its exit was already seen, it finished, or it took its share of hints).
   * undefined: no worker answered within 10 s; the hint was sent as the `exited` signal.
   */
  taken: boolean | undefined;
  phase?: FlowRunPhase;
  reason?: string;
}

/** The hint, checked: throws InvalidFlowRunOptionsError naming the field (e.g. `source`). */
export function validExitHint(hint: unknown): ExitHint {
  const parsed = ExitHintSchema.safeParse(hint ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0];
  throw new InvalidFlowRunOptionsError(issue?.path.length ? issue.path.join('.') : 'hint', issue?.message ?? 'invalid exit hint');
}

/** Throws InvalidFlowRunOptionsError for a bad hint and FlowRunNotFoundError for an unknown run. */
export async function hintFlowRunExited(client: Client, flowRunId: string, hint: ExitHint = {}): Promise<HintFlowRunExitedResult> {
  const valid = validExitHint(hint);
  const handle = client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  const closed = async (): Promise<HintFlowRunExitedResult | undefined> => {
    const description = await handle.describe().catch((err: unknown) => {
      throw asNotFound(err, client, flowRunId);
    });
    if (description.status.name === 'RUNNING') return undefined;
    return { flowRunId, taken: false, reason: `the flow run has already finished (workflow ${description.status.name})` };
  };
  try {
    const receipt = await client.withDeadline(Date.now() + RECEIPT_DEADLINE_MS, () => handle.executeUpdate(exitHintUpdate, { args: [valid] }));
    return { flowRunId, ...receipt };
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError) {
      return { flowRunId, taken: false, reason: err.cause?.message ?? err.message };
    }
    const finished = await closed();
    if (finished) return finished;
    if (err instanceof WorkflowNotFoundError) throw asNotFound(err, client, flowRunId);
  }
  // No worker answered in time: the signal waits in the history for one.
  await handle.signal(exitedSignal, valid).catch((err: unknown) => {
    throw asNotFound(err, client, flowRunId);
  });
  return { flowRunId, taken: undefined };
}
