/**
 * The steady scenario's table and its targets block (docs/benchmark.md, "Targets"):
 * each target is checked on the rows it is about and reported as met or missed.
 */
import type { SteadyResult } from './steady';
import type { LatencySummary } from './scenario';

const seconds = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));
const ratio = (value: number | undefined, floor: number) => (value === undefined ? '–' : (value / floor).toFixed(2));
const pair = (summary: LatencySummary) => `${seconds(summary.p50)} / ${seconds(summary.p95)}`;

export function steadyTable(results: SteadyResult[]): string {
  const header = [
    'strategy',
    'N',
    'K',
    'subs',
    'ARM reads/s (% of refill)',
    'lifecycle reads per run',
    '429s total / after warm-up',
    'exit → detected p50 / p95 (s)',
    '÷ floor p50 / p95',
    'floor (s)',
    'hinted exit → detected p50 / p95 (s) (exits)',
    'log delay p50 / p95 (s)',
    'cancel → deleted p50 / p95 (s)',
    'history events mean / max',
    'peak RSS per worker (MiB)',
    'CPU per worker (% of a core)',
    'exits measured (undetected)',
    'warm-up / window (s)',
  ];
  const rows = results.map((result) => [
    result.strategy,
    String(result.size),
    String(result.workers),
    String(result.subscriptions),
    `${result.armReadsPerSecond.toFixed(1)} (${((100 * result.armReadsPerSecond) / result.refillReadsPerSecond).toFixed(0)} %)`,
    result.lifecycleReadsPerRun.toFixed(1),
    `${result.throttledTotal} / ${result.throttledInWindow}`,
    pair(result.exitToDetectedSeconds),
    `${ratio(result.exitToDetectedSeconds.p50, result.floorSeconds)} / ${ratio(result.exitToDetectedSeconds.p95, result.floorSeconds)}`,
    seconds(result.floorSeconds),
    `${pair(result.hintedExitToDetectedSeconds)} (${result.hintedExitToDetectedSeconds.samples})`,
    pair(result.logDelaySeconds),
    pair(result.cancelToDeletedSeconds),
    `${seconds(result.historyEvents.mean)} / ${result.historyEvents.max ?? '–'}`,
    result.workerStats.map((worker) => worker.peakRssMiB.toFixed(0)).join(' / '),
    result.workerStats.map((worker) => worker.cpuPercentOfCore.toFixed(0)).join(' / '),
    `${result.exitToDetectedSeconds.samples} (${result.undetectedExits})`,
    `${result.warmupSeconds.toFixed(0)}${result.warmupTimedOut ? ' (not all deployed)' : ''} / ${result.windowSeconds.toFixed(0)}`,
  ]);
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}

interface Target {
  name: string;
  /** undefined = the row has no samples for this target. */
  check(result: SteadyResult): boolean | undefined;
  /** The figure the verdict rests on. */
  figure(result: SteadyResult): string;
}

// The targets of docs/benchmark.md ("Targets"), per K = 3, N = 1000, one subscription.
const MAX_READ_SHARE = 0.9;
const MAX_LIFECYCLE_READS_PER_RUN = 4;
const MAX_P50_PER_FLOOR = 0.75;
const MAX_P95_PER_FLOOR = 2.0;
const MAX_LOG_DELAY_P95_SECONDS = 120;
const MAX_RSS_MIB = 300;
const MAX_HISTORY_EVENTS = 40;
const MAX_HINTED_DETECTION_P95_SECONDS = 5;

