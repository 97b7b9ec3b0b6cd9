/**
 * How long the runs of each flow live, learned by the worker from the exits it has seen, so the
 * `priority` poll strategy can spend reads where exits are likely. Memory is bounded: one
 * histogram of ~80 log-spaced bins per flow (at most MAX_FLOWS flows, the least recently
 * finished forgotten first) plus one pooled over all flows. Old samples fade: when a histogram
 * holds MAX_WEIGHT samples every count is halved, so a flow that changes is relearned. Nothing is
 * persisted; a new worker starts from the uniform prior, i.e. today's fair polling.
 */

/** Below this many samples a flow borrows the pooled histogram, and the pool falls back to the prior. */
export const MIN_SAMPLES = 5;
const MAX_WEIGHT = 512;
const MAX_FLOWS = 1_000;

/** Bin k (k ≥ 1) holds durations in [FIRST_EDGE·GROWTH^(k−1), FIRST_EDGE·GROWTH^k); bin 0 holds [0, FIRST_EDGE). */
const FIRST_EDGE_MS = 1_000;
const GROWTH = 1.2;
/** 1.2^82 s ≈ 35 days: longer runs share the last bin. */
const BINS = 83;
const EDGES_MS = Array.from({ length: BINS }, (_, index) => (index === 0 ? 0 : FIRST_EDGE_MS * GROWTH ** (index - 1)));

/**
 * A learned distribution is mixed with this share of an exponential of the same median, so no
 * age has zero exit probability: a run that dies at an unusual age (killed, evicted) is still
 * polled, just less often, and a run past every duration seen keeps a steady hazard.
 */
const BACKGROUND_SHARE = 0.05;

/** What the scheduler asks of a run's flow: the chance it exits in (fromAge, toAge] given it was alive at fromAge. */
export interface ExitModel {
  exitProbability(fromAgeMs: number, toAgeMs: number): number;
}

// Every array below has BINS entries and every index is in [0, BINS) (binOf clamps), hence the `!`s.
class Histogram {
  private readonly counts: number[] = new Array<number>(BINS).fill(0);
  private weight = 0;
  /** counts above each bin's lower edge, rebuilt lazily after a record. */
  private above: number[] | undefined;
  private medianMs = 0;

  record(durationMs: number): void {
    if (this.weight + 1 > MAX_WEIGHT) {
      for (let index = 0; index < BINS; index += 1) this.counts[index]! /= 2;
      this.weight /= 2;
    }
    this.counts[binOf(durationMs)]! += 1;
    this.weight += 1;
    this.above = undefined;
  }

  samples(): number {
    return this.weight;
  }

  /** Share of the runs still alive at `ageMs` (linear within a bin), mixed with the background exponential. */
  survival(ageMs: number): number {
    const above = this.cumulative();
    const bin = binOf(ageMs);
    const low = EDGES_MS[bin]!;
    const high = bin + 1 < BINS ? EDGES_MS[bin + 1]! : Infinity;
    const within = Number.isFinite(high) ? Math.min(1, (ageMs - low) / (high - low)) : 0;
    const learned = (above[bin]! - this.counts[bin]! * within) / this.weight;
    return (1 - BACKGROUND_SHARE) * Math.max(0, learned) + BACKGROUND_SHARE * Math.exp(-ageMs / this.medianMs);
  }

  background(ageMs: number): number {
    this.cumulative();
    return Math.exp(-ageMs / this.medianMs);
  }

  private cumulative(): number[] {
    if (this.above) return this.above;
    const above: number[] = new Array<number>(BINS).fill(0);
    let sum = 0;
    for (let index = BINS - 1; index >= 0; index -= 1) {
      sum += this.counts[index]!;
      above[index] = sum;
    }
    let bin = 0;
    while (bin + 1 < BINS && above[bin + 1]! >= this.weight / 2) bin += 1;
    const high = bin + 1 < BINS ? EDGES_MS[bin + 1]! : EDGES_MS[bin]! * GROWTH;
    this.medianMs = Math.max(FIRST_EDGE_MS, (EDGES_MS[bin]! + high) / 2);
    this.above = above;
    return above;
  }
}

function binOf(durationMs: number): number {
  if (!(durationMs >= FIRST_EDGE_MS)) return 0;
  return Math.min(BINS - 1, 1 + Math.floor(Math.log(durationMs / FIRST_EDGE_MS) / Math.log(GROWTH)));
}

class HistogramModel implements ExitModel {
  constructor(private readonly histogram: Histogram) {}

  exitProbability(fromAgeMs: number, toAgeMs: number): number {
    if (toAgeMs <= fromAgeMs) return 0;
    const from = Math.max(0, fromAgeMs);
    const alive = this.histogram.survival(from);
    // Far past every duration seen even the background underflows: it is memoryless, so use its ratio.
    if (!(alive > 1e-300)) return 1 - this.histogram.background(toAgeMs - from);
    return Math.min(1, Math.max(0, (alive - this.histogram.survival(toAgeMs)) / alive));
  }
}

export class DurationStats {
  private readonly flows = new Map<string, Histogram>();
  private readonly pooled = new Histogram();

  /** A run of `flowName` exited `durationMs` after it started. */
  record(flowName: string, durationMs: number): void {
    if (!(Number.isFinite(durationMs) && durationMs >= 0)) return;
    let histogram = this.flows.get(flowName);
    if (histogram) this.flows.delete(flowName);
    else histogram = new Histogram();
    // Re-inserted last: the map's order is recency, the first entry is evicted.
    this.flows.set(flowName, histogram);
    if (this.flows.size > MAX_FLOWS) {
      const oldest = this.flows.keys().next().value;
      if (oldest !== undefined) this.flows.delete(oldest);
    }
    histogram.record(durationMs);
    this.pooled.record(durationMs);
  }

  samples(flowName?: string): number {
    return flowName === undefined ? this.pooled.samples() : (this.flows.get(flowName)?.samples() ?? 0);
  }

  /**
   * The flow's own durations once it has MIN_SAMPLES, else those of all flows, else undefined:
   * nothing learned yet, and the scheduler falls back to fair (uniform) polling.
   */
  model(flowName: string | undefined): ExitModel | undefined {
    const own = flowName === undefined ? undefined : this.flows.get(flowName);
    if (own && own.samples() >= MIN_SAMPLES) return new HistogramModel(own);
    return this.pooled.samples() >= MIN_SAMPLES ? new HistogramModel(this.pooled) : undefined;
  }
}
