import { ActivityCancellationDetails, ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities, type CleanupInput } from '../../../src/activities';
import { AzureError } from '../../../src/azure/errors';
import type { DeploymentRequest, OperationOptions } from '../../../src/azure/gateway';
import { FLOW_RUN_ID_TAG, WORKFLOW_ID_TAG } from '../../../src/template/deployment';
import { flowRunNames } from '../../../src/template/naming';
import { waitFor } from '../../helpers/waitFor';
import { FakeGateway, memoryLogSink, failureOf, OWNER, OWNER_TAGS, TARGET, testPool } from './fakeGateway';
import { first } from '../../helpers/must';

/** The pool the worker renders from: the default template, its runs allowed to reference API_KEY. */
const pool = testPool({ run_secret_names: ['API_KEY'] });
const values = {
  resource_group_name: 'rg',
  subscription_id: '11111111-2222-3333-4444-555555555555',
  image: 'busybox',
  command: 'echo hi',
  env: { PREFECT_API_KEY: 'secretref:API_KEY' },
};
const input = {
  flowRunId: OWNER.flowRunId,
  flowName: OWNER.flowName,
  // MockActivityEnvironment's task queue: the pool this worker serves.
  workPool: 'test',
  values,
  names: flowRunNames(OWNER.flowName, OWNER.flowRunId),
};
const cleanupInput: CleanupInput = { flowRunId: OWNER.flowRunId, flowName: OWNER.flowName, target: TARGET };

/** Activities run inside the run's own workflow, as the worker would run them. */
function inWorkflow(workflowId = OWNER.workflowId, attempt = 1) {
  return new MockActivityEnvironment({ attempt, workflowExecution: { workflowId, runId: 'run' } });
}

/** No group yet, as before a run's first deployment. */
function setup(secrets: Record<string, string>) {
  const gateway = new FakeGateway();
  gateway.exists = false;
  const activities = createActivities({ gateway, pool, logSink: memoryLogSink().sink, resolveSecret: (name) => secrets[name] });
  return { gateway, activities };
}

