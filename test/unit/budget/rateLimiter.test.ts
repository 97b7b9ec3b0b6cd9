import { getEventListeners } from 'node:events';
import {
  ARM_PRIORITY,
  ArmRateLimiter,
  armRequestKind,
  armSubscriptionOf,
  DEFAULT_ARM_LIMITS,
  TokenBucket,
  type ArmRequestKind,
} from '../../../src/budget/rateLimiter';
import { FakeClock, flushPromises } from '../../helpers/fakeClock';

/** Starts `count` acquisitions and records which have been granted so far. */
function startAcquiring(limiter: ArmRateLimiter, kind: ArmRequestKind, count: number, signal?: AbortSignal) {
  const granted: number[] = [];
  const rejected: unknown[] = [];
  for (let i = 0; i < count; i += 1) {
    limiter.acquire(kind, signal).then(
      () => granted.push(i),
      (err: unknown) => rejected.push(err),
    );
  }
  return { granted, rejected };
}

describe('ArmRateLimiter', () => {
  it('defaults below the ARM refill rates (reads 25/s, writes and deletes 10/s)', () => {
    expect(DEFAULT_ARM_LIMITS.readsPerSecond).toBeLessThan(25);
    expect(DEFAULT_ARM_LIMITS.writesPerSecond).toBeLessThan(10);
    expect(DEFAULT_ARM_LIMITS.deletesPerSecond).toBeLessThan(10);
  });

  it('lets a burst through at once, then spaces requests at the configured rate', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 10, burst: 3 }, clock });

    const { granted } = startAcquiring(limiter, 'read', 6);
    await flushPromises();
    expect(granted).toEqual([0, 1, 2]);

    await clock.advance(99);
    expect(granted).toHaveLength(3);
    await clock.advance(1);
    expect(granted).toEqual([0, 1, 2, 3]);
    await clock.advance(100);
    expect(granted).toEqual([0, 1, 2, 3, 4]);
    await clock.advance(100);
    expect(granted).toEqual([0, 1, 2, 3, 4, 5]);
    expect(limiter.usageSnapshot().waitedMs.read).toBe(100 + 200 + 300);
  });

  it('keeps separate budgets for reads, writes and deletes', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { burst: 1 }, clock });

    const reads = startAcquiring(limiter, 'read', 2);
    const writes = startAcquiring(limiter, 'write', 1);
    const deletes = startAcquiring(limiter, 'delete', 1);
    await flushPromises();

    expect(reads.granted).toEqual([0]);
    expect(writes.granted).toEqual([0]);
    expect(deletes.granted).toEqual([0]);
  });

  it("pauses a bucket for a 429's Retry-After, spends its burst and slows it by the controller's decrease", async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 10, burst: 5 }, clock });

    limiter.throttled('read', 2000);
    const { granted } = startAcquiring(limiter, 'read', 2);
    const writes = startAcquiring(limiter, 'write', 1);
    await flushPromises();
    expect(granted).toEqual([]);
    expect(writes.granted).toEqual([0]);

    // 10/s cut by 0.8 to 8/s: one request every 125 ms after the pause.
    await clock.advance(2000);
    expect(granted).toEqual([]);
    await clock.advance(125);
    expect(granted).toEqual([0]);
    await clock.advance(124);
    expect(granted).toEqual([0]);
    await clock.advance(1);
    expect(granted).toEqual([0, 1]);
    expect(limiter.currentRate('read')).toBe(8);
    expect(limiter.usageSnapshot().throttled).toEqual({ read: 1, write: 0, delete: 0 });
  });

  it('never shortens an earlier, longer pause', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 1000, burst: 1 }, clock });

    limiter.throttled('read', 5000);
    limiter.throttled('read', 1000);
    const { granted } = startAcquiring(limiter, 'read', 1);
    await clock.advance(4000);
    expect(granted).toEqual([]);
    await clock.advance(1002);
    expect(granted).toEqual([0]);
  });

  it('pauses one second when a 429 has no Retry-After', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { writesPerSecond: 1000, burst: 1 }, clock });

    limiter.throttled('write', undefined);
    const { granted } = startAcquiring(limiter, 'write', 1);
    await clock.advance(999);
    expect(granted).toEqual([]);
    await clock.advance(3);
    expect(granted).toEqual([0]);
  });

  it('rejects waiting callers with AbortError when their signal aborts, and returns their tokens', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { deletesPerSecond: 1, burst: 1 }, clock });
    const controller = new AbortController();

    startAcquiring(limiter, 'delete', 1);
    const waiting = startAcquiring(limiter, 'delete', 1, controller.signal);
    controller.abort();
    await flushPromises();
    expect(waiting.rejected).toEqual([expect.objectContaining({ name: 'AbortError' })]);

    await clock.advance(1000);
    const next = startAcquiring(limiter, 'delete', 1);
    await flushPromises();
    expect(next.granted).toEqual([0]);
  });

  it('leaves no listener on the signal of a caller it served or rejected, so no aborted AbortSignal.any() stays alive', async () => {
    // Node keeps an AbortSignal.any() signal (and whatever its listeners capture: the whole
    // activity context) reachable for as long as it has an abort listener, aborted or not.
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 1, burst: 1 }, clock });
    const served = AbortSignal.any([new AbortController().signal]);
    const abortedController = new AbortController();
    const aborted = AbortSignal.any([abortedController.signal]);

    startAcquiring(limiter, 'read', 1);
    const waitingServed = startAcquiring(limiter, 'read', 1, served);
    const waitingAborted = startAcquiring(limiter, 'read', 1, aborted);
    await flushPromises();
    expect(getEventListeners(served, 'abort')).toHaveLength(1);
    expect(getEventListeners(aborted, 'abort')).toHaveLength(1);

    abortedController.abort();
    await clock.advance(1000);
    expect(waitingServed.granted).toEqual([0]);
    expect(waitingAborted.rejected).toEqual([expect.objectContaining({ name: 'AbortError' })]);
    expect(getEventListeners(served, 'abort')).toHaveLength(0);
    expect(getEventListeners(aborted, 'abort')).toHaveLength(0);
  });

  it('applies a raised rate to requests already waiting, not only to later ones', async () => {
    const clock = new FakeClock();
    // A worker cut to its minimum rate with four callers queued behind the cut.
    const bucket = new TokenBucket(0.2, 1, clock);
    await bucket.take(ARM_PRIORITY.routine);
    const granted: number[] = [];
    for (let i = 0; i < 4; i += 1) void bucket.take(ARM_PRIORITY.routine).then(() => granted.push(i));
    await clock.advance(1000);
    expect(granted).toEqual([]);

    // The rate comes back up: the queue follows it at once. With waits fixed when the requests
    // queued (4 / 0.2 per s = 20 s for the last), a worker stayed at its minimum for tens of
    // seconds after its rate had recovered.
    bucket.setRate(10, 1);
    for (let step = 0; step < 4; step += 1) await clock.advance(100);
    expect(granted).toEqual([0, 1, 2, 3]);
    expect(bucket.waiting).toBe(0);
  });

  it('serves waiting requests by priority, then in arrival order', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { deletesPerSecond: 1, burst: 1 }, clock });
    const order: string[] = [];
    const take = (name: string, priority?: number): Promise<void> => limiter.acquire('delete', undefined, 'sub', priority).then(() => void order.push(name));

    const all = [
      take('first'),
      take('routine-1'),
      take('cleanup-1', ARM_PRIORITY.cleanup),
      take('routine-2', ARM_PRIORITY.routine),
      take('cleanup-2', ARM_PRIORITY.cleanup),
      take('cancel', ARM_PRIORITY.cancel),
    ];
    await flushPromises();
    expect(order).toEqual(['first']);
    for (let second = 0; second < 5; second += 1) await clock.advance(1000);
    await Promise.all(all);
    expect(order).toEqual(['first', 'cancel', 'cleanup-1', 'cleanup-2', 'routine-1', 'routine-2']);
  });

  it('lets a later request of higher priority overtake routine requests already waiting', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { writesPerSecond: 2, burst: 1 }, clock });
    const order: string[] = [];
    const take = (name: string, priority?: number): Promise<void> => limiter.acquire('write', undefined, '', priority).then(() => void order.push(name));

    const first = [take('a'), take('b')];
    await flushPromises();
    const later = take('c', ARM_PRIORITY.cleanup);
    await clock.advance(500);
    await clock.advance(500);
    await Promise.all([...first, later]);
    expect(order).toEqual(['a', 'c', 'b']);
  });

  it('rejects at once when the signal is already aborted', async () => {
    const limiter = new ArmRateLimiter({ clock: new FakeClock() });
    await expect(limiter.acquire('read', AbortSignal.abort())).rejects.toMatchObject({ name: 'AbortError' });
  });

  it('refuses limits that are not positive numbers, naming the limit', () => {
    expect(() => new ArmRateLimiter({ limits: { writesPerSecond: 0 } })).toThrow(/'writesPerSecond' must be a positive number/);
  });
});

