/**
 * V8 flags every worker process sets on itself, declared here once: `runWorker` applies them
 * first thing, so the image (`node dist/worker.js`), `aci-flow worker`, the Prefect bridge's
 * in-process worker and the benchmark's workers all run with them, without a `node` flag or
 * NODE_OPTIONS anyone has to remember.
 *
 * `--optimize-for-size` keeps V8's heaps tight: it caps how far the old generation grows past
 * its live size before a full collection. V8 reads it at every collection, so setting it at run
 * time works for the main thread's heap too, and the workflow thread the SDK starts later
 * inherits it. (What V8 fixes when an isolate is created, such as the main thread's young
 * generation cap, only threads started afterwards get; the young generation is not where a
 * worker's memory goes.) A worker holding 1000 runs mostly holds the Temporal SDK's
 * per-activity objects and its workflow cache, which live long and allocate little, so the
 * extra collections cost little CPU here; an allocation-heavy loop pays several times over.
 * docs/benchmark.md ("Where a worker's memory goes", part 5) has the measurements.
 */
import { setFlagsFromString } from 'node:v8';

export const WORKER_V8_FLAGS = ['--optimize-for-size'] as const;

export function applyWorkerV8Flags(setFlag: (flag: string) => void = setFlagsFromString): void {
  for (const flag of WORKER_V8_FLAGS) setFlag(flag);
}
