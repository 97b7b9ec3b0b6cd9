import { Registry } from 'prom-client';
import { createPromMetrics, METRIC_NAMES, noopMetrics, RUN_PHASES } from '../../../src/common/metrics';
import { seriesValue } from '../../helpers/metrics';

describe('aci-flow metrics', () => {
  it('registers every metric name in the registry it is given, and only there', async () => {
    const registry = new Registry();
    createPromMetrics(registry);
    const names = (await registry.getMetricsAsJSON()).map((metric) => metric.name).sort();
    expect(names).toEqual(Object.values(METRIC_NAMES).sort());
    // Two registries side by side (two workers in one test process) do not collide.
    expect(() => createPromMetrics(new Registry())).not.toThrow();
  });

  it('counts ARM requests and polls per label set and observes waits and exit lags', async () => {
    const registry = new Registry();
    const metrics = createPromMetrics(registry);
    metrics.armRequest('read', 'ok');
    metrics.armRequest('read', 'ok');
    metrics.armRequest('write', 'throttled');
    metrics.armBudgetWait('read', 0.25);
    metrics.poll('watch', 'error');
    metrics.exitDetected(3);
    metrics.exitDetected(-1);
    metrics.logLinesWritten(5);
    metrics.logLinesWritten(0);
    metrics.sweeperRemoved();
    metrics.sweeperRemoved(2);
    expect(await seriesValue(registry, 'aci_flow_arm_requests_total', { class: 'read', outcome: 'ok' })).toBe(2);
    expect(await seriesValue(registry, 'aci_flow_arm_requests_total', { class: 'write', outcome: 'throttled' })).toBe(1);
    expect(await seriesValue(registry, 'aci_flow_polls_total', { phase: 'watch', outcome: 'error' })).toBe(1);
    expect(await seriesValue(registry, 'aci_flow_log_lines_total')).toBe(5);
    expect(await seriesValue(registry, 'aci_flow_sweeper_removals_total')).toBe(3);
    const text = await registry.metrics();
    expect(text).toContain('aci_flow_arm_budget_wait_seconds_sum{class="read"} 0.25');
    // The negative lag (clock skew) counts as detected at once.
    expect(text).toContain('aci_flow_exit_detection_lag_seconds_sum 3');
    expect(text).toContain('aci_flow_exit_detection_lag_seconds_bucket{le="0.5"} 1');
  });

  it('shows every phase at 0 from the start and counts a run once per phase however often it ends', async () => {
    const registry = new Registry();
    const metrics = createPromMetrics(registry);
    for (const phase of RUN_PHASES) expect(await seriesValue(registry, 'aci_flow_runs_in_phase', { phase })).toBe(0);
    const endWatch = metrics.phaseStarted('watch');
    const endOther = metrics.phaseStarted('watch');
    expect(await seriesValue(registry, 'aci_flow_runs_in_phase', { phase: 'watch' })).toBe(2);
    endWatch();
    endWatch();
    expect(await seriesValue(registry, 'aci_flow_runs_in_phase', { phase: 'watch' })).toBe(1);
    endOther();
    expect(await seriesValue(registry, 'aci_flow_runs_in_phase', { phase: 'watch' })).toBe(0);
  });

  it('shows every exit hint source it is given at 0 from the start, and counts hints by source', async () => {
    const registry = new Registry();
    const metrics = createPromMetrics(registry, { exitHintSources: ['client', 'prefect'] });
    expect(await seriesValue(registry, 'aci_flow_exit_hints_total', { source: 'client' })).toBe(0);
    expect(await seriesValue(registry, 'aci_flow_exit_hints_total', { source: 'prefect' })).toBe(0);
    metrics.exitHint('prefect');
    expect(await seriesValue(registry, 'aci_flow_exit_hints_total', { source: 'prefect' })).toBe(1);
  });

  it('has a no-op default that records nothing and returns an end function', () => {
    expect(() => noopMetrics.phaseStarted('deploy')()).not.toThrow();
  });
});
