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
import { prepareFlowRun, startFlowRun } from '../../src/client/flowRuns';
import { flowRunNames } from '../../src/template/naming';
import { FLOW_RUN_WORKFLOW, type FlowRunInput, taskQueueForPool, workflowIdForFlowRun } from '../../src/workflows/definitions';
import { groupsOf, HistoryRecorder, readableHistory, readRunLog, runFailure, startTestFlowRun, testValues, uniqueRunId } from '../helpers/flowRuns';
import { startStack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, testPool, type Stack } from '../helpers/stack';
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
    // Runs may reference e2e-api-key; AZURE_CLIENT_SECRET is listed too, to show a listed name still reaches only ACI_FLOW_SECRET_*.
    stack = await startStack({ workPool: 'e2e-secrets', pool: testPool('e2e-secrets', { run_secret_names: ['e2e-api-key', 'AZURE_CLIENT_SECRET'] }) });
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
          command: 'sh -c \'echo "key=$PREFECT_API_KEY"\'',
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
      'routes an allowed secret into a tag anyone can read',
      { labels: { leak: 'secretref:e2e-api-key' } },
      /^job_configuration\.labels\.leak: holds a secret reference/,
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
        pool: stack.pool,
        values: testValues({ command: "sh -c 'env'" }),
      });
      // What a hand-written Temporal client could send: the validated input, edited afterwards.
      Object.assign(prepared.input.values, tampering);
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

  it.each<[string, (input: FlowRunInput) => unknown, string, RegExp]>([
    [
      'carries a rendered configuration',
      (input) => ({ ...input, configuration: { image: 'evil', cpu: 4, aci_credentials: { client_id: 'other-sp' } } }),
      'InvalidFlowRunInput',
      /^configuration: not part of a flow run's input, which carries only flowRunId, flowName, workPool, values, names/,
    ],
    [
      'names another service principal',
      (input) => ({
        ...input,
        values: { ...input.values, aci_credentials: { client_id: 'other-sp', tenant_id: 't', client_secret: 'secretref:e2e-api-key' } },
      }),
      'InvalidConfiguration',
      /^aci_credentials: is set by the work pool only/,
    ],
    [
      'brings its own ARM template',
      (input) => ({ ...input, values: { ...input.values, arm_template: { resources: [] } } }),
      'InvalidConfiguration',
      /^arm_template: is not a variable of this work pool/,
    ],
    ['asks for 1e9 CPUs', (input) => ({ ...input, values: { ...input.values, cpu: 1e9 } }), 'InvalidConfiguration', /^cpu: must be at most 31/],
    ['asks for -1 GB of memory', (input) => ({ ...input, values: { ...input.values, memory: -1 } }), 'InvalidConfiguration', /^memory: /],
    [
      'puts a literal PREFECT_API_KEY in env',
      (input) => ({ ...input, values: { ...input.values, env: { PREFECT_API_KEY: 'pnu_literal' } } }),
      'InvalidConfiguration',
      /env\.PREFECT_API_KEY holds a literal secret/,
    ],
    [
      "uses another run's names",
      (input) => ({ ...input, names: flowRunNames('e2e-flow', 'victim-run') }),
      'FlowRunNamesMismatch',
      /^names\.containerGroupName, names\.deploymentName in the workflow input are not/,
    ],
    [
      'claims another work pool',
      (input) => ({ ...input, workPool: 'other-pool' }),
      'InvalidFlowRunInput',
      /^workPool: is "other-pool", but this worker serves pool "e2e-secrets"/,
    ],
  ])(
    'a raw @temporalio/client start of flowRunWorkflow that %s is refused non-retryably, naming the rule, with nothing deployed',
    async (_what, forge, type, message) => {
      const flowRunId = uniqueRunId('forged');
      const deploymentsBefore = stack.emulator.counters()['deployments.put'] ?? 0;
      const input: FlowRunInput = {
        flowRunId,
        flowName: 'e2e-flow',
        workPool: stack.workPool,
        values: testValues({ command: "sh -c 'echo forged'" }),
        names: flowRunNames('e2e-flow', flowRunId),
      };
      const handle = await stack.client.workflow.start(FLOW_RUN_WORKFLOW, {
        workflowId: workflowIdForFlowRun(flowRunId),
        taskQueue: taskQueueForPool(stack.workPool),
        args: [forge(input)],
      });
      const failure = await runFailure(handle);
      expect(failure.type).toBe(type);
      expect(failure.message).toMatch(message);
      // One attempt: a refusal is final, not retried until a timeout.
      const events = (await handle.fetchHistory()).events ?? [];
      expect(events.length).toBeLessThanOrEqual(12);
      expect(groupsOf(stack, input.names.containerGroupName)).toEqual([]);
      expect(groupsOf(stack, flowRunNames('e2e-flow', 'victim-run').containerGroupName)).toEqual([]);
      expect(stack.emulator.counters()['deployments.put'] ?? 0).toBe(deploymentsBefore);
    },
  );

  it('replays every recorded history with the current workflow code', async () => {
    expect(histories.count).toBeGreaterThan(0);
    expect(await histories.replayAll()).toEqual([]);
  });
});
