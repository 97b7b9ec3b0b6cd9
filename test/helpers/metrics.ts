import { Registry } from 'prom-client';

/** The sum of a counter's or gauge's series in `registry` that carry every label given. */
export async function seriesValue(registry: Registry, name: string, labels: Record<string, string> = {}): Promise<number> {
  const metric = registry.getSingleMetric(name);
  if (!metric) throw new Error(`metric ${name} is not registered`);
  const { values } = await metric.get();
  const matching = values.filter((value) =>
    Object.entries(labels).every(([key, expected]) => (value.labels as Record<string, unknown>)[key] === expected),
  );
  return matching.reduce((sum, value) => sum + value.value, 0);
}
