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
const LIMITS = {
  readShare: 0.9,
  lifecycleReadsPerRun: 4,
  p50PerFloor: 0.75,
  p95PerFloor: 2.0,
  hintedP95Seconds: 5,
  logDelayP95Seconds: 120,
  peakRssMiB: 300,
  historyEvents: 40,
} as const;

const TARGETS: Target[] = [
  { name: '0 429s after the warm-up', check: (r) => r.throttledInWindow === 0, figure: (r) => `${r.throttledInWindow}` },
  {
    name: `reads ≤ ${LIMITS.readShare * 100} % of the refill`,
    check: (r) => r.armReadsPerSecond <= LIMITS.readShare * r.refillReadsPerSecond,
    figure: (r) => `${r.armReadsPerSecond.toFixed(1)} of ${r.refillReadsPerSecond}/s`,
  },
  {
    name: `lifecycle reads ≤ ${LIMITS.lifecycleReadsPerRun} per run`,
    check: (r) => r.lifecycleReadsPerRun <= LIMITS.lifecycleReadsPerRun,
    figure: (r) => r.lifecycleReadsPerRun.toFixed(2),
  },
  {
    name: `exit → detected p50 ≤ ${LIMITS.p50PerFloor} × floor`,
    check: (r) => (r.exitToDetectedSeconds.p50 === undefined ? undefined : r.exitToDetectedSeconds.p50 <= LIMITS.p50PerFloor * r.floorSeconds),
    figure: (r) => `${ratio(r.exitToDetectedSeconds.p50, r.floorSeconds)} × ${seconds(r.floorSeconds)} s`,
  },
  {
    name: `exit → detected p95 ≤ ${LIMITS.p95PerFloor.toFixed(1)} × floor`,
    check: (r) => (r.exitToDetectedSeconds.p95 === undefined ? undefined : r.exitToDetectedSeconds.p95 <= LIMITS.p95PerFloor * r.floorSeconds),
    figure: (r) => `${ratio(r.exitToDetectedSeconds.p95, r.floorSeconds)} × ${seconds(r.floorSeconds)} s`,
  },
  {
    name: `hinted exits detected p95 ≤ ${LIMITS.hintedP95Seconds} s`,
    check: (r) => (r.hintedExitToDetectedSeconds.p95 === undefined ? undefined : r.hintedExitToDetectedSeconds.p95 <= LIMITS.hintedP95Seconds),
    figure: (r) => `${seconds(r.hintedExitToDetectedSeconds.p95)} s over ${r.hintedExitToDetectedSeconds.samples} exits`,
  },
  {
    name: `log delay p95 ≤ ${LIMITS.logDelayP95Seconds} s`,
    check: (r) => (r.logDelaySeconds.p95 === undefined ? undefined : r.logDelaySeconds.p95 <= LIMITS.logDelayP95Seconds),
    figure: (r) => `${seconds(r.logDelaySeconds.p95)} s`,
  },
  {
    name: `peak RSS ≤ ${LIMITS.peakRssMiB} MiB per worker`,
    check: (r) => r.workerStats.every((worker) => worker.peakRssMiB <= LIMITS.peakRssMiB),
    figure: (r) => `max ${Math.max(...r.workerStats.map((worker) => worker.peakRssMiB)).toFixed(0)} MiB`,
  },
  {
    name: `history ≤ ${LIMITS.historyEvents} events per run`,
    check: (r) => (r.historyEvents.max === undefined ? undefined : r.historyEvents.max <= LIMITS.historyEvents),
    figure: (r) => `max ${r.historyEvents.max ?? '–'}`,
  },
];

/** Two subscriptions, each its own budget: more reads than one subscription's refill, no 429s, within 90 % of both. */
const OWN_BUDGET_TARGET: Target = {
  name: 'each subscription its own budget (0 429s after the warm-up, reads ≤ 90 % of S × refill)',
  check: (r) => r.throttledInWindow === 0 && r.armReadsPerSecond <= LIMITS.readShare * r.refillReadsPerSecond,
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
