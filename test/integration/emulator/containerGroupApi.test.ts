/**
 * The published container-group API beyond deployments — direct PUT, PATCH (tags), stop,
 * start, restart, lists — and deployments at older api-versions with exportTemplate, through
 * the Azure SDK for JS.
 */
import type { ContainerGroup } from '@azure/arm-containerinstance';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploy,
  deploymentPath,
  rawRequest,
  RESOURCE_GROUP,
  RESOURCES_API_VERSION,
  sdkClients,
  waitForContainerState,
  type SdkClients,
} from './emulatorHarness';
import { waitFor } from '../../helpers/waitFor';
import { first } from '../../helpers/must';

function directGroup(command: string[]): ContainerGroup {
  return {
    location: 'eastus',
    tags: { owner: 'conformance' },
    osType: 'Linux',
    restartPolicy: 'Never',
    containers: [{ name: 'main', image: 'docker.io/library/busybox:latest', command, resources: { requests: { cpu: 1, memoryInGB: 1 } } }],
  };
}

describe('emulator: the container-group API', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;
  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 100 });
    clients = sdkClients(emulator);
  });
  afterAll(() => emulator?.close());

  it('creates a group with a direct PUT (201 + Azure-AsyncOperation), which runs, and updates it with a second PUT (200)', async () => {
    const raw = await rawRequest(
      emulator,
      'PUT',
      deploymentPath('x').replace(
        /providers\/Microsoft\.Resources\/deployments\/x\?api-version=.*/,
        'providers/Microsoft.ContainerInstance/containerGroups/direct-raw?api-version=2023-05-01',
      ),
      {
        body: JSON.stringify({
          location: 'eastus',
          properties: {
            osType: 'Linux',
            containers: [{ name: 'main', properties: { image: 'busybox', command: ['true'], resources: { requests: { cpu: 1, memoryInGB: 1 } } } }],
          },
        }),
      },
    );
    expect(raw.status).toBe(201);
    expect(String(raw.headers['azure-asyncoperation'])).toMatch(
      /\/providers\/Microsoft\.ContainerInstance\/locations\/eastus\/operations\/[0-9A-F]{32}\?api-version=2023-05-01$/,
    );

    const created = await clients.aci.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'direct-group', directGroup(['sh', '-c', 'echo first']), {
      updateIntervalInMs: 50,
    });
    expect(created).toMatchObject({ name: 'direct-group', provisioningState: 'Succeeded', tags: { owner: 'conformance' } });
    await waitForContainerState(clients, 'direct-group', 'Terminated');
    expect((await clients.aci.containers.listLogs(RESOURCE_GROUP, 'direct-group', 'main')).content).toBe('first\n');

    const updated = await clients.aci.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'direct-group', directGroup(['sh', '-c', 'echo second']), {
      updateIntervalInMs: 50,
    });
    expect(first(updated.containers).command).toEqual(['sh', '-c', 'echo second']);
    await waitFor(
      async () => (await clients.aci.containers.listLogs(RESOURCE_GROUP, 'direct-group', 'main')).content?.includes('second'),
      'the updated command to run',
      { timeoutMs: 10_000, intervalMs: 50 },
    );
    expect(emulator.containerGroups().filter((group) => group.name === 'direct-group')).toHaveLength(1);
  });

  it('refuses a direct PUT ACI would refuse, with the ACI error itself', async () => {
    const invalid = { ...directGroup(['true']), containers: [{ name: 'Bad_Name', image: 'busybox', resources: { requests: { cpu: 1, memoryInGB: 1 } } }] };
    await expect(clients.aci.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'bad-direct', invalid)).rejects.toMatchObject({
      statusCode: 400,
      code: 'InvalidContainerName',
    });
  });

  it('updates tags with PATCH and keeps the group running as it was', async () => {
    const patched = await clients.aci.containerGroups.update(RESOURCE_GROUP, 'direct-group', { tags: { owner: 'someone-else', stage: 'test' } });
    expect(patched.tags).toEqual({ owner: 'someone-else', stage: 'test' });
    expect((await clients.aci.containerGroups.get(RESOURCE_GROUP, 'direct-group')).tags).toEqual({ owner: 'someone-else', stage: 'test' });
  });

  it('stops, starts and restarts a group: each start runs the container again', async () => {
    const startTime = async () =>
      first((await clients.aci.containerGroups.get(RESOURCE_GROUP, 'cycle-group')).containers).instanceView?.currentState?.startTime?.getTime() ?? 0;
    const startedAfter = (earlier: number, what: string) =>
      waitFor(async () => (await startTime()) > earlier, what, { timeoutMs: 10_000, intervalMs: 50, lastSeen: () => String(earlier) });
    await clients.aci.containerGroups.beginCreateOrUpdateAndWait(RESOURCE_GROUP, 'cycle-group', directGroup(['sh', '-c', 'echo run; sleep 30']), {
      updateIntervalInMs: 50,
    });
    await waitForContainerState(clients, 'cycle-group', 'Running');
    const firstStart = await startTime();
    await clients.aci.containerGroups.stop(RESOURCE_GROUP, 'cycle-group');
    await waitFor(async () => (await clients.aci.containerGroups.get(RESOURCE_GROUP, 'cycle-group')).instanceView?.state === 'Stopped', 'the group to stop', {
      timeoutMs: 10_000,
      intervalMs: 50,
    });

    await clients.aci.containerGroups.beginStartAndWait(RESOURCE_GROUP, 'cycle-group', { updateIntervalInMs: 50 });
    await startedAfter(firstStart, 'a second start after start');
    await waitForContainerState(clients, 'cycle-group', 'Running');
    const secondStart = await startTime();
    expect((await clients.aci.containers.listLogs(RESOURCE_GROUP, 'cycle-group', 'main')).content).toBe('run\n');

    await clients.aci.containerGroups.beginRestartAndWait(RESOURCE_GROUP, 'cycle-group', { updateIntervalInMs: 50 });
    await startedAfter(secondStart, 'a third start after restart');
    await clients.aci.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'cycle-group', { updateIntervalInMs: 50 });
  });

  it('lists groups by resource group and by subscription without instance views', async () => {
    const inGroup: ContainerGroup[] = [];
    for await (const group of clients.aci.containerGroups.listByResourceGroup(RESOURCE_GROUP)) inGroup.push(group);
    const inSubscription: ContainerGroup[] = [];
    for await (const group of clients.aci.containerGroups.list()) inSubscription.push(group);
    for (const list of [inGroup, inSubscription]) {
      expect(list.map((group) => group.name)).toContain('direct-group');
      for (const group of list) expect(group.instanceView).toBeUndefined();
    }
  });
});

