import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploymentPath,
  rawRequest,
  RESOURCE_GROUP,
  sdkClients,
  SUBSCRIPTION_ID,
  waitForContainerState,
  type SdkClients,
} from './emulatorHarness';
import { first } from '../../helpers/must';

type ErrorBody = { error: { code: string; message: string; details: Array<{ code: string; message: string }> } };

describe('emulator ARM template evaluation and validation', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 50, location: 'westeurope' });
    clients = sdkClients(emulator);
  });
  afterAll(() => emulator.close());

  function putDeployment(name: string, properties: Record<string, unknown>, resourceGroup = RESOURCE_GROUP) {
    const path = deploymentPath(name).replace(`/resourceGroups/${RESOURCE_GROUP}/`, `/resourceGroups/${resourceGroup}/`);
    return rawRequest(emulator, 'PUT', path, { body: JSON.stringify({ properties: { mode: 'Incremental', ...properties } }) });
  }

  it('evaluates parameters, defaults, variables, concat, format, toLower, uniqueString, resourceGroup() and property access', async () => {
    const template = {
      parameters: {
        flowName: { type: 'string' },
        suffix: { type: 'string', defaultValue: 'Run' },
        settings: { type: 'object', defaultValue: { message: 'from an object' } },
      },
      variables: { groupName: "[toLower(concat(parameters('flowName'), '-', parameters('suffix')))]" },
      resources: [
        {
          type: 'Microsoft.ContainerInstance/containerGroups',
          apiVersion: '2023-05-01',
          name: "[variables('groupName')]",
          location: '[resourceGroup().location]',
          tags: { id: "[uniqueString(resourceGroup().id, parameters('flowName'))]", literal: '[[not an expression]' },
          properties: {
            containers: [
              {
                name: 'main',
                properties: {
                  image: 'busybox',
                  command: ['sh', '-c', "[format('echo {0} in {1}', parameters('settings').message, resourceGroup().name)]"],
                  resources: { requests: { cpu: 1, memoryInGB: 1.5 } },
                },
              },
            ],
          },
        },
      ],
    };
    await clients.resources.deployments.beginCreateOrUpdateAndWait(
      RESOURCE_GROUP,
      'dep-expressions',
      { properties: { mode: 'Incremental', template, parameters: { flowName: { value: 'ETL' } } } },
      { updateIntervalInMs: 50 },
    );
    const group = await waitForContainerState(clients, 'etl-run', 'Terminated');
    expect(group.location).toBe('westeurope');
    expect(group.tags?.id).toMatch(/^[a-z2-7]{13}$/);
    expect(group.tags?.literal).toBe('[not an expression]');
    const logs = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'etl-run', 'main');
    expect(logs.content).toBe(`from an object in ${RESOURCE_GROUP}\n`);
    expect(group.id).toBe(`/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups/etl-run`);
  });

  it.each([
    ['an unsupported function', { resources: [{ type: 'Microsoft.ContainerInstance/containerGroups', name: "[reference('x')]" }] }, /reference/],
    [
      'a parameter without value or default',
      { parameters: { needed: { type: 'string' } }, resources: [{ type: 'Microsoft.ContainerInstance/containerGroups', name: "[parameters('needed')]" }] },
      /'needed' is not provided/,
    ],
    [
      'an undeclared parameter reference',
      { resources: [{ type: 'Microsoft.ContainerInstance/containerGroups', name: "[parameters('ghost')]" }] },
      /'ghost' is not found/,
    ],
    ['a resource without a type', { resources: [{ name: 'x' }] }, /must have a 'type' and a 'name'/],
    [
      'a resource type the emulator does not materialise',
      { resources: [{ type: 'Microsoft.Storage/storageAccounts', name: 'x' }] },
      /not supported by the aci-flow emulator/,
    ],
    [
      'an unparseable expression',
      { resources: [{ type: 'Microsoft.ContainerInstance/containerGroups', name: "[concat('a' 'b')]" }] },
      /Unable to parse language expression/,
    ],
    ['a template that is not an object with resources', 'not a template', /properties\.template/],
  ])('rejects %s with 400 InvalidTemplate', async (_case, template, message) => {
    const response = await putDeployment('dep-invalid', { template });
    expect(response.status).toBe(400);
    const body = response.json as ErrorBody;
    expect(body.error.code).toBe('InvalidTemplate');
    expect(body.error.message).toMatch(message);
  });

  it('rejects parameters the template does not declare', async () => {
    const response = await putDeployment('dep-extra-param', { template: containerGroupTemplate('extra'), parameters: { surprise: { value: 1 } } });
    expect(response.status).toBe(400);
    expect((response.json as ErrorBody).error.message).toContain("'surprise'");
  });

  it.each([
    ['an invalid group name', (t: Template) => (first(t.resources).name = 'Bad_Name'), 'InvalidContainerGroupName'],
    ['no containers', (t: Template) => (first(t.resources).properties.containers = []), 'InvalidRequestContent'],
    ['a container without image', (t: Template) => delete first(first(t.resources).properties.containers).properties.image, 'InvalidRequestContent'],
    [
      'a non-numeric cpu',
      (t: Template) => (first(first(t.resources).properties.containers).properties.resources.requests.cpu = 'two'),
      'InvalidRequestContent',
    ],
    ['an invalid container name', (t: Template) => (first(first(t.resources).properties.containers).name = 'Main Container'), 'InvalidContainerName'],
  ])('rejects a container group with %s as InvalidTemplateDeployment naming the inner error', async (_case, mutate, innerCode) => {
    const template = containerGroupTemplate('valid-name') as unknown as Template;
    mutate(template);
    const response = await putDeployment('dep-invalid-group', { template });
    expect(response.status).toBe(400);
    const body = response.json as ErrorBody;
    expect(body.error.code).toBe('InvalidTemplateDeployment');
    expect(first(body.error.details).code).toBe(innerCode);
  });

  it('answers 404 ResourceGroupNotFound for a resource group that does not exist, until it is created', async () => {
    const missing = await putDeployment('dep-rg', { template: containerGroupTemplate('rg-group', { command: ['true'] }) }, 'no-such-rg');
    expect(missing.status).toBe(404);
    expect((missing.json as ErrorBody).error.code).toBe('ResourceGroupNotFound');
    await expect(clients.aci.containerGroups.get('no-such-rg', 'anything')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceGroupNotFound' });

    const created = await rawRequest(emulator, 'POST', '/_emulator/resourceGroups/no-such-rg', { auth: false });
    expect(created.status).toBe(201);
    const retried = await putDeployment('dep-rg', { template: containerGroupTemplate('rg-group', { command: ['true'] }) }, 'no-such-rg');
    expect(retried.status).toBe(201);
  });
});

interface Template {
  resources: Array<{
    name: string;
    properties: { containers: Array<{ name: string; properties: { image?: string; resources: { requests: { cpu: unknown } } } }> };
  }>;
}
