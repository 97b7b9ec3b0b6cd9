import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { AzureError } from '../../../src/azure/errors';
import { defaultBaseJobTemplate, renderJobConfiguration } from '../../../src/config';
import { FakeGateway, memoryLogSink, failureOf } from './fakeGateway';

const configuration = renderJobConfiguration(defaultBaseJobTemplate(), {
  resource_group_name: 'rg',
  subscription_id: 'sub',
  image: 'busybox',
  command: 'echo hi',
  env: { PREFECT_API_KEY: 'secretref:API_KEY' },
});
const input = { flowRunId: 'run-1', flowName: 'ETL', workPool: 'pool', configuration, workflowId: 'flow-run-run-1' };

function setup(secrets: Record<string, string>) {
  const gateway = new FakeGateway();
  const activities = createActivities({ gateway, logSink: memoryLogSink().sink, resolveSecret: (name) => secrets[name] });
  return { gateway, activities };
}

describe('deploy activity', () => {
  it('deploys with deterministic names and resolves secret references only in the request sent to Azure', async () => {
    const { gateway, activities } = setup({ API_KEY: 'top-secret-value' });
    const output = await new MockActivityEnvironment().run(activities.deploy, input);
    expect(output).toEqual({
      subscriptionId: 'sub',
      resourceGroupName: 'rg',
      containerGroupName: 'etl-run-1',
      containerName: 'etl',
      deploymentName: 'aci-flow-etl-run-1',
      adopted: false,
    });
    expect(JSON.stringify(gateway.deployments[0])).toContain('top-secret-value');
    expect(JSON.stringify(gateway.deployments[0])).not.toContain('secretref:');
    expect(JSON.stringify(output)).not.toContain('top-secret-value');
  });

  it('deploys the same names again on a retry, so the existing deployment is adopted rather than duplicated', async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    await new MockActivityEnvironment().run(activities.deploy, input);
    const retry = (await new MockActivityEnvironment({ attempt: 2 }).run(activities.deploy, input)) as { adopted: boolean };
    expect(retry.adopted).toBe(true);
    expect(new Set(gateway.deployments.map((request) => request.deploymentName)).size).toBe(1);
  });

  it('fails non-retryably, naming the reference, when the worker cannot resolve a secret', async () => {
    const { gateway, activities } = setup({});
    const failure = await failureOf(new MockActivityEnvironment().run(activities.deploy, input));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toContain('secretref:API_KEY');
    expect(failure.message).toContain('API_KEY');
    expect(gateway.deployments).toEqual([]);
  });

  it('refuses non-retryably a configuration edited after validation to route a secret into a tag, deploying nothing', async () => {
    const { gateway, activities } = setup({ API_KEY: 'top-secret-value' });
    const tampered = { ...input, configuration: { ...configuration, labels: { leak: 'secretref:API_KEY' } } };
    const failure = await failureOf(new MockActivityEnvironment().run(activities.deploy, tampered));
    expect(failure).toMatchObject({ type: 'InvalidConfiguration', nonRetryable: true });
    expect(failure.message).toMatch(/^arm_template\.resources\[0\]\.tags\.leak: holds a secret reference/);
    expect(failure.message).not.toContain('top-secret-value');
    expect(gateway.deployments).toEqual([]);
  });

  it("fails non-retryably with Azure's code when the deployment is rejected", async () => {
    const { gateway, activities } = setup({ API_KEY: 'x' });
    gateway.failNext.deploy = new AzureError({ code: 'InaccessibleImage', azureMessage: 'no such image', kind: 'image-pull', retryable: false });
    const failure = await failureOf(new MockActivityEnvironment().run(activities.deploy, input));
    expect(failure).toMatchObject({ type: 'InaccessibleImage', nonRetryable: true });
  });
});

describe('cleanup activities', () => {
  const target = { subscriptionId: 'sub', resourceGroupName: 'rg', containerGroupName: 'etl-run-1', containerName: 'etl', deploymentName: 'aci-flow-etl-run-1' };

  it('stops an existing group and does nothing when the group was never created', async () => {
    const { gateway, activities } = setup({});
    await new MockActivityEnvironment().run(activities.stopContainerGroup, target);
    expect(gateway.stopped).toBe(1);
    gateway.exists = false;
    await new MockActivityEnvironment().run(activities.stopContainerGroup, target);
    expect(gateway.stopped).toBe(1);
  });

  it('deletes the group, surfacing a retryable failure when Azure answers 5xx', async () => {
    const { gateway, activities } = setup({});
    gateway.failNext.deleteContainerGroup = new AzureError({ code: 'InternalServerError', azureMessage: 'oops', kind: 'transient', retryable: true, statusCode: 500 });
    const failure = await failureOf(new MockActivityEnvironment().run(activities.deleteContainerGroup, target));
    expect(failure).toMatchObject({ type: 'InternalServerError', nonRetryable: false });
    await new MockActivityEnvironment().run(activities.deleteContainerGroup, target);
    expect(gateway.deleted).toBe(1);
  });
});
