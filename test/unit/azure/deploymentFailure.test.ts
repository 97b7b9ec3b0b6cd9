import type { DeploymentExtended, DeploymentOperation } from '@azure/arm-resources';
import { readDeploymentFailure, type DeploymentReader } from '../../../src/azure/deploymentFailure';

const context = { operation: 'deploy', resource: "deployment 'd' in resource group 'rg'" };

/** A stand-in for ResourceManagementClient that answers from fixed data and records the reads. */
function reader(deployment: DeploymentExtended, operations: DeploymentOperation[] | Error) {
  const calls: string[] = [];
  const fake: DeploymentReader = {
    deployments: {
      get: async () => {
        calls.push('deployments.get');
        return deployment;
      },
    },
    deploymentOperations: {
      list: async function* () {
        calls.push('deploymentOperations.list');
        if (operations instanceof Error) throw operations;
        yield* operations;
      },
    },
  };
  return { fake, calls };
}

const genericFailure = {
  code: 'DeploymentFailed',
  message: 'At least one resource deployment operation failed. Please list deployment operations for details.',
};

describe('readDeploymentFailure', () => {
  it('reports nothing for a deployment that did not fail', async () => {
    const { fake } = reader({ properties: { provisioningState: 'Succeeded' } }, []);

    await expect(readDeploymentFailure(fake, 'rg', 'd', context)).resolves.toBeUndefined();
  });

  it("takes the specific cause from the deployment's error details without listing operations", async () => {
    const { fake, calls } = reader(
      {
        properties: {
          provisioningState: 'Failed',
          error: { ...genericFailure, details: [{ code: 'InaccessibleImage', message: "The image 'x' is not accessible.", target: 'group-1' }] },
        },
      },
      [],
    );

    const error = await readDeploymentFailure(fake, 'rg', 'd', context);

    expect(error).toMatchObject({ code: 'InaccessibleImage', azureMessage: "The image 'x' is not accessible.", kind: 'image-pull', target: 'group-1' });
    expect(calls).toEqual(['deployments.get']);
  });

  it('reads the failed operation when the deployment error is only DeploymentFailed', async () => {
    const { fake } = reader({ properties: { provisioningState: 'Failed', error: genericFailure } }, [
      { properties: { provisioningState: 'Succeeded' } },
      {
        properties: {
          provisioningState: 'Failed',
          statusCode: 'Conflict',
          statusMessage: {
            status: 'Failed',
            error: { code: 'ContainerGroupQuotaReached', message: 'Resource type has reached its quota of 100.' },
          },
          targetResource: { resourceName: 'etl-123', resourceType: 'Microsoft.ContainerInstance/containerGroups' },
        },
      },
    ] as DeploymentOperation[]);

    const error = await readDeploymentFailure(fake, 'rg', 'd', context);

    expect(error).toMatchObject({ code: 'ContainerGroupQuotaReached', kind: 'quota', statusCode: 409, target: 'etl-123', retryable: false });
  });

  it('unwraps a JSON error body that ARM put into an operation message', async () => {
    const { fake } = reader({ properties: { provisioningState: 'Failed', error: genericFailure } }, [
      {
        properties: {
          provisioningState: 'Failed',
          statusCode: 'BadRequest',
          statusMessage: {
            error: {
              code: 'BadRequest',
              message: JSON.stringify({ error: { code: 'InaccessibleImage', message: "The image 'y' is not accessible." } }),
            },
          },
        },
      },
    ] as DeploymentOperation[]);

    await expect(readDeploymentFailure(fake, 'rg', 'd', context)).resolves.toMatchObject({
      code: 'InaccessibleImage',
      azureMessage: "The image 'y' is not accessible.",
    });
  });

  it('falls back to the deployment error when the operations cannot be listed', async () => {
    const { fake } = reader({ properties: { provisioningState: 'Failed', error: genericFailure } }, new Error('operations unavailable'));

    await expect(readDeploymentFailure(fake, 'rg', 'd', context)).resolves.toMatchObject({ code: 'DeploymentFailed', retryable: false });
  });

  it('reports a canceled deployment without an error as a retryable conflict', async () => {
    const { fake } = reader({ properties: { provisioningState: 'Canceled' } }, []);

    await expect(readDeploymentFailure(fake, 'rg', 'd', context)).resolves.toMatchObject({
      code: 'DeploymentCanceled',
      kind: 'conflict',
      retryable: true,
    });
  });
});
