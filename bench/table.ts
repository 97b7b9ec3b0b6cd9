import { POLL_SHARE_OF_READ_LIMIT } from '../src/polling/pollScheduler';
import { DEFAULT_ARM_LIMITS } from '../src/budget/rateLimiter';
import type { ScenarioResult } from './scenario';

/** ARM's read refill rate per subscription (docs/design.md, "ARM budget and polling"). */
export const ARM_READS_PER_SECOND = 25;
/** Reads per poll with stream_output on: the group GET and the logs GET. */
export const READS_PER_POLL = 2;
/** The adaptive scheduler's poll budget with the worker's default limits. */
export const ADAPTIVE_POLL_BUDGET = DEFAULT_ARM_LIMITS.readsPerSecond * POLL_SHARE_OF_READ_LIMIT;

/**
 * Mean exit-detection delay of pure polling: R runs costing `READS_PER_POLL` each, sharing
 * `budget` reads/s, see each run every R·2/budget s, so an exit waits half that on average
 * (never less than half the run's own poll interval).
 */
export function pollingFloorSeconds(runs: number, budget: number, pollIntervalSeconds: number): number {
  return Math.max(pollIntervalSeconds, (runs * READS_PER_POLL) / budget) / 2;
}

const seconds = (value: number | undefined) => (value === undefined ? '–' : value.toFixed(1));

export function markdownTable(results: ScenarioResult[], pollIntervalSeconds: number): string {
  const header = [
    'strategy',
    'N',
    'ARM reads / run-min',
    'ARM reads / run',
    'Temporal Actions / run (heartbeats)',
    'Temporal Actions / run-hour',
    '429s',
    'history events mean / max',
    'exit → detected p50 / p95 (s)',
    'exit → closed p50 / p95 (s)',
    'floor at 25 / 16 reads/s (s)',
    'cancel → deleted p50 / p95 (s)',
    'cancel while deploying → closed p50 / p95 (s)',
    'worker peak RSS (MiB)',
    'worker CPU (s)',
    'completed / failed / cancelled / other',
    'wall (s)',
  ];
  const rows = results.map((result) => {
    const { Completed = 0, Failed = 0, Cancelled = 0, ...rest } = result.outcomes;
    const other = Object.values(rest).reduce((sum, count) => sum + count, 0);
    return [
      result.strategy,
      String(result.runs),
      result.armReadsPerRunMinute.toFixed(1),
      result.armReadsPerRun.toFixed(0),
      `${seconds(result.temporalActions.perRun)} (${seconds(result.temporalActions.heartbeatsPerRun)})`,
      seconds(result.temporalActions.perRunHour),
      String(result.throttled),
      `${seconds(result.historyEvents.mean)} / ${result.historyEvents.max ?? '–'}`,
      `${seconds(result.exitToDetectedSeconds.p50)} / ${seconds(result.exitToDetectedSeconds.p95)}`,
      `${seconds(result.exitToClosedSeconds.p50)} / ${seconds(result.exitToClosedSeconds.p95)}`,
      `${seconds(pollingFloorSeconds(result.runs, ARM_READS_PER_SECOND, pollIntervalSeconds))} / ${seconds(pollingFloorSeconds(result.runs, ADAPTIVE_POLL_BUDGET, pollIntervalSeconds))}`,
      `${seconds(result.cancelToDeletedSeconds.p50)} / ${seconds(result.cancelToDeletedSeconds.p95)}`,
      `${seconds(result.cancelWhileDeployingToClosedSeconds.p50)} / ${seconds(result.cancelWhileDeployingToClosedSeconds.p95)}`,
      result.worker.peakRssMiB.toFixed(0),
      result.worker.cpuSeconds.toFixed(1),
      `${Completed} / ${Failed} / ${Cancelled} / ${other}`,
      result.wallSeconds.toFixed(0),
    ];
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n');
}
