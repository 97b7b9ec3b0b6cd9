import { readFileSync } from 'node:fs';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploy,
  groupPath,
  rawRequest,
  RESOURCE_GROUP,
  isAlive,
  sdkClients,
  SUBSCRIPTION_ID,
  waitForContainerState,
  waitForPid,
  type SdkClients,
} from './emulatorHarness';
import { first, nth } from '../../helpers/must';

const RFC3339_NANO_LINE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z (.*)$/;

describe('emulator container lifecycle through the Azure SDK for JS', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;
  let dataDir: string;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 100 });
    clients = sdkClients(emulator);
    dataDir = path.dirname(emulator.caCertPath);
  });
  afterAll(() => emulator.close());

  it('runs the container command as a process: Waiting, then Running, then Terminated with exit code 0', async () => {
    const deployment = await deploy(
      clients,
      'dep-exit-0',
      containerGroupTemplate('exit-zero', { command: ['sh', '-c', 'echo started; sleep 0.6; echo done'] }),
    );
    expect(deployment.properties?.provisioningState).toBe('Succeeded');

    const running = await waitForContainerState(clients, 'exit-zero', 'Running');
    expect(running.instanceView?.state).toBe('Running');
    expect(first(running.containers).instanceView?.currentState?.startTime).toBeInstanceOf(Date);
    expect(first(running.containers).instanceView?.events?.map((e) => e.name)).toEqual(['Pulling', 'Pulled', 'Started']);

    const finished = await waitForContainerState(clients, 'exit-zero', 'Terminated');
    const state = first(finished.containers).instanceView?.currentState;
    expect(state).toMatchObject({ state: 'Terminated', exitCode: 0, detailStatus: 'Completed' });
    expect(state?.finishTime?.getTime()).toBeGreaterThanOrEqual(state?.startTime?.getTime() ?? Infinity);
    expect(finished.instanceView?.state).toBe('Succeeded');
    expect(finished.provisioningState).toBe('Succeeded');
  });

  it('ends the container when its main process exits, even if a background process still holds the output open', async () => {
    await deploy(clients, 'dep-background', containerGroupTemplate('background-group', { command: ['sh', '-c', 'sleep 30 & echo main done'] }));
    const finished = await waitForContainerState(clients, 'background-group', 'Terminated', 5000);
    expect(first(finished.containers).instanceView?.currentState?.exitCode).toBe(0);
  });

  it('reports a non-zero exit code as Terminated with detailStatus Error and the group Failed', async () => {
    await deploy(clients, 'dep-exit-3', containerGroupTemplate('exit-three', { command: ['sh', '-c', 'exit 3'] }));
    const finished = await waitForContainerState(clients, 'exit-three', 'Terminated');
    expect(first(finished.containers).instanceView?.currentState).toMatchObject({ exitCode: 3, detailStatus: 'Error' });
    expect(finished.instanceView?.state).toBe('Failed');
  });

  it('passes environment variables and secure values to the process but never echoes secure values', async () => {
    await deploy(
      clients,
      'dep-env',
      containerGroupTemplate('env-group', { command: ['sh', '-c', 'echo "$PLAIN/$SECRET"'], env: { PLAIN: 'visible' }, secureEnv: { SECRET: 's3cret' } }),
    );
    const group = await waitForContainerState(clients, 'env-group', 'Terminated');
    const logs = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'env-group', 'main');
    expect(logs.content).toBe('visible/s3cret\n');
    expect(first(group.containers).environmentVariables).toEqual([{ name: 'PLAIN', value: 'visible' }, { name: 'SECRET' }]);
  });

  it('serves logs with tail and RFC 3339 nanosecond timestamps, including the last lines after exit, stdout and stderr in order', async () => {
    await deploy(
      clients,
      'dep-logs',
      containerGroupTemplate('logs-group', {
        command: ['sh', '-c', 'for i in 1 2 3 4 5; do echo "out $i"; done; sleep 0.1; echo "err 6" >&2; sleep 0.1; echo "last line"; exit 4'],
      }),
    );
    await waitForContainerState(clients, 'logs-group', 'Terminated');

    const all = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'logs-group', 'main');
    expect(all.content).toBe('out 1\nout 2\nout 3\nout 4\nout 5\nerr 6\nlast line\n');

    const tail = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'logs-group', 'main', { tail: 2, timestamps: true });
    const lines = (tail.content ?? '').trimEnd().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines.map((line) => RFC3339_NANO_LINE.exec(line)?.[1])).toEqual(['err 6', 'last line']);
    const stamps = lines.map((line) => first(line.split(' ')));
    expect(first(stamps) < nth(stamps, 1)).toBe(true);
  });

  it('keeps container output on disk under the data dir', async () => {
    await deploy(clients, 'dep-disk', containerGroupTemplate('disk-group', { command: ['sh', '-c', 'echo on disk'] }));
    await waitForContainerState(clients, 'disk-group', 'Terminated');
    const file = readFileSync(path.join(dataDir, 'containers', SUBSCRIPTION_ID, RESOURCE_GROUP, 'disk-group', 'main.log'), 'utf8');
    expect(file).toMatch(/^\S+Z on disk\n$/);
  });

  it('skips the Prefect entrypoint and runs its arguments', async () => {
    await deploy(
      clients,
      'dep-prefect',
      containerGroupTemplate('prefect-group', { image: 'prefecthq/prefect:3-latest', command: ['/opt/prefect/entrypoint.sh', 'sh', '-c', 'echo flow ran'] }),
    );
    await waitForContainerState(clients, 'prefect-group', 'Terminated');
    const logs = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'prefect-group', 'main');
    expect(logs.content).toBe('flow ran\n');
  });

  it('reports a command that cannot be started as Terminated with exit code 127 and a Failed event', async () => {
    await deploy(clients, 'dep-enoent', containerGroupTemplate('enoent-group', { command: ['/no/such/binary', '--flag'] }));
    const group = await waitForContainerState(clients, 'enoent-group', 'Terminated');
    const view = first(group.containers).instanceView;
    expect(view?.currentState?.exitCode).toBe(127);
    expect(view?.events?.find((e) => e.name === 'Failed')?.message).toContain('/no/such/binary');
  });

  it('reports a command Node refuses to spawn (empty program, NUL byte) as exit code 127 and keeps serving', async () => {
    await deploy(clients, 'dep-empty-command', containerGroupTemplate('empty-command', { command: [''] }));
    await deploy(clients, 'dep-nul-command', containerGroupTemplate('nul-command', { command: ['echo', 'a\u0000b'] }));
    for (const name of ['empty-command', 'nul-command']) {
      const group = await waitForContainerState(clients, name, 'Terminated');
      expect(first(group.containers).instanceView?.currentState?.exitCode).toBe(127);
    }
  });

  it('without a command runs the image default: exits 0 shortly after start', async () => {
    await deploy(clients, 'dep-default', containerGroupTemplate('default-group'));
    const group = await waitForContainerState(clients, 'default-group', 'Terminated');
    expect(first(group.containers).instanceView?.currentState?.exitCode).toBe(0);
  });

  it('stop ends the process, marks the container Terminated and the group Stopped', async () => {
    await deploy(clients, 'dep-stop', containerGroupTemplate('stop-group', { command: ['sh', '-c', 'echo up; sleep 30'] }));
    await waitForContainerState(clients, 'stop-group', 'Running');
    await clients.aci.containerGroups.stop(RESOURCE_GROUP, 'stop-group');
    const group = await waitForContainerState(clients, 'stop-group', 'Terminated', 5000);
    expect(group.instanceView?.state).toBe('Stopped');
    expect(first(group.containers).instanceView?.currentState?.exitCode).toBe(143);
    expect(first(group.containers).instanceView?.events?.map((e) => e.name)).toContain('Killing');
    expect(emulator.containerGroups().find((g) => g.name === 'stop-group')).toMatchObject({ stopped: true, deleted: false, state: 'Stopped' });
  });

  it('delete ends the process and the group is gone (404 ResourceNotFound) while its deployment record remains', async () => {
    await deploy(clients, 'dep-delete', containerGroupTemplate('delete-group', { command: ['sleep', '30'] }));
    await waitForContainerState(clients, 'delete-group', 'Running');
    await clients.aci.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'delete-group', { updateIntervalInMs: 50 });
    await expect(clients.aci.containerGroups.get(RESOURCE_GROUP, 'delete-group')).rejects.toMatchObject({ statusCode: 404, code: 'ResourceNotFound' });
    expect(emulator.containerGroups().find((g) => g.name === 'delete-group')).toMatchObject({ deleted: true });
    const deployment = await clients.resources.deployments.get(RESOURCE_GROUP, 'dep-delete');
    expect(deployment.properties?.provisioningState).toBe('Succeeded');

    await clients.resources.deployments.beginDeleteAndWait(RESOURCE_GROUP, 'dep-delete', { updateIntervalInMs: 50 });
    await expect(clients.resources.deployments.get(RESOURCE_GROUP, 'dep-delete')).rejects.toMatchObject({ statusCode: 404, code: 'DeploymentNotFound' });
  });

  it('deleting a group that does not exist answers 204, which the SDK treats as success, as in Azure', async () => {
    const response = await rawRequest(emulator, 'DELETE', groupPath('never-existed'));
    expect(response.status).toBe(204);
    await clients.aci.containerGroups.beginDeleteAndWait(RESOURCE_GROUP, 'never-existed', { updateIntervalInMs: 50 });
  });

  it('adopts an identical deployment PUT instead of creating a second group', async () => {
    const template = containerGroupTemplate('adopted-group', { command: ['sleep', '5'] });
    await deploy(clients, 'dep-adopt', template);
    const again = await deploy(clients, 'dep-adopt', template);
    expect(again.properties?.provisioningState).toBe('Succeeded');
    expect(emulator.containerGroups().filter((g) => g.name === 'adopted-group')).toHaveLength(1);
  });

  it('lists groups by resource group and by subscription with tags and without instance views', async () => {
    const byGroup = [];
    for await (const group of clients.aci.containerGroups.listByResourceGroup(RESOURCE_GROUP)) byGroup.push(group);
    const bySubscription = [];
    for await (const group of clients.aci.containerGroups.list()) bySubscription.push(group);
    expect(byGroup.map((g) => g.name)).toContain('exit-zero');
    expect(bySubscription.map((g) => g.name).sort()).toEqual(byGroup.map((g) => g.name).sort());
    const listed = byGroup.find((g) => g.name === 'exit-zero');
    expect(listed?.tags).toEqual({ 'managed-by': 'aci-flow' });
    expect(listed?.instanceView).toBeUndefined();
    expect(first(listed?.containers).instanceView).toBeUndefined();
  });

  it('close() kills container processes that are still running', async () => {
    const other = await startEmulator({ deploymentDelayMs: 50 });
    const otherClients = sdkClients(other);
    const pidFile = path.join(path.dirname(other.caCertPath), 'pid');
    await deploy(otherClients, 'dep-close', containerGroupTemplate('close-group', { command: ['sh', '-c', `echo $$ > ${pidFile}; exec sleep 30`] }));
    const pid = await waitForPid(pidFile);
    expect(isAlive(pid)).toBe(true);
    await other.close();
    expect(isAlive(pid)).toBe(false);
  });
});
