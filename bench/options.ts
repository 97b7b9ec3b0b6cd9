/**
 * Command-line options of `npm run bench`, validated with zod so a typo names the flag and
 * the expected shape instead of running a half-configured benchmark for twenty minutes.
 */
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { POLL_STRATEGIES, pollStrategySchema } from '../src/polling/pollScheduler';

const commaSeparated = z.string().transform((text) =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter(Boolean),
);
const sizeList = commaSeparated.pipe(z.array(z.coerce.number<string>().int().positive()).min(1, 'give at least one size'));
const strategyList = commaSeparated.pipe(z.array(pollStrategySchema).min(1, 'give at least one strategy'));

const durationRange = z
  .string()
  .regex(/^\d+(-\d+)?$/, 'use MS or MIN-MAX in milliseconds, e.g. 20000-60000')
  .transform((text) => {
    const [min = 0, max = min] = text.split('-').map(Number); // the regex guarantees at least one number
    return { minMs: min, maxMs: max };
  })
  .refine((range) => range.minMs <= range.maxMs && range.minMs > 0, 'MIN must be positive and not above MAX');

const countList = commaSeparated.pipe(z.array(z.coerce.number<string>().int().positive()).min(1, 'give at least one number'));

export const BENCH_SCENARIOS = ['burst', 'steady', 'cli'] as const;
export type BenchScenario = (typeof BENCH_SCENARIOS)[number];

/** Defaults that differ by scenario: burst ramps small fleets, steady holds a large one. */
const SCENARIO_DEFAULTS = {
  burst: { sizes: [10, 100], cancelFraction: 0.05 },
  steady: { sizes: [1000], cancelFraction: 0.02 },
  cli: { sizes: [10, 100], cancelFraction: 0.05 },
} as const;

export const benchOptionsSchema = z.object({
  /**
   * burst: N runs started at once (plus the CLI start-up table); steady: N runs kept in flight
   * for `minutes` after a warm-up (docs/benchmark.md); cli: the CLI start-up table only.
   */
  scenario: z.enum(BENCH_SCENARIOS, { error: `must be one of ${BENCH_SCENARIOS.join(', ')}` }).default('burst'),
  sizes: sizeList.optional(),
  strategies: strategyList.default([...POLL_STRATEGIES]),
  durationMs: durationRange.default({ minMs: 20_000, maxMs: 60_000 }),
  cancelFraction: z.coerce.number().min(0).max(1).optional(),
  /** steady: length of the measurement window after the warm-up. */
  minutes: z.coerce.number().positive().default(10),
  /** steady: worker processes on the pool, one row per count. */
  workers: countList.default([1, 3]),
  /** steady: subscriptions the runs are spread over (round robin), one row per count. */
  subscriptions: countList.default([1]),
  /** steady: multiplies the flows' typical durations (2, 5, 10, 20 min), e.g. 0.05 for a smoke run. */
  durationScale: z.coerce.number().positive().max(10).default(1),
  /** steady: write a V8 heap snapshot of every worker at the end of the window (bench/heapSummary.ts reads it). */
  heapSnapshot: z.boolean().default(false),
  /**
   * steady: the share of runs (not cancelled ones) whose container "tells" aci-flow it exited:
   * the benchmark sends the `exited` hint when the emulator shows the exit. Their detection is
   * reported apart; the other runs' exit → detected stays pure polling.
   */
  hintFraction: z.coerce.number().min(0).max(1).default(0.2),
  /** task_watch_poll_interval of every run (Prefect's default 5 s). */
  pollIntervalSeconds: z.coerce.number().positive().default(5),
  logLinesPerSecond: z.coerce.number().nonnegative().default(1),
  /** Give up on a scenario after this long (its unfinished runs are reported). */
  scenarioTimeoutMs: z.coerce
    .number()
    .int()
    .positive()
    .default(30 * 60_000),
  resultsDir: z.string().default('bench/results'),
});
type ParsedOptions = z.output<typeof benchOptionsSchema>;
export type BenchOptions = Omit<ParsedOptions, 'sizes' | 'cancelFraction'> & { sizes: number[]; cancelFraction: number };

const FLAGS = {
  scenario: `--scenario ${BENCH_SCENARIOS.join('|')}`,
  sizes: '--sizes 10,100,1000',
  strategies: `--strategies ${POLL_STRATEGIES.join(',')}`,
  durationMs: '--duration-ms 20000-60000',
  cancelFraction: '--cancel-fraction 0.05',
  minutes: '--minutes 10',
  workers: '--workers 1,3',
  subscriptions: '--subscriptions 1,2',
  durationScale: '--duration-scale 0.05',
  heapSnapshot: '--heap-snapshot',
  hintFraction: '--hint-fraction 0.2',
  pollIntervalSeconds: '--poll-interval-seconds 5',
  logLinesPerSecond: '--log-lines-per-second 1',
  scenarioTimeoutMs: '--scenario-timeout-ms 1800000',
  resultsDir: '--results-dir bench/results',
} as const;

export const USAGE = `npm run bench -- [${Object.values(FLAGS).join('] [')}]`;

export function parseBenchOptions(argv: string[]): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      scenario: { type: 'string' },
      sizes: { type: 'string' },
      strategies: { type: 'string' },
      'duration-ms': { type: 'string' },
      'cancel-fraction': { type: 'string' },
      minutes: { type: 'string' },
      workers: { type: 'string' },
      subscriptions: { type: 'string' },
      'duration-scale': { type: 'string' },
      'heap-snapshot': { type: 'boolean' },
      'hint-fraction': { type: 'string' },
      'poll-interval-seconds': { type: 'string' },
      'log-lines-per-second': { type: 'string' },
      'scenario-timeout-ms': { type: 'string' },
      'results-dir': { type: 'string' },
    },
    strict: true,
  });
  const parsed = benchOptionsSchema.safeParse({
    scenario: values.scenario,
    sizes: values.sizes,
    strategies: values.strategies,
    durationMs: values['duration-ms'],
    cancelFraction: values['cancel-fraction'],
    minutes: values.minutes,
    workers: values.workers,
    subscriptions: values.subscriptions,
    durationScale: values['duration-scale'],
    heapSnapshot: values['heap-snapshot'],
    hintFraction: values['hint-fraction'],
    pollIntervalSeconds: values['poll-interval-seconds'],
    logLinesPerSecond: values['log-lines-per-second'],
    scenarioTimeoutMs: values['scenario-timeout-ms'],
    resultsDir: values['results-dir'],
  });
  if (parsed.success) {
    const defaults = SCENARIO_DEFAULTS[parsed.data.scenario];
    return { ...parsed.data, sizes: parsed.data.sizes ?? [...defaults.sizes], cancelFraction: parsed.data.cancelFraction ?? defaults.cancelFraction };
  }
  const problems = parsed.error.issues.map((issue) => {
    const field = String(issue.path[0]) as keyof typeof FLAGS;
    return `${FLAGS[field] ?? field}: ${issue.message}`;
  });
  throw new Error(`invalid benchmark options — ${problems.join('; ')}. Usage: ${USAGE}`);
}
