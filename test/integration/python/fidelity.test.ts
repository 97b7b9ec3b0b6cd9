/**
 * @needsTestTools — the Azure SDK for Python (tools/venv)
 */
import { execFile, execFileSync } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';

const REPO_ROOT = path.resolve(__dirname, '..', '..', '..');
const SCRIPT = path.join(__dirname, 'aci_fidelity.py');
const SUBSCRIPTION_ID = '99999999-8888-7777-6666-555555555555';
const RESOURCE_GROUP = 'aci-flow-test';

/** A client nobody on this project wrote: the published Azure SDK for Python must parse every emulator response. */
describe('emulator fidelity with the Azure SDK for Python', () => {
  let emulator: RunningEmulator;
  let report: Record<string, unknown>;

  beforeAll(async () => {
    // tools/venv, as scripts/setup.mjs provisions it (waiting for npm test's own install when that is under way).
    const python = execFileSync(process.execPath, [path.join(REPO_ROOT, 'scripts', 'setup.mjs'), '--print-python-path'], { encoding: 'utf8' }).trim();
    emulator = await startEmulator({ deploymentDelayMs: 100 });
    const { stdout } = await promisify(execFile)(python, [SCRIPT, emulator.endpoint, emulator.caCertPath, SUBSCRIPTION_ID, RESOURCE_GROUP], {
      timeout: 90_000,
    }).catch((error: { stderr?: string; message: string }) => {
      throw new Error(`aci_fidelity.py failed: ${error.stderr ?? error.message}`);
    });
    report = JSON.parse(stdout) as Record<string, unknown>;
  }, 120_000);
  afterAll(() => emulator?.close());

  it('returns no field the Python models do not know', () => {
    expect(report.unknownFields).toEqual({});
  });

  it('runs a deployment to Succeeded through the long-running operation protocol and reads it back', () => {
    expect(report.deployment).toEqual({ name: 'py-dep-exit', provisioningState: 'Succeeded', mode: 'Incremental' });
    expect(report.deploymentGet).toBe('Succeeded');
  });

  it('parses a terminated container with exit code, start and finish times and events', () => {
    const exited = report.exited as Record<string, unknown>;
    expect(exited).toMatchObject({ groupState: 'Failed', provisioningState: 'Succeeded', state: 'Terminated', detailStatus: 'Error', exitCode: 3 });
    expect(Date.parse(String(exited.finishTime))).toBeGreaterThanOrEqual(Date.parse(String(exited.startTime)));
    expect((exited.events as Array<{ name: string }>).map((e) => e.name)).toEqual(['Pulling', 'Pulled', 'Started']);
    expect(report.exitedLogsTail1).toMatch(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{9}Z hello from python\n$/);
  });

  it('parses a running group with its template properties, and its logs', () => {
    expect(report.running).toMatchObject({ groupState: 'Running', state: 'Running', exitCode: null, finishTime: null });
    expect(report.runningGroup).toEqual({
      name: 'py-run',
      id: `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.ContainerInstance/containerGroups/py-run`,
      location: 'eastus',
      tags: { 'managed-by': 'aci-flow', client: 'python' },
      osType: 'Linux',
      restartPolicy: 'Never',
      image: 'busybox',
      cpu: 1,
      memoryInGB: 1.5,
      env: [{ name: 'GREETING', value: 'hello from python' }],
    });
    expect(report.runningLogs).toBe('running\n');
  });

  it('lists groups by resource group and subscription without instance views', () => {
    expect(report.listed).toEqual(['py-exit', 'py-run']);
    expect(report.listedBySubscription).toEqual(['py-exit', 'py-run']);
    expect(report.listedHasInstanceView).toBe(false);
  });

  it('creates a group directly with begin_create_or_update, patches its tags, starts, restarts and deletes it', () => {
    expect(report.direct).toEqual({
      provisioningState: 'Succeeded',
      name: 'py-direct',
      state: 'Running',
      logs: 'direct from python\n',
      tags: { client: 'python', patched: 'yes' },
      restartedState: 'Running',
    });
  });

  it('stops a group: the container is Terminated and the group Stopped', () => {
    expect(report.stopped).toMatchObject({ groupState: 'Stopped', state: 'Terminated', exitCode: 143 });
  });

  it('deletes a group (then 404 ResourceNotFound) and a deployment record', () => {
    expect(report.afterDelete).toEqual({ status: 404, code: 'ResourceNotFound' });
    expect(report.deploymentsLeft).toEqual(['py-dep-exit']);
  });

  it('surfaces a failed deployment with the inner InaccessibleImage error on the deployment and its operations', () => {
    expect(report.failedDeploy).toEqual({
      raised: 'HttpResponseError',
      provisioningState: 'Failed',
      errorCode: 'DeploymentFailed',
      detailCodes: ['InaccessibleImage'],
      operationStatus: ['Failed'],
      operationErrorCodes: ['InaccessibleImage'],
    });
  });

  it('retries a throttled read after the Retry-After the emulator sent, then succeeds', () => {
    const throttled = report.throttled as { name: string; waitedSeconds: number };
    expect(throttled.name).toBe('py-exit');
    expect(throttled.waitedSeconds).toBeGreaterThanOrEqual(0.9);
  });

  it('maps an Azure error body to the SDK error with its code and message', () => {
    expect(report.missingResourceGroup).toMatchObject({ status: 404, code: 'ResourceGroupNotFound' });
    expect((report.missingResourceGroup as { message: string }).message).toContain("Resource group 'no-such-resource-group' could not be found");
  });
});
