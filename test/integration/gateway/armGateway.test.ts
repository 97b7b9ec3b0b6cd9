import type { ArmGateway } from '../../../src/azure/armGateway';
import { AzureError } from '../../../src/azure/errors';
import { MANAGED_BY_TAG, MANAGED_BY_VALUE } from '../../../src/template/deployment';
import type { RunningEmulator } from '../../../src/emulator';
import { containerState, emulatorGateway, eventually, prepareRun, refOf, RESOURCE_GROUP, startEmulator, SUBSCRIPTION_ID } from './gatewayHarness';
import { NO_FAULTS } from '../../helpers/checkedEmulator';
import { first } from '../../helpers/must';

let emulator: RunningEmulator;
let gateway: ArmGateway;

beforeAll(async () => {
  emulator = await startEmulator();
  gateway = emulatorGateway(emulator);
});

afterAll(async () => {
  await emulator.close();
});

afterEach(() => emulator.setFaults(NO_FAULTS));

async function failureOf(promise: Promise<unknown>): Promise<AzureError> {
  const error = await promise.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(error).toBeInstanceOf(AzureError);
  return error as AzureError;
}

describe('deploy and watch', () => {
  it('deploys a prepared template whose container runs and then terminates with exit code 0', async () => {
    const prepared = prepareRun('etl', { command: "sh -c 'echo started; sleep 1.5; echo done'" });

    const result = await gateway.deploy(prepared);

    expect(result).toEqual({ deploymentName: prepared.deploymentName, provisioningState: 'Succeeded', adopted: false, tags: prepared.tags });
    const running = await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Running',
    );
    expect(running?.tags[MANAGED_BY_TAG]).toBe(MANAGED_BY_VALUE);
    expect(first(running?.containers).name).toBe(prepared.containerName);
    const terminated = await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Terminated',
    );
    expect(first(terminated?.containers).currentState).toMatchObject({ state: 'Terminated', exitCode: 0 });
    expect(first(terminated?.containers).currentState?.finishTime).toEqual(expect.any(String));
  });

  it('reports exit code 3 of a container that fails', async () => {
    const prepared = prepareRun('etl', { command: "sh -c 'echo failing; exit 3'" });

    await gateway.deploy(prepared);

    const terminated = await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Terminated',
    );
    expect(first(terminated?.containers).currentState?.exitCode).toBe(3);
  });

  it('adopts the deployment of an earlier attempt instead of creating a second group', async () => {
    const prepared = prepareRun('adopt-me', { command: "sh -c 'sleep 1'" });
    await gateway.deploy(prepared);
    emulator.resetCounters();

    const retried = await gateway.deploy(prepared);

    // The earlier attempt's tags come back, so the caller can check the deployment is its run's.
    expect(retried).toEqual({ deploymentName: prepared.deploymentName, provisioningState: 'Succeeded', adopted: true, tags: prepared.tags });
    expect(emulator.counters()['deployments.put'] ?? 0).toBe(0);
    expect(emulator.containerGroups().filter((group) => group.name === prepared.containerGroupName)).toHaveLength(1);
  });

  it('shows the waiting container and its events when the image never starts', async () => {
    const prepared = prepareRun('stuck', { image: 'example.com/never-starts:1' });

    await gateway.deploy(prepared);

    const view = await gateway.getContainerGroup(refOf(prepared));
    expect(containerState(view)).toBe('Waiting');
    expect(first(view?.containers).events.length ?? 0).toBeGreaterThan(0);
  });
});

describe('logs', () => {
  it('returns every line including the last ones written just before exit, with tail and timestamps', async () => {
    const prepared = prepareRun('chatty', { command: "sh -c 'for i in 1 2 3 4 5; do echo line-$i; done; echo last-words; exit 0'" });
    await gateway.deploy(prepared);
    await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Terminated',
    );
    const request = { ...refOf(prepared), containerName: prepared.containerName };

    const all = await gateway.getLogs(request);
    const tailed = await gateway.getLogs({ ...request, tail: 2 });
    const stamped = await gateway.getLogs({ ...request, timestamps: true });

    expect(all.trimEnd().split('\n')).toEqual(['line-1', 'line-2', 'line-3', 'line-4', 'line-5', 'last-words']);
    expect(tailed.trimEnd().split('\n')).toEqual(['line-5', 'last-words']);
    const stampedLines = stamped.trimEnd().split('\n');
    expect(stampedLines).toHaveLength(6);
    for (const line of stampedLines) expect(line).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z (line-\d|last-words)$/);
  });
});

