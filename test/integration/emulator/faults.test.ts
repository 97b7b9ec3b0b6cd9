import path from 'node:path';
import { NO_FAULTS, startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploy,
  deploymentPath,
  groupPath,
  rawRequest,
  RESOURCE_GROUP,
  isAlive,
  sdkClients,
  waitForContainerState,
  waitForGroupGone,
  waitForPid,
  type SdkClients,
} from './emulatorHarness';
import { waitFor } from '../../helpers/waitFor';
import { first, nth } from '../../helpers/must';

describe('emulator fault injection', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 100 });
    clients = sdkClients(emulator, { maxRetries: 0 });
  });
  afterAll(() => emulator.close());
  beforeEach(() => emulator.setFaults(NO_FAULTS));

  /**
   * Deploys a group without any fault and waits until its container has run: every group
   * deployed before it has then been past the pull delay too, so one still Waiting will never start.
   */
  async function waitPastPullDelay(controlName: string): Promise<void> {
    await deploy(clients, `dep-${controlName}`, containerGroupTemplate(controlName, { command: ['true'] }));
    await waitForContainerState(clients, controlName, 'Terminated');
  }

  describe('never starts', () => {
    it('keeps a matching container Waiting with a Pulling event while the deployment succeeds', async () => {
      emulator.setFaults({ neverStart: { name: 'stuck-*' } });
      const deployment = await deploy(clients, 'dep-stuck', containerGroupTemplate('stuck-one', { command: ['echo', 'never printed'] }));
      expect(deployment.properties?.provisioningState).toBe('Succeeded');
      await waitPastPullDelay('control-after-stuck');
      const group = await clients.aci.containerGroups.get(RESOURCE_GROUP, 'stuck-one');
      const view = first(group.containers).instanceView;
      expect(view?.currentState).toMatchObject({ state: 'Waiting', detailStatus: 'ContainerCreating' });
      expect(view?.events?.map((e) => e.name)).toEqual(['Pulling']);
      expect(group.instanceView?.state).toBe('Pending');
    });

    it('applies to images containing never-starts without any configuration', async () => {
      await deploy(clients, 'dep-never-image', containerGroupTemplate('never-image', { image: 'example.com/never-starts:1', command: ['echo', 'x'] }));
      await waitPastPullDelay('control-after-never-image');
      const group = await clients.aci.containerGroups.get(RESOURCE_GROUP, 'never-image');
      expect(first(group.containers).instanceView?.currentState?.state).toBe('Waiting');
    });
  });

  describe('image pull failure', () => {
    it('fails the deployment with InaccessibleImage in the error details and the failing operation, creating no group', async () => {
      const image = 'example.com/does-not-exist:1';
      await expect(deploy(clients, 'dep-pull', containerGroupTemplate('pull-group', { image, command: ['true'] }))).rejects.toThrow();

      const deployment = await clients.resources.deployments.get(RESOURCE_GROUP, 'dep-pull');
      expect(deployment.properties?.provisioningState).toBe('Failed');
      expect(deployment.properties?.error?.code).toBe('DeploymentFailed');
      expect(deployment.properties?.error?.details?.[0]).toMatchObject({
        code: 'InaccessibleImage',
        message: `The image '${image}' in container group 'pull-group' is not accessible. Please check the image and registry credential.`,
      });
      const operations = [];
      for await (const operation of clients.resources.deploymentOperations.list(RESOURCE_GROUP, 'dep-pull')) operations.push(operation);
      expect(first(operations).properties?.provisioningState).toBe('Failed');
      expect(first(operations).properties?.statusMessage?.error?.code).toBe('InaccessibleImage');
      expect(first(operations).properties?.targetResource?.resourceName).toBe('pull-group');
      await expect(clients.aci.containerGroups.get(RESOURCE_GROUP, 'pull-group')).rejects.toMatchObject({ statusCode: 404 });
    });

    it('reports the failure through the async operation status with the inner error', async () => {
      emulator.setFaults({ imagePullFailure: { image: 'private.example.com/*' } });
      const put = await rawRequest(emulator, 'PUT', deploymentPath('dep-pull-raw'), {
        body: JSON.stringify({
          properties: { mode: 'Incremental', template: containerGroupTemplate('pull-raw', { image: 'private.example.com/app:2', command: ['true'] }) },
        }),
      });
      expect(put.status).toBe(201);
      const operationUrl = String(put.headers['azure-asyncoperation']);
      expect(operationUrl).toContain(emulator.endpoint);
      expect((await rawRequest(emulator, 'GET', operationUrl)).json).toMatchObject({ status: 'Running' });
      const finished = await waitFor(async () => {
        const response = await rawRequest(emulator, 'GET', operationUrl);
        return (response.json as { status?: string }).status === 'Running' ? undefined : response;
      }, 'the deployment operation to finish');
      expect(finished.json).toMatchObject({
        status: 'Failed',
        error: { code: 'DeploymentFailed', details: [{ code: 'InaccessibleImage' }] },
      });
    });
  });

  it('quota exceeded fails the deployment with ContainerGroupQuotaReached', async () => {
    emulator.setFaults({ quotaExceeded: { resourceGroup: RESOURCE_GROUP } });
    await expect(deploy(clients, 'dep-quota', containerGroupTemplate('quota-group', { command: ['true'] }))).rejects.toThrow();
    const deployment = await clients.resources.deployments.get(RESOURCE_GROUP, 'dep-quota');
    expect(deployment.properties?.error?.details?.[0]?.code).toBe('ContainerGroupQuotaReached');
    expect(emulator.containerGroups().some((g) => g.name === 'quota-group')).toBe(false);
  });

  it('slow delete answers 202 with operation headers and the group disappears only after the configured seconds', async () => {
    emulator.setFaults({ slowDelete: { seconds: 1 } });
    await deploy(clients, 'dep-slow', containerGroupTemplate('slow-group', { command: ['sleep', '30'] }));
    const started = Date.now();
    const response = await rawRequest(emulator, 'DELETE', groupPath('slow-group'));
    expect(response.status).toBe(202);
    expect(response.headers['azure-asyncoperation']).toMatch(/\/providers\/Microsoft\.ContainerInstance\/locations\/eastus\/operations\//);
    expect(response.headers.location).toMatch(/\/operationResults\//);
    const during = await clients.aci.containerGroups.get(RESOURCE_GROUP, 'slow-group');
    expect(during.provisioningState).toBe('Deleting');

    await clients.aci.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'slow-group', { updateIntervalInMs: 100 });
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    await expect(clients.aci.containerGroups.get(RESOURCE_GROUP, 'slow-group')).rejects.toMatchObject({ statusCode: 404 });
  });

  it('a burst of server errors fails the next N ARM calls with an Azure error body, then calls succeed again', async () => {
    await deploy(clients, 'dep-5xx', containerGroupTemplate('errors-group', { command: ['sleep', '5'] }));
    emulator.setFaults({ serverErrors: { count: 2, statusCode: 503 } });
    const first = await rawRequest(emulator, 'GET', groupPath('errors-group'));
    expect(first.status).toBe(503);
    expect(first.json).toMatchObject({ error: { code: 'ServiceUnavailable', details: [] } });
    expect((await rawRequest(emulator, 'GET', groupPath('errors-group'))).status).toBe(503);
    expect((await rawRequest(emulator, 'GET', groupPath('errors-group'))).status).toBe(200);
    expect(emulator.counters().serverErrors).toBe(2);
  });

  it('the SDK rides out a server error burst with its own retries', async () => {
    const retrying = sdkClients(emulator, { maxRetries: 3 });
    emulator.setFaults({ serverErrors: { count: 1, statusCode: 500 } });
    const group = await retrying.aci.containerGroups.get(RESOURCE_GROUP, 'errors-group');
    expect(group.name).toBe('errors-group');
  });

  it('throttling answers 429 with Retry-After from per-class token buckets and reports the remaining budget on every response', async () => {
    await deploy(clients, 'dep-throttle', containerGroupTemplate('throttle-group', { command: ['sleep', '5'] }));
    emulator.setFaults({ throttling: { reads: { capacity: 3, refillPerSecond: 0.5 }, deletes: { capacity: 1, refillPerSecond: 0.5 } } });
    const reads = [];
    for (let i = 0; i < 4; i++) reads.push(await rawRequest(emulator, 'GET', groupPath('throttle-group')));
    expect(reads.map((r) => r.status)).toEqual([200, 200, 200, 429]);
    expect(reads.map((r) => r.headers['x-ms-ratelimit-remaining-subscription-reads'])).toEqual(['2', '1', '0', '0']);
    expect(Number(nth(reads, 3).headers['retry-after'])).toBeGreaterThanOrEqual(1);
    expect(nth(reads, 3).json).toMatchObject({ error: { code: 'SubscriptionRequestsThrottled' } });

    // writes have their own bucket (ARM's default when not configured)
    const stop = await rawRequest(emulator, 'POST', groupPath('throttle-group', '/stop'));
    expect(stop.status).toBe(204);
    expect(Number(stop.headers['x-ms-ratelimit-remaining-subscription-writes'])).toBeGreaterThan(100);

    const deletes = [await rawRequest(emulator, 'DELETE', groupPath('nothing-here-1')), await rawRequest(emulator, 'DELETE', groupPath('nothing-here-2'))];
    expect(deletes.map((r) => r.status)).toEqual([204, 429]);
    expect(first(deletes).headers['x-ms-ratelimit-remaining-subscription-deletes']).toBe('0');
    expect(emulator.counters().throttled).toBeGreaterThanOrEqual(2);
  });

  it('the SDK honours Retry-After and succeeds once the bucket refills', async () => {
    emulator.setFaults({ throttling: { reads: { capacity: 1, refillPerSecond: 1 } } });
    const retrying = sdkClients(emulator, { maxRetries: 3 });
    await retrying.aci.containerGroups.get(RESOURCE_GROUP, 'throttle-group');
    const started = Date.now();
    await retrying.aci.containerGroups.get(RESOURCE_GROUP, 'throttle-group');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('a vanishing group is removed mid-run: its process is killed and GET answers 404 ResourceNotFound', async () => {
    emulator.setFaults({ vanish: { afterMs: 1_000, match: { name: 'vanish-*' } } });
    const pidFile = path.join(path.dirname(emulator.caCertPath), 'vanish.pid');
    await deploy(clients, 'dep-vanish', containerGroupTemplate('vanish-group', { command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`] }));
    // The pid file, not a GET, proves the container runs: a slow GET could land after the vanish.
    const pid = await waitForPid(pidFile);
    await waitForGroupGone(clients, 'vanish-group');
    await expect(clients.aci.containerGroups.get(RESOURCE_GROUP, 'vanish-group')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    await waitFor(() => !isAlive(pid), `the vanished group's process ${pid} to end`);
    expect(emulator.containerGroups().find((g) => g.name === 'vanish-group')).toMatchObject({ deleted: true });
  });

  it('setting vanish later removes groups that already run', async () => {
    await deploy(clients, 'dep-vanish-late', containerGroupTemplate('late-group', { command: ['sleep', '30'] }));
    await waitForContainerState(clients, 'late-group', 'Running');
    emulator.setFaults({ vanish: { afterMs: 100, match: { name: 'late-group' } } });
    await waitForGroupGone(clients, 'late-group');
    expect(emulator.containerGroups().find((g) => g.name === 'late-group')).toMatchObject({ deleted: true });
  });

  describe('control endpoint', () => {
    it('switches faults on with PATCH, reports them with GET and off again with null', async () => {
      const patched = await rawRequest(emulator, 'PATCH', '/_emulator/faults', { auth: false, body: JSON.stringify({ neverStart: { image: 'patched' } }) });
      expect(patched.status).toBe(200);
      expect(patched.json).toMatchObject({ neverStart: { image: 'patched' } });
      await deploy(clients, 'dep-patched', containerGroupTemplate('patched-group', { image: 'example.com/patched:1', command: ['true'] }));
      await waitPastPullDelay('control-after-patched');
      expect(first((await clients.aci.containerGroups.get(RESOURCE_GROUP, 'patched-group')).containers).instanceView?.currentState?.state).toBe('Waiting');

      await rawRequest(emulator, 'PATCH', '/_emulator/faults', { auth: false, body: JSON.stringify({ neverStart: null }) });
      expect((await rawRequest(emulator, 'GET', '/_emulator/faults', { auth: false })).json).toEqual({});
    });

    it('replaces every fault with PUT and counts the server error burst down', async () => {
      const put = await rawRequest(emulator, 'PUT', '/_emulator/faults', { auth: false, body: JSON.stringify({ serverErrors: { count: 1 } }) });
      expect(put.json).toEqual({ serverErrors: { count: 1, statusCode: 500 } });
      expect((await rawRequest(emulator, 'GET', groupPath('anything'))).status).toBe(500);
      expect((await rawRequest(emulator, 'GET', '/_emulator/faults', { auth: false })).json).toEqual({ serverErrors: { count: 0, statusCode: 500 } });
    });

    it('rejects an invalid fault configuration with the offending field and keeps the previous one', async () => {
      await rawRequest(emulator, 'PUT', '/_emulator/faults', { auth: false, body: JSON.stringify({ quotaExceeded: { name: 'keep' } }) });
      const bad = await rawRequest(emulator, 'PATCH', '/_emulator/faults', { auth: false, body: JSON.stringify({ slowDelete: { seconds: 'soon' } }) });
      expect(bad.status).toBe(400);
      expect(bad.json).toMatchObject({ error: { code: 'InvalidFaultConfiguration' } });
      expect((bad.json as { error: { message: string } }).error.message).toContain('slowDelete.seconds');
      expect((await rawRequest(emulator, 'GET', '/_emulator/faults', { auth: false })).json).toEqual({ quotaExceeded: { name: 'keep' } });
    });
  });
});