describe('deploy activity', () => {
  it('deploys with deterministic names and resolves secret references only in the request sent to Azure', async () => {
    const { gateway, activities } = setup({ API_KEY: 'top-secret-value' });
    const output = await inWorkflow().run(activities.deploy, input);
    expect(output).toEqual({ ...TARGET, adopted: false });
    expect(first(gateway.deployments).tags).toMatchObject(OWNER_TAGS);
    expect(JSON.stringify(gateway.deployments[0])).toContain('top-secret-value');
    expect(JSON.stringify(gateway.deployments[0])).not.toContain('secretref:');
    expect(JSON.stringify(output)).not.toContain('top-secret-value');
  });

  it('skips the deployment look-up on a first attempt that finds no group, and looks on every retry or when a group exists', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    await inWorkflow().run(activities.deploy, input);
    // A worker killed mid-attempt-1 shows up as attempt 2: the PUT may have gone out.
    await inWorkflow(OWNER.workflowId, 2).run(activities.deploy, input);
    gateway.exists = true;
    await inWorkflow().run(activities.deploy, input);
    expect(gateway.deploymentLookUps).toEqual([false, true, true]);
    expect(gateway.deployments).toHaveLength(1);
  });

  it("cleanup after this run's deploy returned deletes without reading the group again; without it, it reads the tags first", async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    await inWorkflow().run(activities.deploy, input);
    const groupReads = () => gateway.priorities.filter((call) => call.method === 'getContainerGroup').length;
    const readsBefore = groupReads();
    await inWorkflow().run(activities.deleteContainerGroup, { ...cleanupInput, deployed: true });
    expect(groupReads()).toBe(readsBefore);
    expect(gateway.deleteRequests.at(-1)).toMatchObject({ containerGroupName: TARGET.containerGroupName, deploymentName: TARGET.deploymentName });
    gateway.exists = true;
    await inWorkflow().run(activities.deleteContainerGroup, cleanupInput);
    expect(groupReads()).toBe(readsBefore + 1);
    expect(gateway.deleted).toBe(2);
  });

  it('adopts its own group and deployment on a retry instead of deploying a second group', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    await inWorkflow().run(activities.deploy, input);
    const retry = await inWorkflow(OWNER.workflowId, 2).run(activities.deploy, input);
    expect(retry).toEqual({ ...TARGET, adopted: true });
    expect(gateway.deployments).toHaveLength(1);
  });

  it('fails non-retryably, naming the reference, when the worker cannot resolve a secret', async () => {
    const { gateway, activities } = setup({});
    const failure = await failureOf(inWorkflow().run(activities.deploy, input));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toContain('secretref:API_KEY');
    expect(gateway.deployments).toEqual([]);
  });

  it('refuses non-retryably values that skipped validation and route a secret into a tag, deploying nothing', async () => {
    const { gateway, activities } = setup({ API_KEY: 'top-secret-value' });
    const tampered = { ...input, values: { ...values, labels: { leak: 'secretref:API_KEY' } } };
    const failure = await failureOf(inWorkflow().run(activities.deploy, tampered));
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toMatch(/^job_configuration\.labels\.leak: holds a secret reference/);
    expect(failure.message).not.toContain('top-secret-value');
    expect(gateway.deployments).toEqual([]);
  });

  it('renders from its own pool, never from a configuration in the input: an input carrying one is refused, deploying nothing', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const forged = { ...input, configuration: { image: 'evil', cpu: 1e9 } } as typeof input;
    const failure = await failureOf(inWorkflow().run(activities.deploy, forged));
    expect(failure).toMatchObject({ type: 'InvalidFlowRunInput', nonRetryable: true });
    expect(failure.message).toMatch(/^configuration: not part of a flow run's input/);
    expect(gateway.deployments).toEqual([]);
  });

  it('refuses to deploy where the workflow does not expect it (the pool changed between the two renders)', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const failure = await failureOf(inWorkflow().run(activities.deploy, { ...input, expectedTarget: { ...TARGET, resourceGroupName: 'other-rg' } }));
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toMatch(/differs from the one the run was rendered with \(resourceGroupName\)/);
    expect(gateway.deployments).toEqual([]);
  });

  it('sends the resolved secret as a secureString parameter, never in the template', async () => {
    const { gateway, activities } = setup({ API_KEY: 'top-secret-value' });
    await inWorkflow().run(activities.deploy, input);
    const sent = first(gateway.deployments);
    expect(JSON.stringify(sent.template)).not.toContain('top-secret-value');
    expect(sent.parameters.aciFlowSecret0).toEqual({ value: 'top-secret-value' });
  });

  it("fails non-retryably with Azure's code when the deployment is rejected", async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    gateway.failNext.deploy = new AzureError({ code: 'InaccessibleImage', azureMessage: 'no such image', kind: 'image-pull', retryable: false });
    const failure = await failureOf(inWorkflow().run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'InaccessibleImage', nonRetryable: true });
  });
});

