/**
 * Cancelling a running ARM deployment through the real SDK against the emulator: the
 * deployment ends Canceled, the caller waiting on it hears so at once, and cancelling a
 * finished or unknown deployment is not an error.
 */
import type { ArmGateway } from '../../../src/azure/armGateway';
import type { RunningEmulator } from '../../../src/emulator';
import { emulatorGateway, eventually, prepareRun, refOf, startEmulator } from './gatewayHarness';

// Long enough that only a cancel can end the deployment within the test.
const DEPLOYMENT_DURATION_MS = 60_000;

let emulator: RunningEmulator;
let gateway: ArmGateway;

beforeAll(async () => {
  emulator = await startEmulator({ deploymentDelayMs: DEPLOYMENT_DURATION_MS });
  gateway = emulatorGateway(emulator);
});

afterAll(async () => {
  await emulator.close();
});

beforeEach(() => emulator.resetCounters());

describe('cancelDeployment', () => {
  it('cancels a running deployment: the deploy waiting on it fails with DeploymentCanceled long before the deployment would end', async () => {
    const prepared = prepareRun('cancel-me', { command: "sh -c 'sleep 30'" });
    const startedAt = Date.now();
    const deploying = gateway.deploy(prepared).then(
      () => undefined,
      (err: unknown) => err,
    );
    await eventually(
      async () => emulator.counters()['deployments.put'] ?? 0,
      (puts) => puts === 1,
    );

    await expect(gateway.cancelDeployment(prepared)).resolves.toBe('cancelled');

    expect(await deploying).toMatchObject({ code: 'DeploymentCanceled' });
    expect(Date.now() - startedAt).toBeLessThan(DEPLOYMENT_DURATION_MS / 4);
    expect(emulator.counters()['deployments.cancel']).toBe(1);
    // A cancel stops the deployment, not what it already created: that is cleanup's to delete.
    await gateway.deleteContainerGroup({ ...refOf(prepared), deploymentName: prepared.deploymentName });
    expect(await gateway.getContainerGroup(refOf(prepared))).toBeUndefined();
  });

  it('reports a deployment that already ended (ARM answers 409 DeploymentCannotBeCancelled) as finished', async () => {
    const prepared = prepareRun('cancel-twice', { command: "sh -c 'sleep 30'" });
    const deploying = gateway.deploy(prepared).catch((err: unknown) => err);
    await eventually(
      async () => emulator.counters()['deployments.put'] ?? 0,
      (puts) => puts === 1,
    );
    await expect(gateway.cancelDeployment(prepared)).resolves.toBe('cancelled');
    await deploying;

    await expect(gateway.cancelDeployment(prepared)).resolves.toBe('finished');
    await gateway.deleteContainerGroup({ ...refOf(prepared), deploymentName: prepared.deploymentName });
  });

  it('reports a deployment that does not exist as absent', async () => {
    const prepared = prepareRun('never-deployed');
    await expect(gateway.cancelDeployment(prepared)).resolves.toBe('absent');
  });
});
