import { Registry } from 'prom-client';
import { nth } from './must';

/** The sum of a counter's or gauge's series in `registry` that carry every label given. */
export async function seriesValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const matching = values.filter((value) => Object.entries(labels).every(([key, expected]) => (value.labels as Record<string, unknown>)[key] === expected));
  return matching.reduce((sum, value) => sum + value.value, 0);
}

/** One sample of a Prometheus text exposition. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the samples of a Prometheus text exposition (comments skipped); enough for aci-flow's and the SDK's output. */
export function parsePrometheusText(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim() || line.startsWith('#')) continue;
    const match = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})?\s+(\S+)/.exec(line);
    if (!match) throw new Error(`not a Prometheus sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const pair of (match[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g)) labels[nth(pair, 1)] = nth(pair, 2);
    samples.push({ name: nth(match, 1), labels, value: Number(nth(match, 3)) });
  }
  return samples;
}

/** The sum of the samples named `name` that carry every label given. */
export function sampleSum(samples: readonly Sample[], name: string, labels: Record<string, string> = {}): number {
  return samples
    .filter((sample) => sample.name === name && Object.entries(labels).every(([key, value]) => sample.labels[key] === value))
    .reduce((sum, sample) => sum + sample.value, 0);
}

/** The samples the metrics endpoint at host:port serves, or undefined while it does not answer (not listening yet). */
export async function scrapeMetrics(address: string): Promise<Sample[] | undefined> {
  try {
    const response = await fetch(`http://${address}/metrics`);
    return response.ok ? parsePrometheusText(await response.text()) : undefined;
  } catch {
    return undefined;
  }
}