describe('one flow run, one container group', () => {
  const victim = { flowRunId: 'victim-7', workflowId: 'flow-run-victim-7' };
  const victimTags = { ...OWNER_TAGS, [FLOW_RUN_ID_TAG]: victim.flowRunId, [WORKFLOW_ID_TAG]: victim.workflowId };

  it("refuses workflow input that carries another run's names, before reading or deploying anything", async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const hostile = { ...input, names: flowRunNames('etl', victim.flowRunId) };
    const failure = await failureOf(inWorkflow().run(activities.deploy, hostile));
    expect(failure).toMatchObject({ type: 'FlowRunNamesMismatch', nonRetryable: true });
    expect(failure.message).toContain(`names.containerGroupName, names.deploymentName in the workflow input are not flow run "run-1"'s`);
    expect(failure.message).toContain("containerGroupName 'etl-run-1'");
    expect(gateway.deployments).toEqual([]);
  });

  it('refuses workflow input without names, or with one name changed', async () => {
    const { activities } = setup({ API_KEY: 'x' });
    const { names: _omitted, ...withoutNames } = input;
    const missing = await failureOf(inWorkflow().run(activities.deploy, withoutNames as typeof input));
    expect(missing).toMatchObject({ type: 'InvalidFlowRunInput', nonRetryable: true });
    expect(missing.message).toMatch(/^names: /);
    const renamed = { ...input, names: { ...input.names, deploymentName: 'aci-flow-etl-victim-7' } };
    const failure = await failureOf(inWorkflow().run(activities.deploy, renamed));
    expect(failure.message).toMatch(/^names\.deploymentName in the workflow input is not/);
  });

  it('does not adopt, deploy over or later delete a group of its name that another run owns', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    gateway.exists = true;
    gateway.tags = victimTags;
    const failure = await failureOf(inWorkflow().run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'ResourceOwnedByAnotherFlowRun', nonRetryable: true });
    expect(failure.message).toContain(`Container group 'etl-run-1' already exists and belongs to flow run "victim-7"`);
    expect(gateway.deployments).toEqual([]);

    await inWorkflow().run(activities.deleteContainerGroup, cleanupInput);
    await inWorkflow().run(activities.stopContainerGroup, cleanupInput);
    expect({ deleted: gateway.deleted, stopped: gateway.stopped, exists: gateway.exists }).toEqual({ deleted: 0, stopped: 0, exists: true });
  });

  it('does not adopt an untagged group, which is nobody aci-flow may touch', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    gateway.exists = true;
    gateway.tags = {};
    const failure = await failureOf(inWorkflow().run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'ResourceOwnedByAnotherFlowRun', nonRetryable: true });
    expect(failure.message).toContain('no flow run (no aci-flow-flow-run-id tag)');
  });

  it('does not adopt a group created by another workflow for the same flow run id', async () => {
    const { activities } = setup({ API_KEY: 'x' });
    await inWorkflow('someone-elses-workflow').run(activities.deploy, input);
    const failure = await failureOf(inWorkflow().run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'ResourceOwnedByAnotherFlowRun', nonRetryable: true });
    expect(failure.message).toContain('(workflow someone-elses-workflow)');
  });

  it('does not adopt a deployment of its name whose tags name another run (a retry looks for one)', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    gateway.deployments.push({
      subscriptionId: '11111111-2222-3333-4444-555555555555',
      resourceGroupName: 'rg',
      deploymentName: TARGET.deploymentName,
      template: {},
      parameters: {},
      tags: victimTags,
    });
    const failure = await failureOf(inWorkflow(OWNER.workflowId, 2).run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'ResourceOwnedByAnotherFlowRun', nonRetryable: true });
    expect(failure.message).toContain(`Deployment '${TARGET.deploymentName}' already exists and belongs to flow run "victim-7"`);
  });

  it("cleanup with another run's names deletes neither that run's group nor its deployment", async () => {
    const { gateway, activities } = setup({});
    const victimNames = flowRunNames('etl', victim.flowRunId);
    const hostileTarget = { ...TARGET, ...victimNames };
    // The victim's group is there: its tags protect it.
    gateway.exists = true;
    gateway.tags = victimTags;
    await inWorkflow().run(activities.deleteContainerGroup, { ...cleanupInput, target: hostileTarget });
    expect(gateway.deleteRequests).toEqual([]);
    // The victim's group is gone already: its deployment record is not this run's to delete either.
    gateway.exists = false;
    await inWorkflow().run(activities.deleteContainerGroup, { ...cleanupInput, target: hostileTarget });
    expect(gateway.deleteRequests).toEqual([expect.objectContaining({ containerGroupName: victimNames.containerGroupName, deploymentName: undefined })]);
  });
});