describe('stop and delete', () => {
  it('stops a running group', async () => {
    const prepared = prepareRun('stoppable', { command: "sh -c 'sleep 30'" });
    await gateway.deploy(prepared);
    await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Running',
    );

    await gateway.stopContainerGroup(refOf(prepared));

    expect((await gateway.getContainerGroup(refOf(prepared)))?.state).toBe('Stopped');
    await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => containerState(view) === 'Terminated',
    );
  });

  it('waits for a slow delete to finish, then removes the deployment record too', async () => {
    const prepared = prepareRun('slow-delete', { command: "sh -c 'sleep 30'" });
    await gateway.deploy(prepared);
    emulator.setFaults({ slowDelete: { seconds: 2 } });
    const started = Date.now();

    await gateway.deleteContainerGroup({ ...refOf(prepared), deploymentName: prepared.deploymentName });

    expect(Date.now() - started).toBeGreaterThanOrEqual(1900);
    expect(await gateway.getContainerGroup(refOf(prepared))).toBeUndefined();
    expect(emulator.counters()['deployments.delete']).toBe(1);
    // The deployment record is gone, so the same names deploy afresh instead of being adopted.
    emulator.setFaults({ slowDelete: undefined });
    expect(await gateway.deploy(prepared)).toMatchObject({ adopted: false });
  });

  it('treats deleting or stopping a group that does not exist as done', async () => {
    const prepared = prepareRun('never-deployed');

    await expect(gateway.deleteContainerGroup({ ...refOf(prepared), deploymentName: prepared.deploymentName })).resolves.toBeUndefined();
    await expect(gateway.stopContainerGroup(refOf(prepared))).resolves.toBeUndefined();
  });
});

describe('deployment failures keep Azure code and message', () => {
  it('fails with a non-retryable InvalidTemplate for a template ARM cannot validate', async () => {
    const prepared = prepareRun('broken');
    const template = { ...prepared.template, resources: [{ type: 'Microsoft.ContainerInstance/containerGroups', apiVersion: '2023-05-01' }] };

    const error = await failureOf(gateway.deploy({ ...prepared, template }));

    expect(error).toMatchObject({ kind: 'invalid-template', retryable: false, statusCode: 400 });
    expect(error.code).toMatch(/^InvalidTemplate/);
    expect(error.message).toContain(prepared.deploymentName);
  });

  it('fails with a non-retryable ResourceGroupNotFound for a missing resource group', async () => {
    const prepared = prepareRun('lost', { resource_group_name: 'no-such-group' });

    const error = await failureOf(gateway.deploy(prepared));

    expect(error).toMatchObject({ kind: 'resource-group-not-found', retryable: false, code: 'ResourceGroupNotFound', statusCode: 404 });
    expect(error.azureMessage).toContain('no-such-group');
  });

  it("surfaces an image pull failure with Azure's InaccessibleImage message instead of the bare LRO failure", async () => {
    const prepared = prepareRun('pull', { image: 'registry.example.com/team/does-not-exist:1.0' });

    const error = await failureOf(gateway.deploy(prepared));

    expect(error).toMatchObject({ kind: 'image-pull', retryable: false, code: 'InaccessibleImage' });
    expect(error.azureMessage).toContain('registry.example.com/team/does-not-exist:1.0');
    expect(error.message).not.toContain('long-running operation has failed');
  });

  it('fails with a non-retryable quota error when the container group quota is reached', async () => {
    emulator.setFaults({ quotaExceeded: {} });
    const prepared = prepareRun('quota');

    const error = await failureOf(gateway.deploy(prepared));

    expect(error).toMatchObject({ kind: 'quota', retryable: false, code: 'ContainerGroupQuotaReached' });
  });
});

describe('throttling and server errors', () => {
  it("honours a 429's Retry-After, succeeds, and counts the throttled request", async () => {
    const throttledGateway = emulatorGateway(emulator, { limits: { readsPerSecond: 1000, burst: 1000 } });
    emulator.setFaults({ throttling: { reads: { capacity: 2, refillPerSecond: 1 } } });
    emulator.resetCounters();
    const ref = refOf(prepareRun('absent'));
    const started = Date.now();

    const views = await Promise.all([1, 2, 3].map(() => throttledGateway.getContainerGroup(ref)));

    expect(views).toEqual([undefined, undefined, undefined]);
    const throttled = emulator.counters().throttled ?? 0;
    expect(throttled).toBeGreaterThanOrEqual(1);
    expect(throttledGateway.armUsage().throttled.read).toBe(throttled);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
  });

  it('pauses the shared read budget after a 429 so concurrent requests wait instead of drawing more 429s', async () => {
    const throttledGateway = emulatorGateway(emulator, { limits: { readsPerSecond: 1000, burst: 1000 } });
    emulator.setFaults({ throttling: { reads: { capacity: 2, refillPerSecond: 2 } } });
    emulator.resetCounters();
    const ref = refOf(prepareRun('absent'));
    await throttledGateway.getContainerGroup(ref);
    await throttledGateway.getContainerGroup(ref);

    const throttledRead = throttledGateway.getContainerGroup(ref);
    await eventually(
      async () => throttledGateway.armUsage().throttled.read,
      (count) => count === 1,
      2000,
    );
    // Without the pause this read would reach the emulator's empty bucket and draw a second 429.
    const laterRead = throttledGateway.getContainerGroup(ref);
    await Promise.all([throttledRead, laterRead]);

    expect(emulator.counters().throttled).toBe(1);
    expect(throttledGateway.armUsage().throttled.read).toBe(1);
    expect(throttledGateway.armUsage().waitedMs.read).toBeGreaterThan(0);
  });

  it('fails with a retryable throttled error carrying Retry-After when 429s outlast the SDK retries', async () => {
    const impatient = emulatorGateway(emulator, { retryOptions: { maxRetries: 0 }, limits: { readsPerSecond: 1000, burst: 1000 } });
    emulator.setFaults({ throttling: { reads: { capacity: 1, refillPerSecond: 0.2 } } });
    const ref = refOf(prepareRun('absent'));
    await impatient.getContainerGroup(ref);

    const error = await failureOf(impatient.getContainerGroup(ref));

    expect(error).toMatchObject({ kind: 'throttled', retryable: true, statusCode: 429 });
    expect(error.retryAfterMs).toBeGreaterThanOrEqual(1000);
  });

  it('retries 5xx responses inside the SDK and succeeds', async () => {
    emulator.setFaults({ serverErrors: { count: 2, statusCode: 503 } });
    emulator.resetCounters();

    const view = await gateway.getContainerGroup(refOf(prepareRun('absent')));

    expect(view).toBeUndefined();
    expect(emulator.counters().serverErrors).toBe(2);
  });

  it('fails with a retryable transient error when 5xx responses outlast the SDK retries', async () => {
    emulator.setFaults({ serverErrors: { count: 3, statusCode: 500 } });

    const error = await failureOf(gateway.getContainerGroup(refOf(prepareRun('absent'))));

    expect(error).toMatchObject({ kind: 'transient', retryable: true, statusCode: 500 });
  });
});