const TARGETS: Target[] = [
  { name: '0 429s after the warm-up', check: (r) => r.throttledInWindow === 0, figure: (r) => `${r.throttledInWindow}` },
  {
    name: `reads ≤ ${MAX_READ_SHARE * 100} % of the refill`,
    check: (r) => r.armReadsPerSecond <= MAX_READ_SHARE * r.refillReadsPerSecond,
    figure: (r) => `${r.armReadsPerSecond.toFixed(1)} of ${r.refillReadsPerSecond}/s`,
  },
  {
    name: `lifecycle reads ≤ ${MAX_LIFECYCLE_READS_PER_RUN} per run`,
    check: (r) => r.lifecycleReadsPerRun <= MAX_LIFECYCLE_READS_PER_RUN,
    figure: (r) => r.lifecycleReadsPerRun.toFixed(2),
  },
  {
    name: `exit → detected p50 ≤ ${MAX_P50_PER_FLOOR} × floor`,
    check: (r) => (r.exitToDetectedSeconds.p50 === undefined ? undefined : r.exitToDetectedSeconds.p50 <= MAX_P50_PER_FLOOR * r.floorSeconds),
    figure: (r) => `${ratio(r.exitToDetectedSeconds.p50, r.floorSeconds)} × ${seconds(r.floorSeconds)} s`,
  },
  {
    name: `exit → detected p95 ≤ ${MAX_P95_PER_FLOOR.toFixed(1)} × floor`,
    check: (r) => (r.exitToDetectedSeconds.p95 === undefined ? undefined : r.exitToDetectedSeconds.p95 <= MAX_P95_PER_FLOOR * r.floorSeconds),
    figure: (r) => `${ratio(r.exitToDetectedSeconds.p95, r.floorSeconds)} × ${seconds(r.floorSeconds)} s`,
  },
  {
    name: `hinted exits detected p95 ≤ ${MAX_HINTED_DETECTION_P95_SECONDS} s`,
    check: (r) => (r.hintedExitToDetectedSeconds.p95 === undefined ? undefined : r.hintedExitToDetectedSeconds.p95 <= MAX_HINTED_DETECTION_P95_SECONDS),
    figure: (r) => `${seconds(r.hintedExitToDetectedSeconds.p95)} s over ${r.hintedExitToDetectedSeconds.samples} exits`,
  },
  {
    name: `log delay p95 ≤ ${MAX_LOG_DELAY_P95_SECONDS} s`,
    check: (r) => (r.logDelaySeconds.p95 === undefined ? undefined : r.logDelaySeconds.p95 <= MAX_LOG_DELAY_P95_SECONDS),
    figure: (r) => `${seconds(r.logDelaySeconds.p95)} s`,
  },
  {
    name: `peak RSS ≤ ${MAX_RSS_MIB} MiB per worker`,
    check: (r) => r.workerStats.every((worker) => worker.peakRssMiB <= MAX_RSS_MIB),
    figure: (r) => `max ${Math.max(...r.workerStats.map((worker) => worker.peakRssMiB)).toFixed(0)} MiB`,
  },
  {
    name: `history ≤ ${MAX_HISTORY_EVENTS} events per run`,
    check: (r) => (r.historyEvents.max === undefined ? undefined : r.historyEvents.max <= MAX_HISTORY_EVENTS),
    figure: (r) => `max ${r.historyEvents.max ?? '–'}`,
  },
];

/** Two subscriptions, each its own budget: more reads than one subscription's refill, no 429s, within 90 % of both. */
const OWN_BUDGET_TARGET: Target = {
  name: 'each subscription its own budget (0 429s after the warm-up, reads ≤ 90 % of S × refill)',
  check: (r) => r.throttledInWindow === 0 && r.armReadsPerSecond <= MAX_READ_SHARE * r.refillReadsPerSecond,
  figure: (r) => `${r.throttledInWindow} 429s, ${r.armReadsPerSecond.toFixed(1)} of ${r.refillReadsPerSecond}/s`,
};

const rowName = (r: SteadyResult) => `${r.strategy} N=${r.size} K=${r.workers} S=${r.subscriptions}`;
const verdict = (value: boolean | undefined) => (value === undefined ? 'no samples' : value ? 'met' : 'MISSED');

/**
 * Targets are for K = 3, N = 1000, one subscription; the own-budget target for rows with more
 * than one subscription. A smaller invocation (a smoke run) gets the same checks on every row,
 * labelled as such, so the block is never silently empty.
 */
export function steadyTargets(results: SteadyResult[]): string {
  const targetRows = results.filter((r) => r.workers === 3 && r.size === 1000 && r.subscriptions === 1);
  const lines = ['targets (K = 3, N = 1000, one subscription; docs/benchmark.md, "Targets"):'];
  let rows = targetRows;
  if (rows.length === 0) {
    rows = results.filter((r) => r.subscriptions === 1);
    if (rows.length > 0) lines.push('  (no K = 3, N = 1000, S = 1 row in this invocation: the same checks on every one-subscription row, for information)');
  }
  for (const result of rows) {
    for (const target of TARGETS) lines.push(`  ${rowName(result)}: ${target.name}: ${verdict(target.check(result))} (${target.figure(result)})`);
  }
  const multi = results.filter((r) => r.subscriptions > 1);
  if (multi.length === 0) lines.push(`  ${OWN_BUDGET_TARGET.name}: not measured (add --subscriptions 2)`);
  for (const result of multi)
    lines.push(`  ${rowName(result)}: ${OWN_BUDGET_TARGET.name}: ${verdict(OWN_BUDGET_TARGET.check(result))} (${OWN_BUDGET_TARGET.figure(result)})`);
  return lines.join('\n');
}
