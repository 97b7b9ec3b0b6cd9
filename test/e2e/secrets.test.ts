/**
 * The trust boundary (docs/design.md), end to end: a real Temporal dev server, the ACI
 * emulator and an in-process worker. A legitimate reference reaches the container as a
 * secure value and nowhere else; a run that skipped client-side validation still cannot
 * route a secret elsewhere or read the worker's own credentials.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { StaticTokenCredential } from '../../src/azure/credentials';
import { defaultBaseJobTemplate } from '../../src/config';
import { prepareFlowRun, startFlowRun } from '../../src/client/flowRuns';
import {
  groupsOf,
  HistoryRecorder,
  readableHistory,
  readRunLog,
  runFailure,
  startTestFlowRun,
  testValues,
  uniqueRunId,
} from '../helpers/flowRuns';
import { startStack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type Stack } from '../helpers/stack';
import { first } from '../helpers/must';

jest.setTimeout(120_000);

/** Sets worker environment variables for one test and restores them after. */
async function withWorkerEnv<T>(vars: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const saved = Object.fromEntries(Object.keys(vars).map((name) => [name, process.env[name]]));
  Object.assign(process.env, vars);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('secrets across the trust boundary', () => {
  let stack: Stack;
  const histories = new HistoryRecorder(join(tmpdir(), `aci-flow-histories-secrets-${process.pid}`));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-secrets' });
    // The worker's default resolver: $ACI_FLOW_SECRETS_DIR files and ACI_FLOW_SECRET_* variables.
    await stack.startWorker();
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('a secretref: env value reaches the container as a secureValue, never history or the group as Azure shows it', async () => {
    const secret = `s3cr3t-${uniqueRunId('value')}`;
    await withWorkerEnv({ ACI_FLOW_SECRET_E2E_API_KEY: secret }, async () => {
      const run = await startTestFlowRun(stack, {
        values: {
          command: "sh -c 'echo \"key=$PREFECT_API_KEY\"'",
          env: { PREFECT_API_KEY: 'secretref:e2e-api-key' },
          keep_container_group: true,
        },
      });
      const result = await run.handle.result();
      expect(readRunLog(stack, run.flowRunId)).toEqual([`key=${secret}`]);

      const aci = new ContainerInstanceManagementClient(new StaticTokenCredential(), TEST_SUBSCRIPTION_ID, {
        endpoint: stack.emulator.endpoint,
        tlsOptions: { ca: stack.emulator.caCertPem },
      });
      const group = await aci.containerGroups.get(TEST_RESOURCE_GROUP, result.containerGroupName);
      const variables = first(group.containers).environmentVariables ?? [];
      // A secureValue is hidden on read, as Azure does; a plain value would be shown.
      expect(variables.find((variable) => variable.name === 'PREFECT_API_KEY')).toEqual({ name: 'PREFECT_API_KEY' });
      expect(JSON.stringify(group)).not.toContain(secret);

      const history = await readableHistory(run.handle);
      expect(history).toContain('secretref:e2e-api-key');
      expect(history).not.toContain(secret);
      expect(JSON.stringify((await run.handle.describe()).raw)).not.toContain(secret);
      await histories.save(run.handle);
    });
  });

  it.each<[string, Record<string, unknown>, RegExp]>([
    [
      "routes an allowed secret into a tag anyone can read",
      { labels: { leak: 'secretref:e2e-api-key' } },
      /^arm_template\.resources\[0\]\.tags\.leak: holds a secret reference/,
    ],
    [
      "asks for the worker's Azure credential",
      { env: { PREFECT_API_KEY: 'secretref:AZURE_CLIENT_SECRET' } },
      /^secretref:AZURE_CLIENT_SECRET: cannot be resolved on this worker/,
    ],
  ])('a run from a client that skipped validation and %s fails without deploying anything', async (_what, tampering, message) => {
    const workerOnly = `worker-only-${uniqueRunId('credential')}`;
    const allowed = `allowed-${uniqueRunId('value')}`;
    await withWorkerEnv({ AZURE_CLIENT_SECRET: workerOnly, ACI_FLOW_SECRET_E2E_API_KEY: allowed }, async () => {
      const prepared = prepareFlowRun({
        workPool: stack.workPool,
        flowName: 'e2e-flow',
        flowRunId: uniqueRunId('tampered'),
        pool: { name: stack.workPool, base_job_template: defaultBaseJobTemplate(), source: 'test' },
        values: testValues({ command: "sh -c 'env'" }),
      });
      // What a hand-written Temporal client could send: the validated input, edited afterwards.
      Object.assign(prepared.input.configuration, tampering);
      const run = await startFlowRun(stack.client, prepared);
      const failure = await runFailure(run.handle);
      expect(failure).toMatchObject({ type: 'InvalidConfiguration' });
      expect(failure.message).toMatch(message);
      expect(groupsOf(stack, prepared.containerGroupName)).toEqual([]);
      const history = await readableHistory(run.handle);
      expect(history).not.toContain(workerOnly);
      expect(history).not.toContain(allowed);
      await histories.save(run.handle);
    });
  });

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
