import { ARM_PRIORITY, ArmRateLimiter } from '../../../src/budget/rateLimiter';
import type { RunningEmulator } from '../../../src/emulator';
import { waitFor } from '../../helpers/waitFor';
import { emulatorGateway, prepareRun, refOf, startEmulator } from './gatewayHarness';

/**
 * docs/design.md, "ARM budget and polling": a delete caused by a cancel goes ahead of routine cleanups. One worker's gateway,
 * through the real SDK, against a subscription whose delete bucket refills 2/s: routine
 * cleanups queue in the worker's delete budget, and a cancel's delete issued after them
 * overtakes every one still waiting.
 */
const DELETE_REFILL = 2;
/**
 * The worker's delete budget, a little under the bucket's refill, as a fleet's budget stays under
 * ARM's: at exactly the refill, the HTTP latency between a grant and the emulator's bucket check
 * on a busy machine can bring two deletes closer than 1/refill and draw a 429.
 */
const WORKER_DELETE_RATE = DELETE_REFILL * 0.9;
const ROUTINE_DELETES = 6;

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

it("a cancelled run's delete overtakes routine cleanups queued in a throttled delete budget", async () => {
  emulator.setFaults({ throttling: { deletes: { capacity: 1, refillPerSecond: DELETE_REFILL } } });
  const limiter = new ArmRateLimiter({
    limits: { deletesPerSecond: WORKER_DELETE_RATE, burst: 1 },
    controller: {
      refillPerSecond: { delete: DELETE_REFILL },
    },
  });
  const gateway = emulatorGateway(emulator, { limiter });
  // Groups that no longer exist: each delete is one DELETE answered 404, which cleanup counts as done.
  const finished: string[] = [];
  const remove = (name: string, priority: number): Promise<void> =>
    gateway.deleteContainerGroup(refOf(prepareRun(name)), { priority }).then(() => void finished.push(name));

  const routine = Array.from({ length: ROUTINE_DELETES }, (_, index) => remove(`routine-${index}`, ARM_PRIORITY.cleanup));
  // The cancel arrives once the routine deletes are under way and the rest are queued.
  const grantedBeforeCancel = await waitFor(() => limiter.usageSnapshot().granted.delete || undefined, 'the first routine delete sent');
  const cancel = remove('cancel', ARM_PRIORITY.cancel);
  await Promise.all([...routine, cancel]);

  expect(grantedBeforeCancel).toBeLessThanOrEqual(2);
  // Every routine delete not yet sent when the cancel arrived finished after it.
  expect(finished.slice(finished.indexOf('cancel') + 1).length).toBeGreaterThanOrEqual(ROUTINE_DELETES - grantedBeforeCancel);
  expect(emulator.counters().throttled ?? 0).toBe(0);
}, 60_000);
