/**
 * A pool's aci_credentials through the real worker wiring (a worker process started as the
 * CLI does): the client secret is resolved on the worker from its secret store, only the
 * reference travels in workflow input and history, and an unresolvable one fails the run
 * before anything is deployed. Against the emulator the static token is still sent. A run can
 * never reach the pool's client secret (issue 17): not through `start`, not through a raw
 * Temporal client the worker renders for.
 */
import type { PoolConfig } from '../../src/config';
import { ConfigError } from '../../src/config/errors';
import { prepareFlowRun, startFlowRun } from '../../src/client/flowRuns';
import { FailureTypes, FLOW_RUN_WORKFLOW, type FlowRunInput, taskQueueForPool, workflowIdForFlowRun } from '../../src/workflows/definitions';
import { flowRunNames } from '../../src/template/naming';
import { groupsOf, readableHistory, readRunLog, runFailure, status, testValues, uniqueRunId } from '../helpers/flowRuns';
import { startStack, testPool, type Stack } from '../helpers/stack';

jest.setTimeout(120_000);

const SECRET_VALUE = `sp-secret-${uniqueRunId('v')}`;

/** A pool whose worker deploys as a service principal, its client secret by reference. */
function poolWithCredentials(name: string, clientSecret: string): PoolConfig {
  return testPool(
    name,
    {},
    {
      aci_credentials: {
        client_id: '11111111-2222-3333-4444-555555555555',
        tenant_id: '66666666-7777-8888-9999-000000000000',
        client_secret: clientSecret,
      },
    },
  );
}

describe('aci_credentials of a work pool', () => {
  let stack: Stack;
  const pool = poolWithCredentials('e2e-aci-credentials', 'secretref:E2E_SP_SECRET');
  const missingPool = poolWithCredentials('e2e-aci-credentials-missing', 'secretref:E2E_MISSING_SP_SECRET');

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-aci-credentials', pool });
    // Each worker renders from its own pool file: one per pool.
    stack.spawnWorkerProcess({ env: { ACI_FLOW_SECRET_E2E_SP_SECRET: SECRET_VALUE } });
    stack.spawnWorkerProcess({ workPool: missingPool.name, pool: missingPool });
  });

  afterAll(async () => {
    await stack?.close();
  });

  function startOn(runPool: PoolConfig, values: Record<string, unknown> = {}) {
    const prepared = prepareFlowRun({
      workPool: runPool.name ?? stack.workPool,
      flowName: 'creds',
      flowRunId: uniqueRunId('creds'),
      pool: runPool,
      values: testValues({ command: "sh -c 'echo ok'", ...values }),
    });
    return startFlowRun(stack.client, prepared);
  }

  it('runs with the secret resolved on the worker; history holds only the reference', async () => {
    const run = await startOn(pool);
    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    const history = await readableHistory(run.handle);
    expect(history).toContain('secretref:E2E_SP_SECRET');
    expect(history).not.toContain(SECRET_VALUE);
  });

  it('fails without deploying, naming aci_credentials.client_secret, when the worker cannot resolve the secret', async () => {
    const run = await startOn(missingPool);
    const failure = await runFailure(run.handle);
    expect(failure.type).toBe('InvalidConfiguration');
    expect(failure.message).toMatch(/^aci_credentials\.client_secret \(secretref:E2E_MISSING_SP_SECRET\): cannot be resolved on this worker/);
    expect(failure.type).not.toBe(FailureTypes.startTimeout);
    const final = await status(run.handle);
    expect(final.phase).toBe('Failed');
    // No call can succeed without the credential: cleanup gives up at once, naming why, for the orphan sweeper.
    expect(final.cleanup).toEqual({
      state: 'abandoned',
      lastError: expect.stringMatching(/^aci_credentials\.client_secret \(secretref:E2E_MISSING_SP_SECRET\): cannot be resolved/),
    });
    expect(groupsOf(stack, final.containerGroupName)).toEqual([]);
  });

  it("a run cannot read the pool's service-principal secret: start refuses it, and so does the worker when a raw client sends it", async () => {
    const steal = { command: "sh -c 'echo stolen=$STEAL'", env: { STEAL: 'secretref:E2E_SP_SECRET' } };
    // What `aci-flow start` and `render` call: refused before anything starts (the CLI exits 2).
    expect(() => prepareFlowRun({ workPool: stack.workPool, flowName: 'creds', pool, values: testValues(steal) })).toThrow(ConfigError);

    // A raw Temporal client skips that check: the worker renders from its own pool file and refuses.
    const flowRunId = uniqueRunId('steal');
    const input: FlowRunInput = {
      flowRunId,
      flowName: 'creds',
      workPool: stack.workPool,
      values: testValues(steal),
      names: flowRunNames('creds', flowRunId),
    };
    const handle = await stack.client.workflow.start(FLOW_RUN_WORKFLOW, {
      workflowId: workflowIdForFlowRun(flowRunId),
      taskQueue: taskQueueForPool(stack.workPool),
      args: [input],
    });
    const failure = await runFailure(handle);
    expect(failure.type).toBe('InvalidConfiguration');
    expect(failure.message).toMatch(/^env\.STEAL: secretref:E2E_SP_SECRET is the secret of the pool's aci_credentials/);
    expect(groupsOf(stack, input.names.containerGroupName)).toEqual([]);
    expect(readRunLog(stack, flowRunId)).toEqual([]);
    expect(await readableHistory(handle)).not.toContain(SECRET_VALUE);
  });
});
