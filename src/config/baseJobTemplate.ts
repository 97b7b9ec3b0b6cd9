/**
 * A work pool's base job template in Prefect's format: `job_configuration` (values may
 * hold `{{ placeholders }}`) and `variables` (a JSON schema with defaults), plus the
 * template aci-flow ships, which reproduces the Prefect ACI worker's.
 */
import { z } from 'zod';
import { defaultArmTemplate } from '../template/defaultArmTemplate';
import {
  ACI_DEFAULT_CPU,
  ACI_DEFAULT_MEMORY_GB,
  DEFAULT_CONTAINER_ENTRYPOINT,
  DEFAULT_IMAGE,
  DEFAULT_TASK_START_TIMEOUT_SECONDS,
  DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS,
} from './defaults';

export const VariablesSchemaShape = z.looseObject({
  type: z.literal('object').optional(),
  properties: z.record(z.string(), z.union([z.record(z.string(), z.unknown()), z.boolean()])).default({}),
  required: z.array(z.string()).default([]),
});

export const BaseJobTemplateSchema = z.strictObject({
  job_configuration: z.record(z.string(), z.unknown()),
  variables: VariablesSchemaShape,
});

export type BaseJobTemplate = z.infer<typeof BaseJobTemplateSchema>;

const stringOrNull = { anyOf: [{ type: 'string' }, { type: 'null' }] };
const stringListOrNull = { anyOf: [{ type: 'array', items: { type: 'string' } }, { type: 'null' }] };

