/**
 * What one flow run costs in ARM reads outside its state polls (docs/benchmark.md, "Reads per
 * run"): a worker process with its metrics endpoint runs one flow end to end against the
 * emulator, and its requests by purpose are checked against the emulator's own count, so no
 * read escapes the labels.
 */
import { freePort } from '../../src/localServices';
import { POLL_PURPOSES } from '../../src/common/metrics';
import { groupsOf, startTestFlowRun } from '../helpers/flowRuns';
import { type Sample, scrapeMetrics } from '../helpers/metrics';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(180_000);

/** The lifecycle reads a run may cost (issue target): deploy's checks and operation, cleanup. */
const MAX_LIFECYCLE_READS = 4;

describe('ARM reads of one flow run', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-lifecycle-reads' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it(`costs at most ${MAX_LIFECYCLE_READS} reads outside its state polls, each one named`, async () => {
    const port = await freePort();
    const worker = stack.spawnWorkerProcess({ env: { ACI_FLOW_METRICS_ADDRESS: `127.0.0.1:${port}` } });
    const lastSeen = () => worker.output().slice(-2000);
    const scrape = () => scrapeMetrics(`127.0.0.1:${port}`);
    try {
      await waitFor(scrape, 'the metrics endpoint to answer', { timeoutMs: 60_000, lastSeen });
      stack.emulator.resetCounters();

      const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo one; sleep 1; echo two'" } });
      const result = await run.handle.result();
      expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
      expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);

      // The cleanup activity ends just before the workflow does: wait for its requests to show.
      const reads = await waitFor(
        async () => {
          const samples = await scrape();
          if (!samples) return undefined;
          const byPurpose = readsByPurpose(samples);
          const total = Object.values(byPurpose).reduce((sum, count) => sum + count, 0);
          return total === (stack.emulator.counters().reads ?? 0) && (stack.emulator.counters()['containerGroups.delete'] ?? 0) > 0 ? byPurpose : undefined;
        },
        "the worker's read count to match the emulator's",
        { timeoutMs: 30_000, lastSeen: () => JSON.stringify({ worker: lastSeen(), emulator: stack.emulator.counters() }) },
      );
      const lifecycle = Object.fromEntries(Object.entries(reads).filter(([purpose]) => !POLL_PURPOSES.includes(purpose as never)));
      const lifecycleTotal = Object.values(lifecycle).reduce((sum, count) => sum + count, 0);
      // Named, so a new read shows up here with its purpose: the group check before deploying
      // and the deployment's own operation (status polls and final GET), nothing else.
      expect(Object.keys(lifecycle).sort()).toEqual(['deploy', 'groupCheck']);
      expect(lifecycle.groupCheck).toBe(1);
      expect(lifecycleTotal).toBeLessThanOrEqual(MAX_LIFECYCLE_READS);
      // The polls did the rest: at least one state read.
      expect(reads.state).toBeGreaterThan(0);
    } finally {
      await worker.kill('SIGTERM');
    }
  });
});

/** Successful and failed ARM reads of the scrape, by purpose. */
function readsByPurpose(samples: readonly Sample[]): Record<string, number> {
  const reads: Record<string, number> = {};
  for (const sample of samples) {
    if (sample.name !== 'aci_flow_arm_requests_total' || sample.labels.class !== 'read' || sample.value === 0) continue;
    const purpose = sample.labels.purpose ?? 'unlabelled';
    reads[purpose] = (reads[purpose] ?? 0) + sample.value;
  }
  return reads;
}
