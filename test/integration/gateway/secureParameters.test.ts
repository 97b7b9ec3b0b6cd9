/**
 * Issue 17: ARM keeps a deployment's template in its history, readable by anyone who can read
 * the resource group. Resolved secrets therefore go to ARM as secureString parameters of the
 * deployment, never into the template; through the emulator, the container still gets them.
 */
import { ResourceManagementClient } from '@azure/arm-resources';
import { StaticTokenCredential } from '../../../src/azure/credentials';
import type { RunningEmulator } from '../../../src/emulator';
import { resolveSecretReferences } from '../../../src/template/secretPositions';
import { containerState, emulatorGateway, eventually, prepareRun, refOf, RESOURCE_GROUP, startEmulator, SUBSCRIPTION_ID } from './gatewayHarness';

let emulator: RunningEmulator;

beforeAll(async () => {
  emulator = await startEmulator();
});

afterAll(async () => {
  await emulator.close();
});

it('sends each resolved secret as a secureString parameter: the template and the deployment ARM shows hold none, the container gets it', async () => {
  const secret = `hunter2-${Date.now()}`;
  const registryPassword = `registry-${Date.now()}`;
  const prepared = prepareRun('secure', {
    command: `sh -c 'echo "key=$API_TOKEN"'`,
    env: { API_TOKEN: 'secretref:API_TOKEN' },
    image_registry: { registry_url: 'registry.example', username: 'u', password: 'secretref:REGISTRY' },
  });
  const request = resolveSecretReferences(prepared, (name) => ({ API_TOKEN: secret, REGISTRY: registryPassword })[name]);
  expect(JSON.stringify(request.template)).not.toContain(secret);
  expect(JSON.stringify(request.template)).not.toContain(registryPassword);

  const gateway = emulatorGateway(emulator);
  await gateway.deploy(request);
  await eventually(
    () => gateway.getContainerGroup(refOf(prepared)),
    (view) => containerState(view) === 'Terminated',
  );
  const logs = await gateway.getLogs({ ...refOf(prepared), containerName: prepared.containerName });
  expect(logs.trim()).toBe(`key=${secret}`);

  // What anyone with read access to the resource group sees of the deployment.
  const arm = new ResourceManagementClient(new StaticTokenCredential(), SUBSCRIPTION_ID, {
    endpoint: emulator.endpoint,
    tlsOptions: { ca: emulator.caCertPem },
  });
  const deployment = await arm.deployments.get(RESOURCE_GROUP, prepared.deploymentName);
  expect(deployment.properties?.parameters).toMatchObject({ aciFlowSecret0: { type: 'SecureString' } });
  expect(JSON.stringify(deployment)).not.toContain(secret);
  expect(JSON.stringify(deployment)).not.toContain(registryPassword);
});
