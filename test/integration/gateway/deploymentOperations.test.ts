import { ResourceManagementClient } from '@azure/arm-resources';
import { StaticTokenCredential } from '../../../src/azure/credentials';
import { readDeploymentFailure, type DeploymentReader } from '../../../src/azure/deploymentFailure';
import type { RunningEmulator } from '../../../src/emulator';
import { emulatorGateway, prepareRun, startEmulator } from './gatewayHarness';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

describe('failed deployment operations', () => {
  it('finds the cause and its resource in the deployment operations when the deployment only says DeploymentFailed', async () => {
    const prepared = prepareRun('pull', { image: 'registry.example.com/team/pull-error:2' });
    await emulatorGateway(emulator)
      .deploy(prepared)
      .catch(() => undefined);
    const client = new ResourceManagementClient(new StaticTokenCredential(), prepared.subscriptionId, {
      endpoint: emulator.endpoint,
      tlsOptions: { ca: emulator.caCertPem },
    });
    // Real ARM often returns only the generic summary on the deployment; hide the details to get there.
    const summaryOnly: DeploymentReader = {
      deployments: {
        get: async (resourceGroupName, deploymentName, options) => {
          const deployment = await client.deployments.get(resourceGroupName, deploymentName, options);
          const error = deployment.properties?.error;
          return { ...deployment, properties: { ...deployment.properties, error: { code: error?.code, message: error?.message } } };
        },
      },
      deploymentOperations: client.deploymentOperations,
    };

    const failure = await readDeploymentFailure(summaryOnly, prepared.resourceGroupName, prepared.deploymentName, { operation: 'deploy' });

    expect(failure).toMatchObject({
      code: 'InaccessibleImage',
      kind: 'image-pull',
      statusCode: 400,
      target: prepared.containerGroupName,
    });
    expect(failure?.azureMessage).toContain('registry.example.com/team/pull-error:2');
    expect(emulator.counters()['deployments.operations']).toBeGreaterThanOrEqual(1);
  });
});
