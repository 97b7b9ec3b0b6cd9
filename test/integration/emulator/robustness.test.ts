import { connect } from 'node:tls';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploy,
  deploymentPath,
  groupPath,
  rawRequest,
  RESOURCE_GROUP,
  sdkClients,
  SUBSCRIPTION_ID,
  waitForContainerState,
} from './emulatorHarness';
import { first } from '../../helpers/must';
import { must } from '../../helpers/must';

type ErrorBody = { error: { code: string; message: string; details: unknown[] } };

describe('emulator robustness: bad requests get Azure-shaped errors and the server keeps answering', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 50 });
  });
  afterAll(() => emulator.close());
  afterEach(async () => {
    const health = await rawRequest(emulator, 'GET', '/_emulator/counters', { auth: false });
    expect(health.status).toBe(200);
  });

  function expectAzureError(response: { status: number; json: unknown }, status: number, code: string): void {
    expect(response.status).toBe(status);
    const body = response.json as ErrorBody;
    expect(body.error.code).toBe(code);
    expect(body.error.message.length).toBeGreaterThan(10);
    expect(Array.isArray(body.error.details)).toBe(true);
  }

  it('answers malformed JSON with 400 InvalidRequestContent', async () => {
    expectAzureError(await rawRequest(emulator, 'PUT', deploymentPath('bad-json'), { body: '{"properties": {' }), 400, 'InvalidRequestContent');
  });

  it('answers a JSON body of the wrong shape with 400 InvalidRequestContent', async () => {
    expectAzureError(await rawRequest(emulator, 'PUT', deploymentPath('bad-shape'), { body: '[1, 2, 3]' }), 400, 'InvalidRequestContent');
    expectAzureError(await rawRequest(emulator, 'PUT', deploymentPath('bad-shape'), { body: 'null' }), 400, 'InvalidRequestContent');
  });

  it('answers unknown paths with 404 InvalidResourceType or NotFound', async () => {
    expectAzureError(
      await rawRequest(
        emulator,
        'GET',
        `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Compute/virtualMachines/vm?api-version=1`,
      ),
      404,
      'InvalidResourceType',
    );
    expectAzureError(await rawRequest(emulator, 'GET', '/definitely/not/arm'), 404, 'NotFound');
    expectAzureError(await rawRequest(emulator, 'GET', '/'), 404, 'NotFound');
  });

  it('answers a wrong method with 405 MethodNotAllowed and the allowed methods', async () => {
    const response = await rawRequest(emulator, 'POST', groupPath('some-group'));
    expectAzureError(response, 405, 'MethodNotAllowed');
    expect(response.headers.allow).toBe('GET, PUT, PATCH, DELETE');
  });

  it('answers a missing or non-bearer Authorization with 401 AuthenticationFailed', async () => {
    expectAzureError(await rawRequest(emulator, 'GET', groupPath('some-group'), { auth: false }), 401, 'AuthenticationFailed');
    expectAzureError(
      await rawRequest(emulator, 'GET', groupPath('some-group'), { auth: false, headers: { Authorization: 'Basic abc' } }),
      401,
      'AuthenticationFailed',
    );
  });

  it('answers a missing api-version with 400 MissingApiVersionParameter', async () => {
    expectAzureError(await rawRequest(emulator, 'GET', first(groupPath('some-group').split('?'))), 400, 'MissingApiVersionParameter');
  });

  it('refuses a body over 4 MB with 413 RequestContentTooLarge', async () => {
    const huge = JSON.stringify({ properties: { template: { resources: [], padding: 'x'.repeat(5 * 1024 * 1024) } } });
    expectAzureError(await rawRequest(emulator, 'PUT', deploymentPath('huge'), { body: huge }), 413, 'RequestContentTooLarge');
  });

  it('survives odd input: broken percent-encoding, very long names, binary bodies, a bad tail', async () => {
    expectAzureError(await rawRequest(emulator, 'GET', groupPath('%E0%A4%A')), 404, 'ResourceNotFound');
    expectAzureError(await rawRequest(emulator, 'GET', groupPath('a'.repeat(5000))), 404, 'ResourceNotFound');
    expectAzureError(
      await rawRequest(emulator, 'PUT', deploymentPath('binary'), { body: Buffer.from([0xff, 0xfe, 0x00, 0x01]) }),
      400,
      'InvalidRequestContent',
    );
    await deploy(sdkClients(emulator), 'dep-odd', containerGroupTemplate('odd-group', { command: ['true'] }));
    expectAzureError(
      await rawRequest(emulator, 'GET', groupPath('odd-group', '/containers/main/logs').replace('?', '?tail=-3&')),
      400,
      'InvalidRequestParameter',
    );
    expectAzureError(await rawRequest(emulator, 'GET', groupPath('odd-group', '/containers/nope/logs')), 404, 'ResourceNotFound');
  });

  it('survives a client that sends garbage instead of HTTP, or hangs up mid-request, and serves the next request', async () => {
    const { port } = new URL(emulator.endpoint);
    const groupsBefore = emulator.containerGroups().length;
    // Garbage is not HTTP, so there is no status code to give: the emulator closes the
    // connection without writing a response, and the socket ends rather than hanging.
    const garbageReply = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = connect({ host: '127.0.0.1', port: Number(port), ca: emulator.caCertPem }, () => {
        socket.write('THIS IS NOT HTTP\r\n\r\n');
      });
      socket.on('data', (chunk: Buffer) => (received += chunk.toString('utf8')));
      socket.on('close', () => resolve(received));
      socket.on('error', reject);
    });
    expect(garbageReply).toBe('');

    // A PUT whose body never arrives must create nothing.
    await new Promise<void>((resolve) => {
      const socket = connect({ host: '127.0.0.1', port: Number(port), ca: emulator.caCertPem }, () => {
        socket.write(`PUT ${deploymentPath('half')} HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\nAuthorization: Bearer t\r\n\r\n{"prop`);
        socket.destroy();
        resolve();
      });
    });
    expectAzureError(await rawRequest(emulator, 'GET', deploymentPath('half')), 404, 'DeploymentNotFound');
    // (the PUT itself is counted: it was authenticated before its body was awaited)
    expect(emulator.containerGroups()).toHaveLength(groupsBefore);

    // Normal service continues: a deployment through the SDK creates a group that runs.
    const clients = sdkClients(emulator);
    await deploy(clients, 'dep-after-garbage', containerGroupTemplate('after-garbage', { command: ['true'] }));
    const group = await waitForContainerState(clients, 'after-garbage', 'Terminated');
    expect(first(group.containers).instanceView?.currentState?.exitCode).toBe(0);
  });

  it('matches paths case-insensitively, as ARM does', async () => {
    await deploy(sdkClients(emulator), 'dep-case', containerGroupTemplate('case-group', { command: ['true'] }));
    const path = `/SUBSCRIPTIONS/${SUBSCRIPTION_ID}/RESOURCEGROUPS/${RESOURCE_GROUP.toUpperCase()}/PROVIDERS/microsoft.containerinstance/CONTAINERGROUPS/CASE-GROUP?api-version=2023-05-01`;
    const response = await rawRequest(emulator, 'GET', path);
    expect(response.status).toBe(200);
    expect((response.json as { name: string }).name).toBe('case-group');
  });
});