describe('emulator: deployments at older api-versions, and exportTemplate', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;
  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 50 });
    clients = sdkClients(emulator);
  });
  afterAll(() => emulator?.close());

  const template = {
    ...containerGroupTemplate('secure-params', {
      image: 'busybox',
      command: ['sh', '-c', 'echo "$STAGE:$PASSWORD"'],
      env: { STAGE: "[parameters('stage')]" },
      secureEnv: { PASSWORD: "[parameters('password')]" },
    }),
    parameters: { password: { type: 'secureString' }, stage: { type: 'string' } },
  };

  it('exports the template as sent, shows a secureString parameter without its value, and the container still receives it', async () => {
    await deploy(clients, 'dep-secure', template, { password: { value: 'hunter2-secret' }, stage: { value: 'prod' } });
    const exported = await clients.resources.deployments.exportTemplate(RESOURCE_GROUP, 'dep-secure');
    expect(exported.template).toEqual(template);
    const deployment = await clients.resources.deployments.get(RESOURCE_GROUP, 'dep-secure');
    expect(deployment.properties?.parameters).toEqual({ password: { type: 'SecureString' }, stage: { type: 'String', value: 'prod' } });
    expect(JSON.stringify([exported, deployment])).not.toContain('hunter2-secret');
    await waitForContainerState(clients, 'secure-params', 'Terminated');
    expect((await clients.aci.containers.listLogs(RESOURCE_GROUP, 'secure-params', 'main')).content).toBe('prod:hunter2-secret\n');
  });

  it.each(['2021-04-01', '2022-09-01', '2024-03-01', RESOURCES_API_VERSION])(
    'serves GET and exportTemplate of a deployment at api-version %s',
    async (apiVersion) => {
      const get = await rawRequest(emulator, 'GET', deploymentPath('dep-secure').replace(RESOURCES_API_VERSION, apiVersion));
      expect(get).toMatchObject({ status: 200, json: { name: 'dep-secure', properties: { provisioningState: 'Succeeded' } } });
      const exported = await rawRequest(emulator, 'POST', deploymentPath('dep-secure', '/exportTemplate').replace(RESOURCES_API_VERSION, apiVersion));
      expect(exported).toMatchObject({ status: 200, json: { template } });
    },
  );
});
