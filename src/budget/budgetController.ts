/**
 * Steers one worker's request rate for one ARM bucket (a subscription's reads, writes or
 * deletes) from the `x-ms-ratelimit-remaining-subscription-*` count ARM returns with every
 * response. Every client of the subscription drains the same bucket and sees the same count,
 * so a fleet of workers that each follow it stays below the refill rate without talking to
 * each other — and makes room for clients it does not know about (CI, the portal).
 *
 * Control law, judged per interval (whole seconds of wall-clock time, so a fleet with synchronised
 * clocks judges the same stretch of the bucket) from the mean remaining count and its slope:
 * - below full and refilling slower than half the pace a fleet at its target leaves
 *   (`(1 - headroom) × refill`), or draining: the subscription's clients consume
 *   `refill - slope` per second, so the worker scales its allowance by
 *   `headroom × refill / consumption` (at most `decrease`; just `decrease` when the slope is
 *   not a whole interval's) and holds for `holdMs`. All workers see the same slope and apply
 *   the same factor, so the fleet lands near the target in one step whatever its size. One
 *   overdraft cuts once: for a few intervals after a decrease only a level near empty and still
 *   falling cuts again;
 * - full (a full bucket only says "below the refill rate"), or refilling fast enough that room
 *   was freed: after the hold, the worker climbs by `increase` × its distance to the cap per
 *   second, if it used its rate (an unused allowance must not grow). The cap is the lower of the
 *   static ceiling and `headroom × refill`. Climbing faster when lower is what pulls shares
 *   together after proportional cuts;
 * - otherwise (refilling at about the target pace) the rate holds.
 * A 429 cuts by `decrease` at once, unless a decrease is still settling (the 429s of the same
 * burst). The rate never falls below `minRate`.
 */

export interface BudgetControllerSettings {
  /** The subscription bucket's refill rate, requests per second (ARM: reads 25, writes and deletes 10). */
  refillPerSecond: number;
  /** Fraction of the refill rate the whole fleet aims for, leaving the rest to other clients. */
  headroom: number;
  /** Largest factor a decrease keeps (a drain or a 429 cuts at least this much). */
  decrease: number;
  /** Increase per second, as a fraction of the distance to the worker's cap (the lower of ceiling and target). */
  increase: number;
  /** How far below capacity (fraction of it, at least 3 tokens) the level still counts as full. */
  fullMargin: number;
  /** How long the rate holds after a decrease before it probes upwards again. */
  holdMs: number;
  /** How often the rate is re-evaluated from the responses of the interval. */
  intervalMs: number;
  /** Lowest rate, requests per second: the worker keeps probing even when others fill the bucket. */
  minRate: number;
}

/** ARM's documented per-subscription refill rates; capacities (250/200/200) are learned from the headers. */
export const ARM_REFILL_PER_SECOND = { read: 25, write: 10, delete: 10 } as const;

export const DEFAULT_CONTROLLER_SETTINGS: Omit<BudgetControllerSettings, 'refillPerSecond'> = {
  headroom: 0.8,
  decrease: 0.8,
  increase: 0.02,
  fullMargin: 0.03,
  holdMs: 30_000,
  intervalMs: 1000,
  minRate: 0.2,
};

/** A level this low ends the interval early: waiting for the full interval would draw 429s. */
const EMERGENCY_LEVEL = 0.15;
/** Own use above this fraction of the rate counts as "using it" (requests were waiting). */
const USED_FRACTION = 0.8;
/** Tokens of jitter a full bucket shows from requests in flight. */
const MIN_FULL_MARGIN = 3;
/** Levels an interval needs before it is judged, and the most intervals it may stretch over to get them. */
const MIN_SAMPLES = 4;
const MAX_INTERVALS = 4;
/** The increase never slows below this fraction of the cap per `increase`, so a worker near its cap still probes. */
const MIN_STEP_FRACTION = 0.25;
/** Intervals after a decrease before another drain counts as new. */
const SETTLE_INTERVALS = 3;
/** Smallest factor one step applies, so one noisy reading cannot collapse the rate. */
const MIN_FACTOR = 0.1;

