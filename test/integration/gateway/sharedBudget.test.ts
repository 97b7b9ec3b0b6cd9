import { ArmRateLimiter, systemClock } from '../../../src/azure/rateLimiter';
import type { RunningEmulator } from '../../../src/emulator';
import { waitFor } from '../../helpers/waitFor';
import { emulatorGateway, prepareRun, refOf, startEmulator, SUBSCRIPTION_ID } from './gatewayHarness';

/**
 * Two gateways — two workers, each with its own limiter and no way to talk to the other — poll
 * through the real SDK against one throttled emulator subscription, each wanting far more than
 * the bucket refills. They find the shared budget only through the remaining-reads header.
 */
const REFILL = 10;
const CALLERS_PER_GATEWAY = 4;
/** How long the converged gateways are watched. */
const WINDOW_MS = 8_000;

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

it('two gateways against one throttled subscription steer from its remaining-reads header and stop drawing 429s', async () => {
  emulator.setFaults({ throttling: { reads: { capacity: 20, refillPerSecond: REFILL } } });
  // The static ceiling is far above the bucket: only the headers can hold these workers back.
  const limiters = [0, 1].map(
    () => new ArmRateLimiter({ readsPerSecond: 1000, burst: 1000 }, systemClock, undefined, { refillPerSecond: { read: REFILL }, intervalMs: 250, holdMs: 2000 }),
  );
  const gateways = limiters.map((limiter) => emulatorGateway(emulator, { limiter, retryOptions: { maxRetries: 6, retryDelayInMs: 50, maxRetryDelayInMs: 2000 } }));
  const ref = refOf(prepareRun('absent'));
  let running = true;
  const completedBy = [0, 0];
  const loops = gateways.flatMap((gateway, index) =>
    Array.from({ length: CALLERS_PER_GATEWAY }, async () => {
      while (running) {
        await gateway.getContainerGroup(ref);
        completedBy[index] += 1;
      }
    }),
  );

  try {
    // Converged: both steered below the refill rate together, from the headers alone.
    await waitFor(
      async () => {
        const rates = limiters.map((limiter) => limiter.currentRate('read', SUBSCRIPTION_ID));
        return rates.every((rate) => rate < REFILL) && rates[0] + rates[1] <= REFILL ? rates : undefined;
      },
      'both limiters steered below the shared refill rate',
      { timeoutMs: 25_000, lastSeen: () => JSON.stringify(limiters.map((limiter) => limiter.currentRate('read', SUBSCRIPTION_ID))) },
    );
    const throttledBefore = limiters.map((limiter) => limiter.usageSnapshot().throttled.read);
    emulator.resetCounters();
    const started = Date.now();
    const byBefore = [...completedBy];
    // A fixed window, not a count of reads: how fast the steered rates climb back is the
    // simulation's to assert (unit/azure/budgetSimulation); here, what the real headers allow.
    await new Promise((resolve) => setTimeout(resolve, WINDOW_MS));
    const seconds = (Date.now() - started) / 1000;

    expect(emulator.counters().throttled ?? 0).toBe(0);
    expect(limiters.map((limiter) => limiter.usageSnapshot().throttled.read)).toEqual(throttledBefore);
    expect((emulator.counters().reads ?? 0) / seconds).toBeLessThanOrEqual(REFILL);
    // Both workers kept reading through the window: neither starved the other.
    expect(completedBy.map((count, index) => count - byBefore[index] > 0)).toEqual([true, true]);
  } finally {
    running = false;
    await Promise.allSettled(loops);
  }
}, 60_000);