describe('cleanup activities', () => {
  it('stops its own group and does nothing when the group was never created', async () => {
    const { gateway, activities } = setup({});
    gateway.exists = true;
    await inWorkflow().run(activities.stopContainerGroup, cleanupInput);
    expect(gateway.stopped).toBe(1);
    gateway.exists = false;
    await inWorkflow().run(activities.stopContainerGroup, cleanupInput);
    expect(gateway.stopped).toBe(1);
  });

  it('deletes its own group and deployment, surfacing a retryable failure when Azure answers 5xx', async () => {
    const { gateway, activities } = setup({});
    gateway.exists = true;
    gateway.failNext.deleteContainerGroup = new AzureError({
      code: 'InternalServerError',
      azureMessage: 'oops',
      kind: 'transient',
      retryable: true,
      statusCode: 500,
    });
    const failure = await failureOf(inWorkflow().run(activities.deleteContainerGroup, cleanupInput));
    expect(failure).toMatchObject({ type: 'InternalServerError', nonRetryable: false });
    await inWorkflow().run(activities.deleteContainerGroup, cleanupInput);
    expect(gateway.deleted).toBe(1);
    expect(gateway.deleteRequests.at(-1)).toMatchObject({ containerGroupName: TARGET.containerGroupName, deploymentName: TARGET.deploymentName });
  });

  it('deletes its own deployment when the group is already gone', async () => {
    const { gateway, activities } = setup({});
    await inWorkflow().run(activities.deleteContainerGroup, cleanupInput);
    expect(gateway.deleteRequests).toEqual([expect.objectContaining({ deploymentName: TARGET.deploymentName })]);
  });
});

describe('cleanup never gives up on its own: every failure is retryable', () => {
  const forbidden = () =>
    new AzureError({ code: 'AuthorizationFailed', azureMessage: 'no delete permission', kind: 'authorization', retryable: false, statusCode: 403 });

  it('turns an AuthorizationFailed delete or stop into a retryable failure with Azure code and message kept', async () => {
    const { gateway, activities } = setup({});
    gateway.exists = true;
    gateway.failNext.deleteContainerGroup = forbidden();
    const deleteFailure = await failureOf(inWorkflow().run(activities.deleteContainerGroup, cleanupInput));
    expect(deleteFailure).toBeInstanceOf(ApplicationFailure);
    expect(deleteFailure).toMatchObject({ type: 'AuthorizationFailed', nonRetryable: false });
    expect(deleteFailure.message).toContain('no delete permission');
    gateway.failNext.stopContainerGroup = forbidden();
    const stopFailure = await failureOf(inWorkflow().run(activities.stopContainerGroup, cleanupInput));
    expect(stopFailure).toMatchObject({ type: 'AuthorizationFailed', nonRetryable: false });
    expect(gateway.exists).toBe(true);
  });
});

/** The deployment runs until the activity's abort signal fires, like ARM's long-running PUT; resolves once it was sent. */
function deployUntilAborted(gateway: FakeGateway): Promise<void> {
  return new Promise((sent) => {
    gateway.deploy = (_request: DeploymentRequest, options?: OperationOptions) =>
      new Promise<never>((_resolve, reject) => {
        options?.abortSignal?.addEventListener('abort', () =>
          reject(new AzureError({ code: 'RequestAborted', azureMessage: 'aborted', kind: 'transient', retryable: true })),
        );
        sent();
      });
  });
}

describe('cancel while deploying', () => {
  it('cancels its own ARM deployment when the activity is cancelled mid-deployment', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const environment = inWorkflow();
    const sent = deployUntilAborted(gateway);
    const deploying = failureOf(environment.run(activities.deploy, input));
    await sent;
    environment.cancel();
    await deploying;
    expect(gateway.cancelRequests).toEqual([expect.objectContaining({ deploymentName: TARGET.deploymentName, resourceGroupName: 'rg' })]);
  });

  it('leaves the deployment running for the next attempt when the worker shuts down', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const environment = inWorkflow();
    const sent = deployUntilAborted(gateway);
    const deploying = failureOf(environment.run(activities.deploy, input));
    await sent;
    environment.cancel('WORKER_SHUTDOWN', new ActivityCancellationDetails({ workerShutdown: true }));
    await deploying;
    expect(gateway.cancelRequests).toEqual([]);
  });

  it("the cancelDeployment activity cancels this run's deployment, and never one named by foreign input", async () => {
    const { gateway, activities } = setup({});
    expect(await inWorkflow().run(activities.cancelDeployment, cleanupInput)).toBe('absent');
    expect(gateway.cancelRequests).toEqual([expect.objectContaining({ deploymentName: TARGET.deploymentName })]);
    const foreign = { ...cleanupInput, target: { ...TARGET, ...flowRunNames('etl', 'victim-7') } };
    expect(await inWorkflow().run(activities.cancelDeployment, foreign)).toBe('foreign');
    expect(gateway.cancelRequests).toHaveLength(1);
  });
});

