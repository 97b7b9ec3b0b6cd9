/** deploy/grafana/aci-flow-dashboard.json plots only metrics that exist (test/e2e/metrics.test.ts checks the SDK's in a real scrape). */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Registry } from 'prom-client';
import { createPromMetrics } from '../../../src/common/metrics';

interface Panel {
  title?: string;
  type?: string;
  gridPos?: { x: number; y: number; w: number; h: number };
  targets?: Array<{ expr?: string; refId?: string }>;
}

const dashboardPath = join(__dirname, '..', '..', '..', 'deploy', 'grafana', 'aci-flow-dashboard.json');
const dashboard = JSON.parse(readFileSync(dashboardPath, 'utf8')) as { title: string; uid: string; panels: Panel[] };

/** Histogram queries name a series (`_bucket`), the registry knows the histogram. */
const metricOf = (series: string) => series.replace(/_(bucket|sum|count)$/, '');

describe('Grafana dashboard', () => {
  it('is a dashboard with titled panels, each with at least one query', () => {
    expect(dashboard).toMatchObject({ title: expect.any(String), uid: 'aci-flow-workers' });
    expect(dashboard.panels.length).toBeGreaterThanOrEqual(4);
    for (const panel of dashboard.panels) {
      expect(panel).toMatchObject({ title: expect.any(String), type: 'timeseries', gridPos: expect.any(Object) });
      expect(panel.targets?.length).toBeGreaterThan(0);
      for (const target of panel.targets ?? []) expect(target.expr).toMatch(/\b(aci_flow|temporal)_/);
    }
  });

  it("queries only aci-flow metrics the worker's registry defines, and shows every one of them", async () => {
    const registry = new Registry();
    createPromMetrics(registry);
    const defined = new Set((await registry.getMetricsAsJSON()).map((metric) => metric.name));
    const queried = new Set(
      dashboard.panels
        .flatMap((panel) => panel.targets ?? [])
        .flatMap((target) => (target.expr ?? '').match(/\baci_flow_[a-z0-9_]+/g) ?? [])
        .map(metricOf),
    );
    expect([...queried].filter((name) => !defined.has(name))).toEqual([]);
    expect([...defined].filter((name) => !queried.has(name))).toEqual([]);
  });
});
