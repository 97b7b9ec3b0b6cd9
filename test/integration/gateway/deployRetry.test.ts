import type { ArmGateway } from '../../../src/azure/armGateway';
import { AzureError } from '../../../src/azure/errors';
import type { RunningEmulator } from '../../../src/emulator';
import { emulatorGateway, eventually, prepareRun, startEmulator } from './gatewayHarness';

// Deployments that take a while, so a "crash" can happen while one is still running.
const DEPLOYMENT_DURATION_MS = 1500;

let emulator: RunningEmulator;
let gateway: ArmGateway;

beforeAll(async () => {
  emulator = await startEmulator({ deploymentDelayMs: DEPLOYMENT_DURATION_MS });
  gateway = emulatorGateway(emulator, { activeDeploymentRetryAfterMs: 250 });
});

afterAll(async () => {
  await emulator.close();
});

describe('deploy retried after the first attempt was abandoned mid-deployment', () => {
  it('asks to retry later while the first deployment runs, then adopts it without a second group', async () => {
    const prepared = prepareRun('crashy', { command: "sh -c 'sleep 5'" });
    const firstAttempt = new AbortController();
    const abandoned = gateway.deploy(prepared, { abortSignal: firstAttempt.signal });
    await eventually(
      async () => emulator.counters()['deployments.put'] ?? 0,
      (puts) => puts === 1,
    );
    firstAttempt.abort();
    const abandonedError = await abandoned.then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(abandonedError).toMatchObject({ code: 'RequestAborted', retryable: true });

    const whileRunning = await gateway.deploy(prepared).then(
      () => undefined,
      (err: unknown) => err,
    );
    expect(whileRunning).toBeInstanceOf(AzureError);
    expect(whileRunning).toMatchObject({ kind: 'conflict', code: 'DeploymentActive', retryable: true, retryAfterMs: 250 });

    const retried = await eventually(
      () => gateway.deploy(prepared).catch((err: unknown) => err),
      (outcome) => !(outcome instanceof AzureError && outcome.code === 'DeploymentActive'),
      DEPLOYMENT_DURATION_MS * 4,
    );
    expect(retried).toMatchObject({ adopted: true, provisioningState: 'Succeeded' });
    expect(emulator.counters()['deployments.put']).toBe(1);
    expect(emulator.containerGroups().filter((group) => group.name === prepared.containerGroupName)).toHaveLength(1);
  });
});