describe('emulator call counters', () => {
  let emulator: RunningEmulator;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 50 });
  });
  afterAll(() => emulator.close());

  it('counts every ARM call by kind and request class, readable over HTTP, and resets', async () => {
    const clients = sdkClients(emulator);
    await deploy(clients, 'dep-count', containerGroupTemplate('count-group', { command: ['true'] }));
    await clients.aci.containerGroups.get(RESOURCE_GROUP, 'count-group');
    await clients.aci.containerGroups.get(RESOURCE_GROUP, 'count-group');
    await clients.aci.containers.listLogs(RESOURCE_GROUP, 'count-group', 'main');
    await rawRequest(emulator, 'GET', groupPath('count-group'), { auth: false });

    const overHttp = await rawRequest(emulator, 'GET', '/_emulator/counters', { auth: false });
    expect(overHttp.status).toBe(200);
    const counters = overHttp.json as Record<string, number>;
    expect(counters).toEqual(emulator.counters());
    expect(counters['deployments.put']).toBe(1);
    expect(counters['containerGroups.get']).toBe(3);
    expect(counters['containerGroups.logs']).toBe(1);
    expect(counters.unauthorized).toBe(1);
    expect(counters.writes).toBe(1);
    expect(counters.reads).toBe(
      must(counters['containerGroups.get'], 'containerGroups.get') -
        1 +
        must(counters['containerGroups.logs'], 'containerGroups.logs') +
        (counters['deployments.get'] ?? 0) +
        (counters['deployments.operationStatus'] ?? 0),
    );

    const reset = await rawRequest(emulator, 'POST', '/_emulator/counters/reset', { auth: false });
    expect(reset.json).toEqual({});
    expect(emulator.counters()).toEqual({});
  });

  it('lists every group ever created over HTTP, deleted ones included', async () => {
    const clients = sdkClients(emulator);
    await deploy(clients, 'dep-listed', containerGroupTemplate('listed-group', { command: ['true'] }));
    await clients.aci.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'listed-group', { updateIntervalInMs: 50 });
    const response = await rawRequest(emulator, 'GET', '/_emulator/containerGroups', { auth: false });
    expect(response.json).toEqual(
      expect.arrayContaining([
        { resourceGroup: RESOURCE_GROUP, name: 'listed-group', state: 'Deleted', stopped: false, deleted: true, registryCredentials: [] },
      ]),
    );
  });
});