describe('groups that vanish and listing', () => {
  it('reports a group deleted by someone else as not found', async () => {
    const prepared = prepareRun('vanishing', { command: "sh -c 'sleep 30'" });
    await gateway.deploy(prepared);
    emulator.setFaults({ vanish: { afterMs: 300, match: { name: prepared.containerGroupName } } });

    await eventually(
      () => gateway.getContainerGroup(refOf(prepared)),
      (view) => view === undefined,
    );
    const logsError = await failureOf(gateway.getLogs({ ...refOf(prepared), containerName: prepared.containerName }));

    expect(logsError).toMatchObject({ kind: 'not-found', retryable: false, statusCode: 404 });
  });

  it('lists only the groups tagged as managed by aci-flow, per resource group and per subscription', async () => {
    const managed = prepareRun('listed', { command: "sh -c 'sleep 30'" });
    const unmanaged = prepareRun('foreign', { command: "sh -c 'sleep 30'" });
    const foreignTemplate = JSON.parse(JSON.stringify(unmanaged.template)) as { resources: Array<{ tags?: unknown }> };
    delete first(foreignTemplate.resources).tags;
    await gateway.deploy(managed);
    await gateway.deploy({ ...unmanaged, template: foreignTemplate });

    const inGroup = await gateway.listManagedContainerGroups({ subscriptionId: SUBSCRIPTION_ID, resourceGroupName: RESOURCE_GROUP });
    const inSubscription = await gateway.listManagedContainerGroups({ subscriptionId: SUBSCRIPTION_ID });

    for (const listing of [inGroup, inSubscription]) {
      const names = listing.map((group) => group.name);
      expect(names).toContain(managed.containerGroupName);
      expect(names).not.toContain(unmanaged.containerGroupName);
    }
    expect(inGroup.find((group) => group.name === managed.containerGroupName)).toMatchObject({
      resourceGroupName: RESOURCE_GROUP,
      tags: expect.objectContaining({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE }),
    });
  });
});

describe('listManagedDeployments', () => {
  it("lists the resource group's deployments named aci-flow-…, with their tags and timestamp", async () => {
    const managed = prepareRun('deployments-listed', { command: "sh -c 'sleep 30'" });
    const other = prepareRun('not-ours', { command: "sh -c 'sleep 30'" });
    await gateway.deploy(managed);
    await gateway.deploy({ ...other, deploymentName: `someone-else-${other.containerGroupName}` });

    const listed = await gateway.listManagedDeployments({ subscriptionId: SUBSCRIPTION_ID, resourceGroupName: RESOURCE_GROUP });

    const names = listed.map((deployment) => deployment.name);
    expect(names).toContain(managed.deploymentName);
    expect(names).not.toContain(`someone-else-${other.containerGroupName}`);
    const entry = listed.find((deployment) => deployment.name === managed.deploymentName);
    expect(entry).toMatchObject({ resourceGroupName: RESOURCE_GROUP, provisioningState: 'Succeeded', tags: managed.tags });
    expect(Date.now() - Date.parse(entry?.timestamp ?? '')).toBeLessThan(60_000);
  });
});

describe('TLS', () => {
  it("refuses the emulator's certificate unless its CA is trusted, without retrying", async () => {
    const { createGateway } = await import('../../../src/azure/credentials');
    const untrusting = createGateway({ endpoint: emulator.endpoint, token: 'dev' });

    const error = await failureOf(untrusting.getContainerGroup(refOf(prepareRun('absent'))));

    expect(error.retryable).toBe(false);
    expect(error.code).toMatch(/CERT|SIGNATURE/);
    expect(error.message).toContain('ACI_FLOW_ARM_CA_FILE');
  });
});
