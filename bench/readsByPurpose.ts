/**
 * ARM reads by purpose (`aci_flow_arm_requests_total{class="read",purpose=…}`), summed over
 * the workers' metrics endpoints, and what a run costs outside its state polls
 * (docs/benchmark.md, "Reads per run").
 */
import { POLL_PURPOSES } from '../src/common/metrics';

const READ_SAMPLE = /^aci_flow_arm_requests_total\{([^}]*)\}\s+(\S+)/;

/** Reads so far by purpose, over every worker; a worker that does not answer counts as none. */
export async function scrapeReadsByPurpose(metricsPorts: readonly number[]): Promise<Record<string, number>> {
  const reads: Record<string, number> = {};
  for (const port of metricsPorts) {
    let text: string;
    try {
      const response = await fetch(`http://127.0.0.1:${port}/metrics`);
      if (!response.ok) continue;
      text = await response.text();
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const match = READ_SAMPLE.exec(line);
      const [, labels = '', value = '0'] = match ?? [];
      if (!match || !/\bclass="read"/.test(labels)) continue;
      const purpose = /\bpurpose="([^"]*)"/.exec(labels)?.[1] ?? 'other';
      reads[purpose] = (reads[purpose] ?? 0) + Number(value);
    }
  }
  return reads;
}

/** (end − start) ÷ runs, per purpose. */
export function readsPerRun(start: Record<string, number>, end: Record<string, number>, runs: number): Record<string, number> {
  if (runs === 0) return {};
  return Object.fromEntries(Object.keys(end).map((purpose) => [purpose, ((end[purpose] ?? 0) - (start[purpose] ?? 0)) / runs]));
}

/** The reads of a run that are not its state or log polls. */
export function lifecycleReads(perRun: Record<string, number>): number {
  return Object.entries(perRun)
    .filter(([purpose]) => !(POLL_PURPOSES as readonly string[]).includes(purpose))
    .reduce((sum, [, reads]) => sum + reads, 0);
}

/** "groupCheck 1.00, deploy 2.00, … (lifecycle 3.0)" */
export function describeReadsPerRun(perRun: Record<string, number>): string {
  const entries = Object.entries(perRun)
    .filter(([, reads]) => reads > 0)
    .sort(([, a], [, b]) => b - a);
  if (entries.length === 0) return '–';
  return `${entries.map(([purpose, reads]) => `${purpose} ${reads.toFixed(2)}`).join(', ')} (lifecycle ${lifecycleReads(perRun).toFixed(2)})`;
}
