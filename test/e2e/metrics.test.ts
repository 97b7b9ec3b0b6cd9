/**
 * `aci-flow worker` with ACI_FLOW_METRICS_ADDRESS: one /metrics endpoint with aci-flow's own
 * metrics and the Temporal SDK's, moving while a real run goes through the emulator.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { freePort } from '../../src/localServices';
import { readRunLog, startTestFlowRun } from '../helpers/flowRuns';
import { sampleSum, scrapeMetrics } from '../helpers/metrics';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(180_000);

const LINES = 20;

describe('worker metrics endpoint', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-metrics' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('serves ARM requests, polls, log lines, runs by phase and the SDK metrics, moving during a run', async () => {
    const port = await freePort();
    const worker = stack.spawnWorkerProcess({ env: { ACI_FLOW_METRICS_ADDRESS: `127.0.0.1:${port}` } });
    const scrape = () => scrapeMetrics(`127.0.0.1:${port}`);
    const lastSeen = () => worker.output().slice(-2000);
    const before = await waitFor(scrape, 'the metrics endpoint to answer', { timeoutMs: 60_000, lastSeen });
    // Ready once the worker polls Temporal (a readiness probe holds traffic and rollouts until then).
    await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, 'the worker to be ready', { timeoutMs: 60_000, lastSeen });
    expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
    expect(sampleSum(before, 'aci_flow_arm_requests_total')).toBe(0);
    expect(sampleSum(before, 'aci_flow_runs_in_phase', { phase: 'watch' })).toBe(0);

    const run = await startTestFlowRun(stack, {
      values: { command: `sh -c 'for i in $(seq 1 ${LINES}); do echo metric-$i; sleep 0.2; done'` },
    });
    const watching = await waitFor(
      async () => {
        const samples = await scrape();
        return samples && sampleSum(samples, 'aci_flow_runs_in_phase', { phase: 'watch' }) === 1 ? samples : undefined;
      },
      'the run to show in the watch phase',
      { timeoutMs: 60_000, lastSeen },
    );
    expect(sampleSum(watching, 'aci_flow_arm_requests_total', { class: 'write', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleSum(watching, 'aci_flow_polls_total', { phase: 'waitForStart', outcome: 'ok' })).toBeGreaterThan(0);

    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(readRunLog(stack, run.flowRunId)).toHaveLength(LINES);
    // The cleanup activity leaves its phase just before the workflow completes; wait for the scrape to agree.
    const after = await waitFor(
      async () => {
        const samples = await scrape();
        return samples && sampleSum(samples, 'aci_flow_runs_in_phase') === 0 ? samples : undefined;
      },
      'every phase to be empty again',
      { timeoutMs: 30_000, lastSeen },
    );
    expect(sampleSum(after, 'aci_flow_arm_requests_total', { class: 'read', outcome: 'ok' })).toBeGreaterThan(
      sampleSum(watching, 'aci_flow_arm_requests_total', { class: 'read', outcome: 'ok' }),
    );
    expect(sampleSum(after, 'aci_flow_arm_requests_total', { class: 'delete', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleSum(after, 'aci_flow_arm_requests_total', { outcome: 'error' })).toBe(0);
    expect(sampleSum(after, 'aci_flow_arm_budget_wait_seconds_count')).toBe(sampleSum(after, 'aci_flow_arm_requests_total'));
    expect(sampleSum(after, 'aci_flow_polls_total', { phase: 'watch', outcome: 'ok' })).toBeGreaterThan(0);
    expect(sampleSum(after, 'aci_flow_log_lines_total')).toBe(LINES);
    expect(sampleSum(after, 'aci_flow_exit_detection_lag_seconds_count')).toBe(1);

    const temporal = new Set(after.filter((sample) => sample.name.startsWith('temporal_')).map((sample) => sample.name));
    expect(temporal.size).toBeGreaterThan(0);
    // Every series the Grafana dashboard plots exists in a real scrape.
    const scraped = new Set(after.map((sample) => sample.name));
    const missing = dashboardSeries().filter((name) => !scraped.has(name));
    expect(missing).toEqual([]);
    expect(await worker.kill('SIGTERM')).toBe(0);
  });
});

/** The metric names the dashboard's queries use, as they appear in a scrape (histograms by their _bucket series). */
function dashboardSeries(): string[] {
  const dashboard = JSON.parse(readFileSync(join(resolve(__dirname, '..', '..'), 'deploy', 'grafana', 'aci-flow-dashboard.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
  };
  const names = dashboard.panels.flatMap((panel) => panel.targets ?? []).flatMap((target) => target.expr.match(/\b(aci_flow|temporal)_[a-z0-9_]+/g) ?? []);
  return [...new Set(names)];
}
