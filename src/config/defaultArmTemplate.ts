/**
 * The default ARM template: the Prefect ACI worker's template (one container group with
 * one container), so pools exported from Prefect and pools written for aci-flow prepare
 * the same way. It uses only `parameters()` and `resourceGroup()` expressions, which both
 * Azure and the local emulator evaluate.
 */
import { ACI_DEFAULT_CPU, ACI_DEFAULT_MEMORY_GB, DEFAULT_IMAGE } from './defaults';

export const CONTAINER_GROUP_RESOURCE_TYPE = 'Microsoft.ContainerInstance/containerGroups';
/** Deployment parameters aci-flow sets, so a custom template names things the way the workflow expects. */
export const CONTAINER_GROUP_NAME_PARAMETER = 'container_group_name';
export const CONTAINER_NAME_PARAMETER = 'container_name';

/** The container's settings; the base job template swaps these for `{{ placeholders }}`. */
export interface DefaultContainerSettings {
  image: unknown;
  command?: unknown;
  cpu: unknown;
  memory: unknown;
}

export function defaultArmTemplate(
  container: DefaultContainerSettings = { image: DEFAULT_IMAGE, cpu: ACI_DEFAULT_CPU, memory: ACI_DEFAULT_MEMORY_GB },
): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-08-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    parameters: {
      location: {
        type: 'string',
        defaultValue: '[resourceGroup().location]',
        metadata: { description: 'Location for all resources.' },
      },
      [CONTAINER_GROUP_NAME_PARAMETER]: {
        type: 'string',
        defaultValue: '[uniqueString(resourceGroup().id)]',
        metadata: { description: 'The name of the container group to create.' },
      },
      [CONTAINER_NAME_PARAMETER]: {
        type: 'string',
        defaultValue: '[uniqueString(resourceGroup().id)]',
        metadata: { description: 'The name of the container to create.' },
      },
    },
    resources: [
      {
        type: CONTAINER_GROUP_RESOURCE_TYPE,
        apiVersion: '2022-09-01',
        name: `[parameters('${CONTAINER_GROUP_NAME_PARAMETER}')]`,
        location: "[parameters('location')]",
        properties: {
          containers: [
            {
              name: `[parameters('${CONTAINER_NAME_PARAMETER}')]`,
              properties: {
                image: container.image,
                ...(container.command === undefined ? {} : { command: container.command }),
                resources: { requests: { cpu: container.cpu, memoryInGB: container.memory } },
                environmentVariables: [],
              },
            },
          ],
          osType: 'Linux',
          restartPolicy: 'Never',
        },
      },
    ],
  };
}