describe('armRequestKind', () => {
  it.each([
    ['GET', 'read'],
    ['HEAD', 'read'],
    ['PUT', 'write'],
    ['POST', 'write'],
    ['PATCH', 'write'],
    ['DELETE', 'delete'],
  ])('counts %s as a %s, as ARM does', (method, kind) => {
    expect(armRequestKind(method)).toBe(kind);
  });
});

describe('ArmRateLimiter per subscription', () => {
  it('keeps one budget per subscription (case-insensitive), so one subscription waiting does not hold up another', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 1, burst: 1 }, clock });
    await limiter.acquire('read', undefined, 'SUB-A');
    const sameSubscription = limiter.acquire('read', undefined, 'sub-a');
    let sameGranted = false;
    void sameSubscription.then(() => (sameGranted = true));
    await limiter.acquire('read', undefined, 'sub-b');
    await flushPromises();
    expect(sameGranted).toBe(false);
    await clock.advance(1000);
    expect(sameGranted).toBe(true);
  });

  it('steers to the target share once the remaining header is visible, reports it and tells listeners', () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 100 }, clock });
    const changes: unknown[] = [];
    limiter.onRateChange((change) => changes.push(change));
    expect(limiter.currentRate('read')).toBe(100);

    limiter.remaining('read', 249, 'Sub-A');
    // ARM's read refill 25/s × headroom 0.8: the ceiling of 100 is not a target.
    expect(limiter.currentRate('read', 'sub-a')).toBe(20);
    expect(limiter.currentRate('read', 'sub-b')).toBe(100);
    expect(limiter.currentRate('write', 'sub-a')).toBe(DEFAULT_ARM_LIMITS.writesPerSecond);
    expect(changes).toEqual([{ kind: 'read', subscriptionId: 'sub-a', ratePerSecond: 20 }]);
  });

  it('refuses controller settings out of range, naming the setting', () => {
    expect(() => new ArmRateLimiter({ clock: new FakeClock(), controller: { headroom: 1.2 } })).toThrow(/'headroom' must be a fraction below 1/);
    expect(() => new ArmRateLimiter({ clock: new FakeClock(), controller: { intervalMs: 0 } })).toThrow(/'intervalMs' must be a positive number/);
  });

  it('keeps the static limit alone when steering is off', () => {
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 100 }, clock: new FakeClock(), steering: false });
    limiter.remaining('read', 249, 'sub-a');
    limiter.throttled('read', 1000, 'sub-a');
    expect(limiter.currentRate('read', 'sub-a')).toBe(100);
  });

  it('cuts the rate of a subscription whose bucket drains, and sums rates across subscriptions', async () => {
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 20, burst: 20 }, clock });
    // One second at the full rate while the bucket loses 15 tokens a second: the fleet uses 40/s.
    for (let second = 0; second < 3; second += 1) {
      for (let i = 0; i < 20; i += 1) {
        await limiter.acquire('read', undefined, 'sub-a');
        limiter.remaining('read', 200 - second * 15 - Math.floor((i * 15) / 20), 'sub-a');
        await clock.advance(50);
      }
    }
    const steered = limiter.currentRate('read', 'sub-a');
    // Headroom 0.8 × 25/s over a fleet use of 25 + 15 = 40/s: half of what this worker used.
    expect(steered).toBeGreaterThan(8);
    expect(steered).toBeLessThanOrEqual(16);
    limiter.remaining('read', 249, 'sub-b');
    expect(limiter.currentRate('read')).toBeCloseTo(steered + 20);
  });
});

describe('armSubscriptionOf', () => {
  it.each([
    ['https://management.azure.com/subscriptions/ABC-1/resourceGroups/rg?api-version=1', 'abc-1'],
    ['https://management.azure.com/subscriptions/abc-2?api-version=1', 'abc-2'],
    ['https://management.azure.com/providers/Microsoft.ContainerInstance/operations', ''],
  ])('%s → %p', (url, subscription) => {
    expect(armSubscriptionOf(url)).toBe(subscription);
  });
});