describe('start deadline while deploying', () => {
  it('cancels its own deployment still running at the start deadline and fails as a start timeout', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    // Only the fake it installs matters here; its "request sent" promise never rejects.
    void deployUntilAborted(gateway);
    const failure = await failureOf(inWorkflow().run(activities.deploy, { ...input, startDeadlineEpochMs: Date.now() + 200 }));
    expect(failure).toMatchObject({ type: 'ContainerStartTimeout', nonRetryable: true });
    expect(failure.message).toMatch(
      new RegExp(
        `^Timed out after 240 seconds waiting for container etl \\(group ${TARGET.containerGroupName}\\) to start; its deployment ${TARGET.deploymentName} was still running`,
      ),
    );
    expect(gateway.cancelRequests).toEqual([expect.objectContaining({ deploymentName: TARGET.deploymentName })]);
  });

  it('times out at once on an attempt that starts after the deadline (a retry never extends it)', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    const failure = await failureOf(inWorkflow(OWNER.workflowId, 3).run(activities.deploy, { ...input, startDeadlineEpochMs: Date.now() - 1 }));
    expect(failure).toMatchObject({ type: 'ContainerStartTimeout', nonRetryable: true });
    expect(gateway.deployments).toEqual([]);
  });

  it('deploys normally when the deployment finishes before the deadline', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    await expect(inWorkflow().run(activities.deploy, { ...input, startDeadlineEpochMs: Date.now() + 60_000 })).resolves.toMatchObject({ adopted: false });
    expect(gateway.cancelRequests).toEqual([]);
  });
});

/** A gateway whose reads wait until release() is called, and an activity environment counting heartbeats. */
function heldReads() {
  const gateway = new FakeGateway();
  let release = () => undefined as void;
  gateway.readGate = new Promise<void>((resolve) => (release = resolve));
  const activities = createActivities({ gateway, pool, gatewayFor: () => gateway, logSink: memoryLogSink().sink, resolveSecret: () => 'secret-value' });
  const env = new MockActivityEnvironment({ workflowExecution: { workflowId: OWNER.workflowId, runId: 'run' } });
  let heartbeats = 0;
  env.on('heartbeat', () => (heartbeats += 1));
  return { gateway, activities, env, release: () => release(), heartbeats: () => heartbeats };
}

/**
 * A read that waits for the subscription's ARM budget can wait longer than an activity's
 * heartbeat timeout; an activity that does not heartbeat meanwhile is timed out and retried,
 * spending the budget again (at N = 1000 on one worker: thousands of deploy attempts aborted
 * after 20 s, none of them deploying).
 */
describe('activities heartbeat while a read waits for the ARM budget', () => {
  it('deploy heartbeats while its look for an existing group waits, before deploying anything', async () => {
    const { gateway, activities, env, release, heartbeats } = heldReads();
    gateway.exists = false;
    const deployed = env.run(activities.deploy, input);
    await waitFor(() => gateway.calls.getContainerGroup === undefined && heartbeats() > 0, 'a heartbeat while the read is held', { timeoutMs: 5_000 });
    expect(gateway.deployments).toEqual([]);
    release();
    await deployed;
    expect(gateway.deployments).toHaveLength(1);
  });

  it.each(['deleteContainerGroup', 'stopContainerGroup'] as const)('%s heartbeats while its ownership read waits', async (activity) => {
    const { gateway, activities, env, release, heartbeats } = heldReads();
    const cleaned = env.run(activities[activity], cleanupInput);
    await waitFor(() => heartbeats() > 0, 'a heartbeat while the read is held', { timeoutMs: 5_000 });
    expect(gateway.deleted + gateway.stopped).toBe(0);
    release();
    await cleaned;
    expect(gateway.deleted + gateway.stopped).toBe(1);
  });
});
