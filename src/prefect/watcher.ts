/**
 * Awaits each started workflow's result and then reconciles it with Prefect. It lives in
 * the bridge process; after a restart the bridge calls watch() again for the pool's open
 * flow runs, and a closed workflow resolves at once, so no outcome is lost.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { workflowIdForFlowRun } from '../workflows/definitions';
import { type BridgeContext, messageOf } from './context';
import { reconcile } from './outcomes';

export class RunWatcher {
  private readonly watching = new Map<string, Promise<void>>();
  private readonly aborter = new AbortController();

  constructor(private readonly ctx: BridgeContext) {}

  isWatching(flowRunId: string): boolean {
    return this.watching.has(flowRunId);
  }

  watch(flowRunId: string): void {
    if (this.watching.has(flowRunId) || this.aborter.signal.aborted) return;
    const done = this.follow(flowRunId).finally(() => this.watching.delete(flowRunId));
    this.watching.set(flowRunId, done);
  }

  /** Stops waiting; the workflows go on, and the next bridge picks them up. */
  async stop(): Promise<void> {
    this.aborter.abort();
    await Promise.allSettled([...this.watching.values()]);
  }

  private async follow(flowRunId: string): Promise<void> {
    const handle = this.ctx.temporal.workflow.getHandle(workflowIdForFlowRun(flowRunId));
    for (;;) {
      try {
        // The outcome itself is read by reconcile(); a failed run is an outcome, not an error here.
        await this.ctx.temporal.withAbortSignal(this.aborter.signal, () => handle.result()).catch((err) => {
          if (err instanceof WorkflowNotFoundError || this.aborter.signal.aborted) throw err;
        });
        if (this.aborter.signal.aborted) return;
        await reconcile(this.ctx, flowRunId);
        return;
      } catch (err) {
        if (this.aborter.signal.aborted) return;
        if (err instanceof WorkflowNotFoundError) {
          this.ctx.log(`flow run ${flowRunId}: no aci-flow workflow; nothing to watch`);
          return;
        }
        // Prefect or Temporal briefly unreachable: keep trying, the outcome must reach Prefect.
        this.ctx.log(`flow run ${flowRunId}: could not reconcile with Prefect (${messageOf(err)}); retrying in 5 s`);
        await abortableDelay(5_000, this.aborter.signal);
      }
    }
  }
}

export function abortableDelay(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    if (signal.aborted) return resolve();
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
  });
}
