import { ArmRateLimiter } from '../../../src/budget/rateLimiter';
import type { RunningEmulator } from '../../../src/emulator';
import { waitFor } from '../../helpers/waitFor';
import { emulatorGateway, prepareRun, refOf, startEmulator, SUBSCRIPTION_ID } from './gatewayHarness';
import { nth } from '../../helpers/must';

/**
 * Two gateways — two workers, each with its own limiter and no way to talk to the other — poll
 * through the real SDK (its own retry policy included) against one throttled emulator
 * subscription, each wanting far more than the bucket refills. They find the shared budget only
 * through the remaining-reads header. The bucket is ARM's shape scaled down (capacity two
 * seconds of refill), so the start-up burst empties it within one controller interval: the
 * set-up in which the fleet used to collapse to about 1 read/s after the first cut.
 */
const REFILL = 10;
const CAPACITY = 20;
const TARGET = 0.8 * REFILL;
const CALLERS_PER_GATEWAY = 4;
/** Bounds each caller's loop, so a stuck condition cannot leave the test reading forever. */
const MAX_READS_PER_CALLER = 2000;
/** No 429 for this long after both limiters cut: converged. */
const QUIET_MS = 2000;
/** How long the converged gateways are watched. */
const WINDOW_MS = 10_000;

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

it('two gateways against one throttled subscription settle on a fair share of its refill, without 429s and without collapsing', async () => {
  emulator.setFaults({ throttling: { reads: { capacity: CAPACITY, refillPerSecond: REFILL } } });
  // The static ceiling is far above the bucket: only the headers can hold these workers back.
  const limiters = [0, 1].map(
    () =>
      new ArmRateLimiter({ limits: { readsPerSecond: 1000, burst: 1000 }, controller: { refillPerSecond: { read: REFILL }, intervalMs: 250, holdMs: 2000 } }),
  );
  const gateways = limiters.map((limiter) =>
    emulatorGateway(emulator, { limiter, retryOptions: { maxRetries: 6, retryDelayInMs: 50, maxRetryDelayInMs: 2000 } }),
  );
  const ref = refOf(prepareRun('absent'));
  let running = true;
  const readsBy: [number, number] = [0, 0];
  const loops = gateways.flatMap((gateway, index) =>
    Array.from({ length: CALLERS_PER_GATEWAY }, async () => {
      for (let read = 0; running && read < MAX_READS_PER_CALLER; read += 1) {
        await gateway.getContainerGroup(ref);
        readsBy[index === 0 ? 0 : 1] += 1;
      }
    }),
  );
  const rates = (): string => JSON.stringify(limiters.map((limiter) => limiter.currentRate('read', SUBSCRIPTION_ID).toFixed(2)));

  try {
    // Converged: both limiters cut below the target from the headers alone, and ARM has
    // answered no 429 for QUIET_MS since.
    let quietSince = { at: Date.now(), throttled: emulator.counters().throttled ?? 0 };
    await waitFor(
      () => {
        const throttled = emulator.counters().throttled ?? 0;
        if (throttled !== quietSince.throttled) quietSince = { at: Date.now(), throttled };
        const cut = limiters.every((limiter) => limiter.currentRate('read', SUBSCRIPTION_ID) < TARGET);
        return cut && Date.now() - quietSince.at >= QUIET_MS;
      },
      'both limiters cut below the target and no 429 for 2 s',
      { timeoutMs: 30_000, lastSeen: rates },
    );

    const limiterThrottledBefore = limiters.map((limiter) => limiter.usageSnapshot().throttled.read);
    const before = { ...emulator.counters() };
    const readsBefore = [...readsBy];
    const started = Date.now();
    // A window measured by the clock and the counters, not a count of reads: every assertion
    // below is a rate over the time that actually passed.
    await waitFor(() => Date.now() - started >= WINDOW_MS, 'the observation window', { timeoutMs: WINDOW_MS + 5000 });
    const seconds = (Date.now() - started) / 1000;
    const after = emulator.counters();
    const perGateway = readsBy.map((count, index) => (count - nth(readsBefore, index)) / seconds);
    const fleet = ((after.reads ?? 0) - (before.reads ?? 0)) / seconds;
    const detail = `fleet ${fleet.toFixed(2)}/s, per gateway ${perGateway.map((rate) => rate.toFixed(2)).join(' / ')}, steered ${rates()}`;

    expect({ throttled: (after.throttled ?? 0) - (before.throttled ?? 0), detail }).toEqual({ throttled: 0, detail });
    expect(limiters.map((limiter) => limiter.usageSnapshot().throttled.read)).toEqual(limiterThrottledBefore);
    // Within the refill rate, and using a good part of it: a collapsed fleet read ~1/s. Each
    // worker may probe up to the target, so the fleet can briefly read above the refill from the
    // bucket's stored tokens until the drain shows (measured: up to 10.1/s over 10 s windows);
    // over the window that is at most the capacity, and without a single 429.
    expect({ withinRefill: fleet <= REFILL + CAPACITY / seconds, detail }).toEqual({ withinRefill: true, detail });
    // A collapsed fleet read about 1/s (0.1 / 0.99 per gateway). With a core busy elsewhere a
    // deeper first cut was measured once at 3.9/s (1.8 / 2.1): the climb back is slow by design
    // (`increase`), so the floor here is well above the collapse, not at the target.
    expect({ usingIt: fleet >= 0.3 * REFILL, detail }).toEqual({ usingIt: true, detail });
    // Neither starved nor collapsed: each keeps at least 15 % of the refill (a fair share of the target is 40 %).
    expect({ bothReading: perGateway.every((rate) => rate >= 0.15 * REFILL), detail }).toEqual({ bothReading: true, detail });
  } finally {
    running = false;
    await Promise.allSettled(loops);
  }
}, 60_000);
