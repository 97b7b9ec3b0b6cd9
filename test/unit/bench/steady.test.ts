import { parseBenchOptions } from '../../../bench/options';
import { type SteadyResult, workerSlotsFor } from '../../../bench/steady';
import { steadyTargets } from '../../../bench/steadyTable';
import { POLL_STRATEGIES } from '../../../src/polling/pollScheduler';

const latency = (p50: number, p95: number) => ({ samples: 100, p50, p95, max: p95 });

function result(overrides: Partial<SteadyResult>): SteadyResult {
  return {
    strategy: 'adaptive',
    size: 1000,
    workers: 3,
    subscriptions: 1,
    warmupSeconds: 150,
    warmupTimedOut: false,
    windowSeconds: 600,
    runsStarted: 1500,
    startFailures: 0,
    armReadsPerSecond: 20,
    refillReadsPerSecond: 25,
    throttledTotal: 3,
    throttledInWindow: 0,
    emulatorCountersInWindow: {},
    readsPerRunByPurpose: {},
    lifecycleReadsPerRun: 0,
    floorSeconds: 40,
    exitToDetectedSeconds: latency(18, 39),
    exitToDetectedByFlow: [],
    undetectedExits: 0,
    hintedExitToDetectedSeconds: latency(1.5, 3),
    logDelaySeconds: latency(20, 60),
    cancelToDeletedSeconds: latency(2, 4),
    historyEvents: { runs: 900, mean: 33, max: 38 },
    workerStats: [{ peakRssMiB: 300, cpuPercentOfCore: 20, exitCode: 0 }],
    terminatedAtEnd: 800,
    ...overrides,
  };
}

describe('bench options', () => {
  it('defaults the steady scenario to N = 1000, K = 1,3, one subscription, 10 minutes, 2 % cancelled, every strategy', () => {
    const options = parseBenchOptions(['--scenario', 'steady']);
    expect(options).toMatchObject({ sizes: [1000], workers: [1, 3], subscriptions: [1], minutes: 10, cancelFraction: 0.02, durationScale: 1 });
    expect(options.strategies).toEqual([...POLL_STRATEGIES]);
    expect(options.hintFraction).toBe(0.2);
    expect(parseBenchOptions(['--scenario', 'steady', '--hint-fraction', '0']).hintFraction).toBe(0);
  });

  it('keeps the burst defaults', () => {
    expect(parseBenchOptions([])).toMatchObject({ scenario: 'burst', sizes: [10, 100], cancelFraction: 0.05 });
  });

  it('names the flag of a bad value', () => {
    expect(() => parseBenchOptions(['--scenario', 'steady', '--workers', '0'])).toThrow(/--workers 1,3/);
    expect(() => parseBenchOptions(['--scenario', 'steady', '--duration-scale', '-1'])).toThrow(/--duration-scale/);
    expect(() => parseBenchOptions(['--scenario', 'steady', '--hint-fraction', '1.5'])).toThrow(/--hint-fraction 0.2/);
  });
});

describe('steady targets', () => {
  it('reports each target of the K = 3, N = 1000, one-subscription row as met or missed', () => {
    const block = steadyTargets([
      result({}),
      result({ workers: 1, exitToDetectedSeconds: latency(30, 90) }),
      result({
        strategy: 'fixed',
        throttledInWindow: 12,
        armReadsPerSecond: 24,
        lifecycleReadsPerRun: 4.5,
        exitToDetectedSeconds: latency(35, 90),
        logDelaySeconds: latency(100, 307),
        workerStats: [{ peakRssMiB: 900, cpuPercentOfCore: 50, exitCode: 0 }],
      }),
    ]);
    expect(block).toContain('adaptive N=1000 K=3 S=1: 0 429s after the warm-up: met');
    expect(block).toContain('adaptive N=1000 K=3 S=1: exit → detected p50 ≤ 0.75 × floor: met');
    expect(block).toContain('adaptive N=1000 K=3 S=1: lifecycle reads ≤ 4 per run: met');
    expect(block).toContain('adaptive N=1000 K=3 S=1: log delay p95 ≤ 120 s: met (60.0 s)');
    expect(block).toContain('fixed N=1000 K=3 S=1: 0 429s after the warm-up: MISSED (12)');
    expect(block).toContain('fixed N=1000 K=3 S=1: reads ≤ 90 % of the refill: MISSED');
    expect(block).toContain('fixed N=1000 K=3 S=1: peak RSS ≤ 300 MiB per worker: MISSED (max 900 MiB)');
    expect(block).toContain('fixed N=1000 K=3 S=1: lifecycle reads ≤ 4 per run: MISSED (4.50)');
    expect(block).toContain('fixed N=1000 K=3 S=1: exit → detected p50 ≤ 0.75 × floor: MISSED (0.88 × 40.0 s)');
    expect(block).toContain('fixed N=1000 K=3 S=1: exit → detected p95 ≤ 2.0 × floor: MISSED (2.25 × 40.0 s)');
    expect(block).toContain('fixed N=1000 K=3 S=1: log delay p95 ≤ 120 s: MISSED (307.0 s)');
    // Only the target rows are judged when there are any.
    expect(block).not.toContain('K=1');
    expect(block).toContain('not measured (add --subscriptions 2)');
  });

  it('judges hinted exits on their own p95, and says when none were hinted', () => {
    expect(steadyTargets([result({})])).toContain('hinted exits detected p95 ≤ 5 s: met (3.0 s over 100 exits)');
    expect(steadyTargets([result({ hintedExitToDetectedSeconds: latency(4, 9) })])).toContain('hinted exits detected p95 ≤ 5 s: MISSED (9.0 s over 100 exits)');
    expect(steadyTargets([result({ hintedExitToDetectedSeconds: { samples: 0 } })])).toContain('hinted exits detected p95 ≤ 5 s: no samples');
  });

  it('judges two-subscription rows on their own budget', () => {
    const block = steadyTargets([result({ subscriptions: 2, refillReadsPerSecond: 50, armReadsPerSecond: 40, floorSeconds: 20 })]);
    expect(block).toMatch(/adaptive N=1000 K=3 S=2: each subscription its own budget .*: met \(0 429s, 40.0 of 50\/s\)/);
  });

  it('says "no samples" rather than met when a row measured no exits', () => {
    const block = steadyTargets([result({ exitToDetectedSeconds: { samples: 0 } })]);
    expect(block).toContain('exit → detected p95 ≤ 2.0 × floor: no samples');
  });
});

describe('steady workers slots', () => {
  it('leave the default up to 2,000 runs and give every worker room for all N above it (10,000 runs on 4 workers)', () => {
    expect(workerSlotsFor(1000)).toBeUndefined();
    expect(workerSlotsFor(2000)).toBeUndefined();
    expect(workerSlotsFor(10_000)).toBe(10_000);
  });
});
