/**
 * Every activity calls Azure through the gateway of its run's identity (the pool's
 * aci_credentials), which the worker's factory picks; the secret stays a reference in
 * everything the workflow sees.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type CleanupInput } from '../../../src/activities';
import type { GatewayScope } from '../../../src/azure/gatewayFactory';
import { createGatewayFactory } from '../../../src/azure/gatewayFactory';
import type { AciCredentials } from '../../../src/config/jobConfiguration';
import { flowRunNames } from '../../../src/template/naming';
import { FakeGateway, failureOf, memoryLogSink, OWNER, TARGET, testPool } from './fakeGateway';

const CREDENTIALS: AciCredentials = { client_id: 'app-id', tenant_id: 'tenant-id', client_secret: 'secretref:ACI_SP_SECRET' };

const VALUES = { resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555', image: 'busybox', command: 'echo hi' };

function setup(secrets: Record<string, string>, credentials?: AciCredentials) {
  const workerGateway = new FakeGateway();
  const poolGateway = new FakeGateway();
  workerGateway.exists = false;
  poolGateway.exists = false;
  const scopes: GatewayScope[] = [];
  const secretsSeenByCredential: Array<string | undefined> = [];
  const gatewayFor = createGatewayFactory({
    defaultGateway: workerGateway,
    build: () => poolGateway,
    resolveSecret: (name) => secrets[name],
    credentialFor: (_credentials, clientSecret) => {
      secretsSeenByCredential.push(clientSecret);
      return { getToken: async () => null };
    },
  });
  const activities = createActivities({
    // aci_credentials is pool-only: it comes from the pool's variables, never per run.
    pool: testPool({}, { aci_credentials: credentials ?? null }),
    gateway: workerGateway,
    gatewayFor: (scope) => {
      scopes.push(scope);
      return gatewayFor(scope);
    },
    logSink: memoryLogSink().sink,
    resolveSecret: (name) => secrets[name],
  });
  return { activities, workerGateway, poolGateway, scopes, secretsSeenByCredential };
}

const inWorkflow = () => new MockActivityEnvironment({ workflowExecution: { workflowId: OWNER.workflowId, runId: 'run' } });

function deployInput() {
  return {
    flowRunId: OWNER.flowRunId,
    flowName: OWNER.flowName,
    workPool: 'test',
    values: VALUES,
    names: flowRunNames(OWNER.flowName, OWNER.flowRunId),
  };
}

describe('gateway selection per run identity', () => {
  it("deploys through the pool credential's gateway and hands the workflow the reference, never the secret", async () => {
    const { activities, workerGateway, poolGateway, scopes, secretsSeenByCredential } = setup({ ACI_SP_SECRET: 'sp-secret-value' }, CREDENTIALS);
    const output = await inWorkflow().run(activities.deploy, deployInput());
    expect(poolGateway.deployments).toHaveLength(1);
    expect(workerGateway.deployments).toEqual([]);
    expect(scopes).toEqual([{ subscriptionId: '11111111-2222-3333-4444-555555555555', credentials: CREDENTIALS }]);
    expect(secretsSeenByCredential).toEqual(['sp-secret-value']);
    expect(output).toEqual({ ...TARGET, credentials: CREDENTIALS, adopted: false });
    expect(JSON.stringify(output)).not.toContain('sp-secret-value');
  });

  it("deploys through the worker's own gateway when the pool names no credentials", async () => {
    const { activities, workerGateway, poolGateway } = setup({});
    const output = await inWorkflow().run(activities.deploy, deployInput());
    expect(workerGateway.deployments).toHaveLength(1);
    expect(poolGateway.deployments).toEqual([]);
    expect(output).not.toHaveProperty('credentials');
  });

  it("polls, streams and cleans up through the gateway of the target's credentials", async () => {
    const { activities, workerGateway, poolGateway, scopes } = setup({ ACI_SP_SECRET: 's' });
    poolGateway.exists = true;
    poolGateway.state = { state: 'Terminated', exitCode: 0 };
    const target = { ...TARGET, credentials: CREDENTIALS };
    const cleanup: CleanupInput = { flowRunId: OWNER.flowRunId, flowName: OWNER.flowName, target };
    await inWorkflow().run(activities.waitForStart, { target, deadlineEpochMs: Date.now() + 10_000, timeoutSeconds: 10, pollIntervalSeconds: 0.01 });
    await inWorkflow().run(activities.watch, { flowRunId: OWNER.flowRunId, target, pollIntervalSeconds: 0.01, streamOutput: true });
    await inWorkflow().run(activities.stopContainerGroup, cleanup);
    await inWorkflow().run(activities.deleteContainerGroup, cleanup);
    expect(poolGateway.stopped).toBe(1);
    expect(poolGateway.deleted).toBe(1);
    expect(workerGateway.calls).toEqual({});
    expect(scopes.every((scope) => scope.credentials === CREDENTIALS)).toBe(true);
    expect(scopes).toHaveLength(4);
  });

  it('fails the run non-retryably, naming the field, when the client secret cannot be resolved', async () => {
    const { activities, workerGateway, poolGateway } = setup({}, CREDENTIALS);
    const failure = await failureOf(inWorkflow().run(activities.deploy, deployInput()));
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toMatch(/^aci_credentials\.client_secret \(secretref:ACI_SP_SECRET\): cannot be resolved on this worker/);
    expect(poolGateway.deployments).toEqual([]);
    expect(workerGateway.deployments).toEqual([]);
  });

  it('cleanup fails at once, not retried for a day, when the credential cannot be built (no call could succeed)', async () => {
    const { activities } = setup({});
    const target = { ...TARGET, credentials: CREDENTIALS };
    const failure = await failureOf(inWorkflow().run(activities.deleteContainerGroup, { flowRunId: OWNER.flowRunId, flowName: OWNER.flowName, target }));
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
  });
});