interface Interval {
  startedAt: number;
  samples: number;
  levelSum: number;
  firstLevel: number;
  firstAt: number;
  lastLevel: number;
  lastAt: number;
  granted: number;
}

export class BudgetController {
  private steered: number;
  private capacity = 0;
  private previousMeanLevel: number | undefined;
  /** Until then the rate holds at what the last decrease settled on (this worker's share of the target). */
  private holdUntil = 0;
  private decreasedAt = -Infinity;
  private interval: Interval;

  constructor(
    private readonly ceiling: number,
    private readonly settings: BudgetControllerSettings,
    now: number,
  ) {
    for (const [name, value] of Object.entries(settings)) {
      if (!(Number.isFinite(value) && value > 0)) {
        throw new RangeError(`ARM budget controller setting '${name}' must be a positive number, got ${String(value)}.`);
      }
    }
    for (const name of ['headroom', 'decrease', 'fullMargin'] as const) {
      if (!(settings[name] < 1)) throw new RangeError(`ARM budget controller setting '${name}' must be a fraction below 1, got ${settings[name]}.`);
    }
    this.steered = ceiling;
    this.interval = emptyInterval(Math.floor(now / settings.intervalMs) * settings.intervalMs);
  }

  /** Requests per second this worker may send now. */
  get rate(): number {
    return this.steered;
  }

  /** One request of this bucket was let through. */
  granted(): void {
    this.interval.granted += 1;
  }

  /** A response carried the bucket's remaining count; returns true when the rate changed. */
  observe(remaining: number, now: number): boolean {
    const before = this.steered;
    // Until a header arrives the bucket is invisible and the ceiling rules alone (an endpoint
    // without throttling headers behaves as before); once it is visible, the target caps it.
    const firstSight = this.capacity === 0;
    this.capacity = Math.max(this.capacity, remaining + 1);
    if (firstSight) this.steered = Math.min(this.steered, this.settings.headroom * this.settings.refillPerSecond);
    const intervalMs = this.settings.intervalMs;
    // Intervals end on multiples of intervalMs of wall-clock time, so workers with synchronised
    // clocks judge the same stretch of the shared bucket and decrease together: AIMD is fair
    // only when everyone cuts on the same drain.
    const boundary = Math.floor(now / intervalMs) * intervalMs;
    // A slow worker sees few levels per interval, each off by the requests in flight: it stretches
    // its interval until the mean rests on enough of them, or it would cut on noise, sink, and
    // see even fewer.
    const span = boundary - this.interval.startedAt;
    const enough = this.interval.samples >= MIN_SAMPLES || span >= MAX_INTERVALS * intervalMs;
    if (this.interval.samples > 0 && span >= intervalMs / 2 && enough) this.evaluate(boundary);
    const interval = this.interval;
    if (interval.samples === 0) {
      interval.firstLevel = remaining;
      interval.firstAt = now;
    }
    interval.samples += 1;
    interval.levelSum += remaining;
    interval.lastLevel = remaining;
    interval.lastAt = now;
    const emergency = remaining < EMERGENCY_LEVEL * this.capacity && now - interval.startedAt >= intervalMs / 4;
    if (emergency) this.evaluate(now);
    return this.steered !== before;
  }

  /**
   * ARM answered 429: cut at once, and start measuring afresh after the pause. The 429s of
   * requests sent before a decrease are that old rate's: they extend the hold but do not cut
   * again, or one overdraft would compound into a collapse (several callers each drawing a 429).
   */
  throttled(now: number): boolean {
    const before = this.steered;
    if (!this.settling(now)) {
      this.steered = Math.max(this.settings.minRate, this.steered * this.settings.decrease);
      this.decreasedAt = now;
    }
    this.holdUntil = Math.max(this.holdUntil, now + this.settings.holdMs);
    this.previousMeanLevel = undefined;
    this.interval = emptyInterval(now);
    return this.steered !== before;
  }

  /** A decrease shows in the level only intervals later (requests already queued or in flight). */
  private settling(now: number): boolean {
    return now < this.decreasedAt + SETTLE_INTERVALS * this.settings.intervalMs;
  }

