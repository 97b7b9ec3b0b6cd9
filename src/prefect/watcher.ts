/**
 * Awaits each started workflow's result, forwarding the container's log lines to the flow
 * run's Prefect logs meanwhile, and then reconciles the outcome with Prefect. It lives in the
 * bridge process; after a restart the bridge calls watch() again for the pool's open flow
 * runs, and a closed workflow resolves at once, so no outcome is lost.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdForFlowRun } from '../workflows/definitions';
import { type BridgeContext, messageOf } from './context';
import { reconcile } from './outcomes';
import { forwardContainerLogs, logReadIntervalMs } from './prefectLogs';
import { sleep } from '../common/clock';

export class RunWatcher {
  private readonly watching = new Map<string, Promise<void>>();
  private readonly aborter = new AbortController();

  constructor(private readonly ctx: BridgeContext) {}

  /** Flow runs this bridge holds (started or resumed, not yet reconciled): what --limit counts. */
  get size(): number {
    return this.watching.size;
  }

  /** The flow runs this bridge holds, whose workflows it awaits. */
  flowRunIds(): string[] {
    return [...this.watching.keys()];
  }

  isWatching(flowRunId: string): boolean {
    return this.watching.has(flowRunId);
  }

  watch(flowRunId: string): void {
    if (this.watching.has(flowRunId) || this.aborter.signal.aborted) return;
    const done = this.follow(flowRunId).finally(() => this.watching.delete(flowRunId));
    this.watching.set(flowRunId, done);
  }

  /** Resolves once every watched run is reconciled (or the signal aborts), calling `tick` every `intervalSeconds` meanwhile. */
  async settled(signal: AbortSignal, tick: () => Promise<void>, intervalSeconds: number): Promise<void> {
    while (this.watching.size > 0 && !signal.aborted) {
      await tick();
      await sleep(intervalSeconds * 1000, signal).catch(() => undefined);
    }
  }

  /** Stops waiting; the workflows go on, and the next bridge picks them up. */
  async stop(): Promise<void> {
    this.aborter.abort();
    await Promise.allSettled([...this.watching.values()]);
  }

  private async follow(flowRunId: string): Promise<void> {
    const signal = this.aborter.signal;
    const handle = this.ctx.temporal.workflow.getHandle(workflowIdForFlowRun(flowRunId));
    // Ends by itself once the workflow has closed and its last lines are sent.
    const forwarding = this.forwardLogs(flowRunId);
    for (;;) {
      try {
        // The outcome itself is read by reconcile(); a failed run is an outcome, not an error here.
        await this.ctx.temporal
          .withAbortSignal(signal, () => handle.result())
          .catch((err) => {
            if (err instanceof WorkflowNotFoundError || signal.aborted) throw err;
          });
        if (signal.aborted) return;
        // At once: a stopped container's engine races to report Crashed, and aci-flow's Cancelled must come first.
        await reconcile(this.ctx, flowRunId);
        // The last lines follow; the run counts against --limit until they are sent.
        await forwarding;
        return;
      } catch (err) {
        if (signal.aborted) return;
        if (err instanceof WorkflowNotFoundError) {
          this.ctx.log(`flow run ${flowRunId}: no aci-flow workflow; nothing to watch`);
          return;
        }
        // Prefect or Temporal briefly unreachable: keep trying, the outcome must reach Prefect.
        this.ctx.log(`flow run ${flowRunId}: could not reconcile with Prefect (${messageOf(err)}); retrying in 5 s`);
        await sleep(5_000, signal).catch(() => undefined);
      }
    }
  }

  private async forwardLogs(flowRunId: string): Promise<void> {
    const signal = this.aborter.signal;
    while (!signal.aborted) {
      try {
        await forwardContainerLogs(this.ctx, flowRunId, signal, logReadIntervalMs(this.watching.size));
        return;
      } catch (err) {
        // The log sink or Prefect unreachable: start again from the cursor.
        this.ctx.log(`flow run ${flowRunId}: container log forwarding stopped (${messageOf(err)}); resuming in 5 s`);
        await sleep(5_000, signal).catch(() => undefined);
      }
    }
  }
}
