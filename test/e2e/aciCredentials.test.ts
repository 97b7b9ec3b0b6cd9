/**
 * A pool's aci_credentials through the real worker wiring (a worker process started as the
 * CLI does): the client secret is resolved on the worker from its secret store, only the
 * reference travels in workflow input and history, and an unresolvable one fails the run
 * before anything is deployed. Against the emulator the static token is still sent.
 */
import { defaultBaseJobTemplate } from '../../src/config';
import { prepareFlowRun, startFlowRun } from '../../src/client/flowRuns';
import { FailureTypes } from '../../src/workflows/definitions';
import { groupsOf, readableHistory, runFailure, status, testValues, uniqueRunId } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

const SECRET_VALUE = `sp-secret-${uniqueRunId('v')}`;

describe('aci_credentials of a work pool', () => {
  let stack: Stack;

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-aci-credentials' });
    stack.spawnWorkerProcess({ env: { ACI_FLOW_SECRET_E2E_SP_SECRET: SECRET_VALUE } });
  });

  afterAll(async () => {
    await stack?.close();
  });

  function startWithCredentials(clientSecret: string) {
    const template = defaultBaseJobTemplate();
    (template.variables.properties.aci_credentials as Record<string, unknown>).default = {
      client_id: '11111111-2222-3333-4444-555555555555',
      tenant_id: '66666666-7777-8888-9999-000000000000',
      client_secret: clientSecret,
    };
    const prepared = prepareFlowRun({
      workPool: stack.workPool,
      flowName: 'creds',
      flowRunId: uniqueRunId('creds'),
      pool: { name: stack.workPool, base_job_template: template, source: 'test' },
      values: testValues({ command: "sh -c 'echo ok'" }),
    });
    return startFlowRun(stack.client, prepared);
  }

  it('runs with the secret resolved on the worker; history holds only the reference', async () => {
    const run = await startWithCredentials('secretref:E2E_SP_SECRET');
    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    const history = await readableHistory(run.handle);
    expect(history).toContain('secretref:E2E_SP_SECRET');
    expect(history).not.toContain(SECRET_VALUE);
  });

  it('fails without deploying, naming aci_credentials.client_secret, when the worker cannot resolve the secret', async () => {
    const run = await startWithCredentials('secretref:E2E_MISSING_SP_SECRET');
    const failure = await runFailure(run.handle);
    expect(failure.type).toBe('InvalidConfiguration');
    expect(failure.message).toMatch(/^aci_credentials\.client_secret \(secretref:E2E_MISSING_SP_SECRET\): cannot be resolved on this worker/);
    expect(failure.type).not.toBe(FailureTypes.startTimeout);
    const final = await status(run.handle);
    expect(final.phase).toBe('Failed');
    // No call can succeed without the credential: cleanup gives up at once, naming why, for the orphan sweeper.
    expect(final.cleanup).toEqual({ state: 'abandoned', lastError: expect.stringMatching(/^aci_credentials\.client_secret \(secretref:E2E_MISSING_SP_SECRET\): cannot be resolved/) });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([]);
  });
});
