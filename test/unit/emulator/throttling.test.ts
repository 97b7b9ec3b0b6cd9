/**
 * The emulator throttles like ARM: one token bucket per subscription and request class, so a
 * fleet spread over several subscriptions gets each subscription's refill (the benchmark's
 * multi-subscription rows rely on it).
 */
import { Throttler } from '../../../src/emulator/throttling';

describe('emulator throttling', () => {
  const buckets = { reads: { capacity: 2, refillPerSecond: 1 } };

  it('keeps one bucket per subscription: draining one leaves the others whole', () => {
    let now = 0;
    const throttler = new Throttler(() => now);
    expect(throttler.take(buckets, 'sub-a', 'reads')).toEqual({ allowed: true, remaining: 1 });
    expect(throttler.take(buckets, 'sub-a', 'reads')).toEqual({ allowed: true, remaining: 0 });
    expect(throttler.take(buckets, 'sub-a', 'reads')).toEqual({ allowed: false, remaining: 0, retryAfterSeconds: 1 });
    // Another subscription, the same class: its own full bucket.
    expect(throttler.take(buckets, 'sub-b', 'reads')).toEqual({ allowed: true, remaining: 1 });
    // Subscription ids are case-insensitive, as in ARM: SUB-A is the drained bucket.
    expect(throttler.take(buckets, 'SUB-A', 'reads')).toMatchObject({ allowed: false });
    now += 1_000;
    expect(throttler.take(buckets, 'sub-a', 'reads')).toEqual({ allowed: true, remaining: 0 });
  });

  it('keeps one bucket per request class within a subscription', () => {
    const throttler = new Throttler(() => 0);
    throttler.take(buckets, 'sub-a', 'reads');
    throttler.take(buckets, 'sub-a', 'reads');
    expect(throttler.take(buckets, 'sub-a', 'reads')).toMatchObject({ allowed: false });
    // Writes use ARM's default bucket (200), untouched by the reads.
    expect(throttler.take(buckets, 'sub-a', 'writes')).toEqual({ allowed: true, remaining: 199 });
  });
});