  private evaluate(now: number): void {
    const { refillPerSecond: refill, headroom, decrease, increase, fullMargin, minRate, holdMs } = this.settings;
    const interval = this.interval;
    const seconds = (now - interval.startedAt) / 1000;
    const meanLevel = interval.levelSum / interval.samples;
    const firstInterval = this.previousMeanLevel === undefined;
    const slope = !firstInterval
      ? (meanLevel - (this.previousMeanLevel ?? meanLevel)) / seconds
      : interval.lastAt > interval.firstAt
        ? ((interval.lastLevel - interval.firstLevel) * 1000) / (interval.lastAt - interval.firstAt)
        : 0;
    const used = interval.granted / seconds;
    this.previousMeanLevel = meanLevel;
    this.interval = emptyInterval(now);
    // Within the first interval the level mostly shows the start-up burst; act on it only when it runs out.
    if (firstInterval && interval.lastLevel >= EMERGENCY_LEVEL * this.capacity) return;

    // A full bucket sits one token under capacity, less the requests in flight at that instant.
    const full = meanLevel >= this.capacity - Math.max(MIN_FULL_MARGIN, fullMargin * this.capacity);
    const target = headroom * refill;
    // Below full, a fleet within its target refills the bucket at (1 - headroom) × refill per second.
    const refillPace = (1 - headroom) * refill;
    const draining = !full && slope < refillPace / 2;
    // A decrease shows in the level only intervals later (requests already queued, mean-based
    // slope): until then a further drain is the old rate's, unless the bucket is about to run out
    // and still falling. A low level that holds or rises is the bucket refilling after the
    // decrease: cutting again on it, interval after interval, collapsed the fleet.
    const settling = this.settling(now);
    const emergency = meanLevel < EMERGENCY_LEVEL * this.capacity && slope < 0;
    if (draining && (!settling || emergency)) {
      this.decreasedAt = now;
      // The proportional cut (everyone by the same factor, the fleet lands on the target in one
      // step) trusts the slope as a sustained consumption. It is not one when it comes from the
      // first interval (the start-up burst spending the bucket's stored capacity), from fewer
      // levels than an interval needs, or from a first drain caught early by the emergency
      // (a small bucket emptied within a fraction of a second): then the slope only says "too
      // fast", so the cut is `decrease`. Emergencies while settling stay proportional, so a
      // fleet that cut together on a deep drain finishes the cut together.
      const measured = !firstInterval && interval.samples >= MIN_SAMPLES && (settling || seconds * 1000 >= this.settings.intervalMs);
      const fleetConsumption = Math.max(refill - slope, Number.EPSILON);
      const factor = measured ? Math.min(decrease, Math.max(MIN_FACTOR, target / fleetConsumption)) : decrease;
      // Cut from the allowance, not from what got through in the interval: requests in flight,
      // waiting out a Retry-After in the SDK's retry policy or queued behind a pause are demand
      // the interval did not see, and a cut from that depressed count sank a worker to minRate.
      this.steered = Math.max(minRate, this.steered * factor);
      this.holdUntil = now + holdMs;
      return;
    }
    // Refilling well above the pace a fleet at its target leaves: capacity was freed (another client stopped).
    const freed = !full && slope > 1.5 * refillPace;
    if (freed) this.holdUntil = now;
    const usingIt = used >= USED_FRACTION * this.steered;
    // A full bucket says only "below the refill rate"; after a decrease the fleet sits at its
    // target, so the rate holds there a while before probing for room others may have freed.
    if (draining || !(full || freed) || !usingIt || now < this.holdUntil) return;
    const cap = Math.min(this.ceiling, target);
    // The further below its cap, the faster a worker climbs: proportional decreases keep the
    // ratios between workers, so this is what pulls their shares together after every cut.
    const step = increase * Math.max(cap - this.steered, MIN_STEP_FRACTION * cap) * seconds;
    this.steered = Math.min(cap, this.steered + step);
  }
}

function emptyInterval(now: number): Interval {
  return { startedAt: now, samples: 0, levelSum: 0, firstLevel: 0, firstAt: now, lastLevel: 0, lastAt: now, granted: 0 };
}