/** Prefect's ACI base job template, plus aci-flow's `arm_template_patches` and `secret_env_names`. */
export function defaultBaseJobTemplate(): BaseJobTemplate {
  const jobConfigurationFields = [
    'command',
    'env',
    'labels',
    'name',
    'image',
    'resource_group_name',
    'subscription_id',
    'identities',
    'entrypoint',
    'image_registry',
    'cpu',
    'gpu_count',
    'gpu_sku',
    'memory',
    'subnet_ids',
    'dns_servers',
    'stream_output',
    'task_start_timeout_seconds',
    'task_watch_poll_interval',
    'keep_container_group',
    'arm_template_patches',
    'secret_env_names',
  ];
  const job_configuration: Record<string, unknown> = Object.fromEntries(
    jobConfigurationFields.map((field) => [field, `{{ ${field} }}`]),
  );
  job_configuration.arm_template = defaultArmTemplate({
    image: '{{ image }}',
    command: '{{ command }}',
    cpu: '{{ cpu }}',
    memory: '{{ memory }}',
  });

  return BaseJobTemplateSchema.parse({
    job_configuration,
    variables: {
      description: 'Variables for an Azure Container Instance flow run.',
      type: 'object',
      properties: {
        name: { title: 'Name', description: 'Name given to created infrastructure.', ...stringOrNull, default: null },
        env: {
          title: 'Environment Variables',
          description: 'Environment variables to set when starting a flow run.',
          type: 'object',
          additionalProperties: stringOrNull,
        },
        labels: {
          title: 'Labels',
          description: 'Labels applied to created infrastructure.',
          type: 'object',
          additionalProperties: { type: 'string' },
        },
        command: {
          title: 'Command',
          description:
            'The command to use when starting a flow run. In most cases, this should be left blank and the command will be automatically generated.',
          ...stringOrNull,
          default: null,
        },
        image: {
          title: 'Image',
          description:
            'The image to use for the Prefect container in the task. This value defaults to a Prefect base image matching your local versions.',
          type: 'string',
          default: DEFAULT_IMAGE,
        },
        resource_group_name: {
          title: 'Azure Resource Group Name',
          description: 'The name of the Azure Resource Group in which to run Prefect ACI tasks.',
          type: 'string',
        },
        subscription_id: {
          title: 'Azure Subscription ID',
          description: 'The ID of the Azure subscription to create containers under.',
          type: 'string',
        },
        identities: {
          title: 'Identities',
          description:
            "A list of user-assigned identities to associate with the container group. The identities should be an ARM resource IDs in the form: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identityName}'.",
          ...stringListOrNull,
          default: null,
        },
        entrypoint: {
          title: 'Entrypoint',
          description:
            'The entrypoint of the container you wish you run. This value defaults to the entrypoint used by Prefect images and should only be changed when using a custom image that is not based on an official Prefect image. Any commands set on deployments will be passed to the entrypoint as parameters.',
          ...stringOrNull,
          default: DEFAULT_CONTAINER_ENTRYPOINT,
        },
        image_registry: {
          title: 'Image Registry (Optional)',
          description:
            'To use any private container registry with a username and password, choose DockerRegistry. To use a private Azure Container Registry with a managed identity, choose ACRManagedIdentity.',
          anyOf: [{ $ref: '#/definitions/DockerRegistry' }, { $ref: '#/definitions/ACRManagedIdentity' }, { type: 'null' }],
          default: null,
        },
        cpu: {
          title: 'CPU',
          description: `The number of virtual CPUs to assign to the task container. If not provided, a default value of ${ACI_DEFAULT_CPU.toFixed(1)} will be used.`,
          type: 'number',
          default: ACI_DEFAULT_CPU,
        },
        gpu_count: {
          title: 'GPU Count',
          description: 'The number of GPUs to assign to the task container. If not provided, no GPU will be used.',
          anyOf: [{ type: 'integer' }, { type: 'null' }],
          default: null,
        },
        gpu_sku: {
          title: 'GPU SKU',
          description: 'The Azure GPU SKU to use. See the ACI documentation for a list of GPU SKUs available in each Azure region.',
          ...stringOrNull,
          default: null,
        },
        memory: {
          title: 'Memory',
          description: `The amount of memory in gigabytes to provide to the ACI task. Valid amounts are specified in the Azure documentation. If not provided, a default value of ${ACI_DEFAULT_MEMORY_GB.toFixed(1)} will be used unless present on the task definition.`,
          type: 'number',
          default: ACI_DEFAULT_MEMORY_GB,
        },
        subnet_ids: {
          title: 'Subnet IDs',
          description: 'A list of subnet IDs to associate with the container group. ',
          ...stringListOrNull,
          default: null,
        },
        dns_servers: {
          title: 'DNS Servers',
          description: 'A list of DNS servers to associate with the container group.',
          ...stringListOrNull,
          default: null,
        },
        stream_output: {
          title: 'Stream Output',
          description: 'If `True`, logs will be streamed from the Prefect container to the local console.',
          type: 'boolean',
          default: false,
        },
        task_start_timeout_seconds: {
          title: 'Task Start Timeout Seconds',
          description: 'The amount of time to watch for the start of the ACI container. before marking it as failed.',
          type: 'integer',
          default: DEFAULT_TASK_START_TIMEOUT_SECONDS,
        },
        task_watch_poll_interval: {
          title: 'Task Watch Poll Interval',
          description:
            'The number of seconds to wait between Azure API calls while monitoring the state of an Azure Container Instances task.',
          type: 'number',
          default: DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS,
        },
        keep_container_group: {
          title: 'Keep Container Group After Completion',
          description: 'Keep the completed container group on Azure.',
          type: 'boolean',
          default: false,
        },
        arm_template_patches: {
          title: 'ARM Template Patches',
          description:
            'JSON-Patch (RFC 6902) operations applied to the prepared ARM template, after every other setting. Paths are relative to the template root, e.g. /resources/0/properties/sku.',
          type: 'array',
          items: { type: 'object' },
          default: [],
        },
        secret_env_names: {
          title: 'Secret Environment Variable Names',
          description:
            'Names of environment variables whose values are secrets, besides PREFECT_API_KEY and PREFECT_API_AUTH_STRING. Their values must be secret references (secretref:NAME) and are passed to ACI as secureValue.',
          type: 'array',
          items: { type: 'string' },
          default: [],
        },
      },
      required: ['resource_group_name', 'subscription_id'],
      definitions: {
        DockerRegistry: {
          title: 'DockerRegistry',
          description: 'Connects to a Docker registry with a username and password.',
          type: 'object',
          properties: {
            username: { title: 'Username', description: 'The username to log into the registry with.', type: 'string' },
            password: {
              title: 'Password',
              description: 'The password to log into the registry with, as a secret reference (secretref:NAME).',
              type: 'string',
              writeOnly: true,
              format: 'password',
            },
            registry_url: {
              title: 'Registry Url',
              description: 'The URL to the registry. Generally, "http" or "https" can be omitted.',
              type: 'string',
            },
            reauth: { title: 'Reauth', description: 'Whether or not to reauthenticate on each interaction.', default: true, type: 'boolean' },
          },
          required: ['username', 'password', 'registry_url'],
        },
        ACRManagedIdentity: {
          title: 'ACRManagedIdentity',
          description:
            'Use a Managed Identity to access Azure Container registry. Requires the user-assigned managed identity be available to the ACI container group.',
          type: 'object',
          properties: {
            registry_url: {
              title: 'Registry URL',
              description: "The URL to the registry, such as myregistry.azurecr.io. Generally, 'http' or 'https' can be omitted.",
              type: 'string',
            },
            identity: { title: 'Identity', description: 'The user-assigned Azure managed identity for the private registry.', type: 'string' },
          },
          required: ['registry_url', 'identity'],
        },
      },
    },
  });
}
