import { DurationStats, MIN_SAMPLES } from '../../../src/polling/durationStats';

const SECOND = 1_000;

/** A flow whose runs crash after 10 s one time in five and otherwise live 600 s. */
function crashProne(stats = new DurationStats(), flowName = 'etl'): DurationStats {
  for (let index = 0; index < 100; index += 1) stats.record(flowName, index % 5 === 0 ? 10 * SECOND : 600 * SECOND);
  return stats;
}

describe('DurationStats', () => {
  it('has no model until MIN_SAMPLES exits are seen, then lends the pooled durations to flows without their own', () => {
    const stats = new DurationStats();
    for (let index = 0; index < MIN_SAMPLES - 1; index += 1) stats.record('etl', 60 * SECOND);
    expect(stats.model('etl')).toBeUndefined();
    expect(stats.model(undefined)).toBeUndefined();
    stats.record('etl', 60 * SECOND);
    expect(stats.samples('etl')).toBe(MIN_SAMPLES);
    const pooled = stats.model('never-seen');
    expect(pooled).toBeDefined();
    expect(pooled?.exitProbability(50 * SECOND, 70 * SECOND)).toBeGreaterThan(0.9);
  });

  it('puts the odds of an exit at the young ages where runs crash and near the usual duration, not in mid-life', () => {
    const model = crashProne().model('etl');
    if (!model) throw new Error('expected a model after 100 samples');
    const young = model.exitProbability(5 * SECOND, 15 * SECOND);
    const midLife = model.exitProbability(300 * SECOND, 310 * SECOND);
    // Bins are 20 % wide: 600 s is learned as "between 594 and 713 s".
    const nearUsual = model.exitProbability(595 * SECOND, 610 * SECOND);
    expect(young).toBeGreaterThan(0.1);
    expect(nearUsual).toBeGreaterThan(0.05);
    expect(midLife).toBeLessThan(young / 20);
    expect(midLife).toBeLessThan(nearUsual / 20);
    // Never zero: a run killed at an odd age, or one outliving every run seen, is still found.
    expect(midLife).toBeGreaterThan(0);
    expect(model.exitProbability(5_000 * SECOND, 5_010 * SECOND)).toBeGreaterThan(0);
    expect(model.exitProbability(1e12, 1e12 + 60 * SECOND)).toBeGreaterThan(0);
    expect(model.exitProbability(20 * SECOND, 20 * SECOND)).toBe(0);
  });

  it('keeps each flow apart and relearns a flow whose runs change', () => {
    const stats = crashProne();
    for (let index = 0; index < 100; index += 1) stats.record('report', 30 * SECOND);
    expect(stats.model('report')?.exitProbability(25 * SECOND, 40 * SECOND)).toBeGreaterThan(0.9);
    expect(stats.model('etl')?.exitProbability(25 * SECOND, 40 * SECOND)).toBeLessThan(0.05);
    // Old samples fade: after enough 30 s runs, etl's old 600 s life no longer dominates.
    for (let index = 0; index < 2_000; index += 1) stats.record('etl', 30 * SECOND);
    expect(stats.model('etl')?.exitProbability(25 * SECOND, 40 * SECOND)).toBeGreaterThan(0.9);
  });

  it('forgets the least recently finished flows beyond its bound', () => {
    const stats = new DurationStats();
    for (let flow = 0; flow <= 1_000; flow += 1) stats.record(`flow-${flow}`, 60 * SECOND);
    expect(stats.samples('flow-0')).toBe(0);
    expect(stats.samples('flow-1')).toBe(1);
    expect(stats.samples('flow-1000')).toBe(1);
  });

  it('ignores durations that cannot be (a container start after its finish, a missing time)', () => {
    const stats = new DurationStats();
    stats.record('etl', -5);
    stats.record('etl', Number.NaN);
    expect(stats.samples('etl')).toBe(0);
  });
});
