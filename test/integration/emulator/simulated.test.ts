import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  containerGroupTemplate,
  deploy,
  deploymentPath,
  groupPath,
  rawRequest,
  RESOURCE_GROUP,
  sdkClients,
  waitForContainerState,
  type SdkClients,
} from './emulatorHarness';
import { waitFor } from '../../helpers/waitFor';
import { first } from '../../helpers/must';

const SIM_IMAGE = 'aci-flow/sim:latest';

describe('emulator simulated containers (aci-flow/sim images)', () => {
  let emulator: RunningEmulator;
  let clients: SdkClients;

  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 50 });
    clients = sdkClients(emulator);
  });
  afterAll(() => emulator.close());

  async function lineCount(groupName: string): Promise<number> {
    const logs = await clients.aci.containers.listLogs(RESOURCE_GROUP, groupName, 'main');
    return (logs.content ?? '').split('\n').filter(Boolean).length;
  }

  it('follows the scripted timeline: Waiting for the start delay, Running for the duration, then Terminated with the exit code', async () => {
    // The start delay is long enough that a loaded machine still reads Waiting right after the deployment.
    await deploy(
      clients,
      'dep-sim',
      containerGroupTemplate('sim-timeline', { image: SIM_IMAGE, env: { SIM_START_DELAY_MS: '3000', SIM_DURATION_MS: '500', SIM_EXIT_CODE: '7' } }),
    );
    const waiting = await clients.aci.containerGroups.get(RESOURCE_GROUP, 'sim-timeline');
    expect(first(waiting.containers).instanceView?.currentState?.state).toBe('Waiting');
    const running = await waitForContainerState(clients, 'sim-timeline', 'Running');
    const finished = await waitForContainerState(clients, 'sim-timeline', 'Terminated');
    const state = first(finished.containers).instanceView?.currentState;
    expect(state).toMatchObject({ exitCode: 7, detailStatus: 'Error' });
    expect((state?.finishTime?.getTime() ?? 0) - (state?.startTime?.getTime() ?? 0)).toBe(500);
    expect(first(running.containers).instanceView?.currentState?.startTime).toEqual(state?.startTime);
    expect(finished.instanceView?.state).toBe('Failed');
  });

  it('writes "sim line N" at the configured rate, readable with tail and timestamps after exit', async () => {
    await deploy(
      clients,
      'dep-sim-logs',
      containerGroupTemplate('sim-logs', { image: SIM_IMAGE, env: { SIM_DURATION_MS: '400', SIM_LOG_LINES_PER_SECOND: '10' } }),
    );
    await waitForContainerState(clients, 'sim-logs', 'Terminated');
    const all = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'sim-logs', 'main');
    expect(all.content).toBe('sim line 1\nsim line 2\nsim line 3\nsim line 4\n');
    const tail = await clients.aci.containers.listLogs(RESOURCE_GROUP, 'sim-logs', 'main', { tail: 2, timestamps: true });
    expect(tail.content).toMatch(/^\S+Z sim line 3\n\S+Z sim line 4\n$/);
  });

  it('stop ends a running simulation with exit code 143 and keeps its lines', async () => {
    await deploy(
      clients,
      'dep-sim-stop',
      containerGroupTemplate('sim-stop', { image: SIM_IMAGE, env: { SIM_DURATION_MS: '60000', SIM_LOG_LINES_PER_SECOND: '20' } }),
    );
    await waitForContainerState(clients, 'sim-stop', 'Running');
    await waitFor(async () => (await lineCount('sim-stop')) >= 2, 'sim-stop to write two lines');
    await clients.aci.containerGroups.stop(RESOURCE_GROUP, 'sim-stop');
    const stopped = await clients.aci.containerGroups.get(RESOURCE_GROUP, 'sim-stop');
    expect(stopped.instanceView?.state).toBe('Stopped');
    expect(first(stopped.containers).instanceView?.currentState).toMatchObject({ state: 'Terminated', exitCode: 143 });
    const before = (await clients.aci.containers.listLogs(RESOURCE_GROUP, 'sim-stop', 'main')).content;
    expect(before).toMatch(/^sim line 1\nsim line 2\n/);
    // A simulation started after the stop, at the same rate, writing three lines proves that
    // sim-stop had time for three more lines too, had the stop not ended it.
    await deploy(
      clients,
      'dep-sim-clock',
      containerGroupTemplate('sim-clock', { image: SIM_IMAGE, env: { SIM_DURATION_MS: '60000', SIM_LOG_LINES_PER_SECOND: '20' } }),
    );
    await waitFor(async () => (await lineCount('sim-clock')) >= 3, 'sim-clock to write three lines');
    expect((await clients.aci.containers.listLogs(RESOURCE_GROUP, 'sim-stop', 'main')).content).toBe(before);
  });

  it('rejects invalid simulation settings before creating anything', async () => {
    const response = await rawRequest(emulator, 'PUT', deploymentPath('dep-sim-bad'), {
      body: JSON.stringify({
        properties: { mode: 'Incremental', template: containerGroupTemplate('sim-bad', { image: SIM_IMAGE, env: { SIM_EXIT_CODE: 'often' } }) },
      }),
    });
    expect(response.status).toBe(400);
    expect(response.json).toMatchObject({ error: { code: 'InvalidTemplateDeployment', details: [{ code: 'InvalidSimulationSettings' }] } });
  });

  it('carries 1000 concurrent groups cheaply', async () => {
    const count = 1000;
    const heapBefore = process.memoryUsage().heapUsed;
    const started = Date.now();
    const names = Array.from({ length: count }, (_, i) => `scale-${i}`);
    for (let i = 0; i < count; i += 100) {
      await Promise.all(
        names.slice(i, i + 100).map(async (name) => {
          const template = containerGroupTemplate(name, { image: SIM_IMAGE, env: { SIM_DURATION_MS: '600000', SIM_LOG_LINES_PER_SECOND: '5' } });
          const response = await rawRequest(emulator, 'PUT', deploymentPath(`dep-${name}`), {
            body: JSON.stringify({ properties: { mode: 'Incremental', template } }),
          });
          expect(response.status).toBe(201);
        }),
      );
    }
    const stateOf = async (name: string) =>
      ((await rawRequest(emulator, 'GET', groupPath(name))).json as { properties: { instanceView: { state: string } } }).properties.instanceView.state;
    let waiting = names;
    await waitFor(
      async () => {
        // In batches of 100, as the groups were created: 1000 TLS connections at once reset under load.
        const states: Array<readonly [string, string]> = [];
        for (let i = 0; i < waiting.length; i += 100) {
          states.push(...(await Promise.all(waiting.slice(i, i + 100).map(async (name) => [name, await stateOf(name)] as const))));
        }
        expect(states.map(([, state]) => state).filter((state) => state !== 'Running' && state !== 'Pending')).toEqual([]);
        waiting = states.filter(([, state]) => state !== 'Running').map(([name]) => name);
        return waiting.length === 0;
      },
      'all 1000 groups to be Running',
      { intervalMs: 200 },
    );
    expect(Date.now() - started).toBeLessThan(30_000);
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(200 * 1024 * 1024);
    expect(emulator.containerGroups().filter((g) => g.name.startsWith('scale-') && !g.deleted)).toHaveLength(count);
  });
});
