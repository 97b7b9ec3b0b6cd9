/**
 * The validated, rendered job configuration of one flow run, with the Prefect ACI
 * worker's field names and defaults. It travels as workflow input, so it is plain JSON
 * and holds secrets only as `secretref:NAME` references.
 */
import { z } from 'zod';
import { defaultArmTemplate } from './defaultArmTemplate';
import {
  ACI_DEFAULT_CPU,
  ACI_DEFAULT_MEMORY_GB,
  DEFAULT_CANCEL_GRACE_SECONDS,
  DEFAULT_CLEANUP_TIMEOUT_SECONDS,
  DEFAULT_EXIT_LOG_PATTERN,
  EXIT_LOG_PATTERN_MAX_LENGTH,
  EXIT_LOG_PATTERN_MAX_WILDCARDS,
  DEFAULT_CONTAINER_ENTRYPOINT,
  DEFAULT_IMAGE,
  DEFAULT_TASK_START_TIMEOUT_SECONDS,
  DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS,
} from './defaults';
import { configErrorFromZod } from './errors';
import {
  ACI_MAX_CPU,
  ACI_MAX_GPU_COUNT,
  ACI_MAX_GPU_MEMORY_GB,
  ACI_MAX_MEMORY_GB,
  ARM_RESOURCE_GROUP_NAME_MAX,
  ARM_RESOURCE_GROUP_NAME_PATTERN,
  ARM_RESOURCE_GROUP_NAME_RULE,
  GUID_PATTERN,
  GUID_RULE,
  MAX_TIMER_SECONDS,
  NON_BLANK_PATTERN,
} from './limits';
import { assertSafeKeys } from './safeKeys';
import { labelIssues } from './labels';
import { isSecretName, literalSecretIssues, SECRET_NAME_RULE } from './secretReferences';

/** Prefect's title and description of a field: its variables schema shows them, e.g. in the Prefect UI. */
interface FieldInfo {
  title: string;
  description: string;
}

/**
 * Prefect declares optional fields `Optional[...] = None`, so its variables schema says
 * `default: null`; a null value renders like no value, so this changes nothing else.
 */
function optional<T extends z.ZodType>(schema: T, info: FieldInfo) {
  return schema.nullish().meta({ ...info, default: null });
}

/** Text that must hold something besides whitespace (an image, a resource group, an id). */
const text = () => z.string().regex(new RegExp(NON_BLANK_PATTERN), 'must not be blank');

/** Username and password, like Prefect's DockerRegistry block; the password is a secret reference. */
export const RegistryPasswordCredentialsSchema = z
  .object({
    username: text().meta({ title: 'Username', description: 'The username to log into the registry with.' }),
    password: text().meta({
      title: 'Password',
      description: 'The password to log into the registry with, as a secret reference (secretref:NAME).',
      writeOnly: true,
      format: 'password',
    }),
    registry_url: text().meta({
      title: 'Registry Url',
      description: 'The URL to the registry. Generally, "http" or "https" can be omitted.',
    }),
    reauth: z.boolean().optional().meta({ title: 'Reauth', description: 'Whether or not to reauthenticate on each interaction.' }),
  })
  .meta({ id: 'DockerRegistry', title: 'DockerRegistry', description: 'Connects to a Docker registry with a username and password.' });

/** Pull from Azure Container Registry with a user-assigned managed identity (Prefect's ACRManagedIdentity). */
export const RegistryManagedIdentitySchema = z
  .object({
    registry_url: text().meta({
      title: 'Registry URL',
      description: "The URL to the registry, such as myregistry.azurecr.io. Generally, 'http' or 'https' can be omitted.",
    }),
    identity: text().meta({ title: 'Identity', description: 'The user-assigned Azure managed identity for the private registry.' }),
  })
  .meta({
    id: 'ACRManagedIdentity',
    title: 'ACRManagedIdentity',
    description:
      'Use a Managed Identity to access Azure Container registry. Requires the user-assigned managed identity be available to the ACI container group.',
  });

/**
 * Prefect's AzureContainerInstanceCredentials block: the identity the worker uses for this
 * pool's Azure calls. A service principal (client_id, tenant_id, client_secret by
 * reference) or, with client_id alone, a user-assigned managed identity of the worker host.
 */
export const AciCredentialsSchema = z
  .strictObject({
    client_id: text().meta({
      title: 'Client ID',
      description:
        "The service principal client ID. If none of client_id, tenant_id and client_secret are set, DefaultAzureCredential is used. With client_id alone, the worker host's user-assigned managed identity of that client ID.",
    }),
    tenant_id: text().nullish().meta({
      title: 'Tenant ID',
      description: 'The service principal tenant ID. Required with client_secret.',
    }),
    client_secret: text().nullish().meta({
      title: 'Client Secret',
      description: 'The service principal client secret, as a secret reference (secretref:NAME) resolved on the worker.',
      writeOnly: true,
      format: 'password',
    }),
  })
  .meta({
    id: 'AzureContainerInstanceCredentials',
    title: 'AzureContainerInstanceCredentials',
    description: 'Block used to manage credentials for interacting with Azure Container Instances.',
  });

export const ImageRegistrySchema = z.union([RegistryPasswordCredentialsSchema, RegistryManagedIdentitySchema]);

/** RFC 6902 operations, checked here so a malformed patch fails before anything runs. */
const pointer = z.string().regex(/^(\/.*)?$/, 'must be a JSON pointer such as /resources/0/properties/sku');
export const JsonPatchOperationSchema = z.discriminatedUnion('op', [
  z.strictObject({ op: z.literal('add'), path: pointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('replace'), path: pointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('test'), path: pointer, value: z.unknown() }),
  z.strictObject({ op: z.literal('remove'), path: pointer }),
  z.strictObject({ op: z.literal('move'), path: pointer, from: pointer }),
  z.strictObject({ op: z.literal('copy'), path: pointer, from: pointer }),
]);

const timerSeconds = (what: string) =>
  z
    .number()
    .positive('must be greater than 0')
    .max(MAX_TIMER_SECONDS, `must be at most ${MAX_TIMER_SECONDS} seconds (about 24.8 days), the longest ${what} a Node.js timer can hold`);

/**
 * Every field of the job configuration, declared once: the type checks the configuration
 * of a run, and the titles, descriptions and defaults become the default variables schema
 * (baseJobTemplate.ts), so the two cannot drift apart.
 */
export const JobConfigurationFields = z.strictObject({
  // Base job configuration fields (Prefect's BaseJobConfiguration).
  command: optional(z.union([z.string(), z.array(z.string())]), {
    title: 'Command',
    description: 'The command to use when starting a flow run. In most cases, this should be left blank and the command will be automatically generated.',
  }),
  env: z
    .record(z.string(), z.string().nullable())
    .default({})
    .meta({ title: 'Environment Variables', description: 'Environment variables to set when starting a flow run.' }),
  // Checked with the rest in JobConfigurationSchema (labels.ts): one message per label, collisions included.
  labels: z.record(z.string(), z.string()).default({}).meta({ title: 'Labels', description: 'Labels applied to created infrastructure.' }),
  name: optional(z.string(), { title: 'Name', description: 'Name given to created infrastructure.' }),

  // Azure Container Instances fields (Prefect's AzureContainerJobConfiguration).
  image: text().default(DEFAULT_IMAGE).meta({
    title: 'Image',
    description: 'The image to use for the Prefect container in the task. This value defaults to a Prefect base image matching your local versions.',
  }),
  resource_group_name: z
    .string()
    .max(ARM_RESOURCE_GROUP_NAME_MAX, `must be at most ${ARM_RESOURCE_GROUP_NAME_MAX} characters, ARM's limit for a resource group name`)
    .regex(new RegExp(ARM_RESOURCE_GROUP_NAME_PATTERN), ARM_RESOURCE_GROUP_NAME_RULE)
    .meta({
      title: 'Azure Resource Group Name',
      description: 'The name of the Azure Resource Group in which to run Prefect ACI tasks.',
    }),
  subscription_id: z.string().regex(new RegExp(GUID_PATTERN), GUID_RULE).meta({
    title: 'Azure Subscription ID',
    description: 'The ID of the Azure subscription to create containers under.',
  }),
  identities: optional(z.array(text()), {
    title: 'Identities',
    description:
      "A list of user-assigned identities to associate with the container group. The identities should be an ARM resource IDs in the form: '/subscriptions/{subscriptionId}/resourceGroups/{resourceGroupName}/providers/Microsoft.ManagedIdentity/userAssignedIdentities/{identityName}'.",
  }),
  entrypoint: z.string().nullable().default(DEFAULT_CONTAINER_ENTRYPOINT).meta({
    title: 'Entrypoint',
    description:
      'The entrypoint of the container you wish you run. This value defaults to the entrypoint used by Prefect images and should only be changed when using a custom image that is not based on an official Prefect image. Any commands set on deployments will be passed to the entrypoint as parameters.',
  }),
  image_registry: optional(ImageRegistrySchema, {
    title: 'Image Registry (Optional)',
    description:
      'To use any private container registry with a username and password, choose DockerRegistry. To use a private Azure Container Registry with a managed identity, choose ACRManagedIdentity.',
  }),
  cpu: z
    .number()
    .positive('must be greater than 0')
    .max(ACI_MAX_CPU, `must be at most ${ACI_MAX_CPU}, the most vCPUs ACI gives a container group`)
    .default(ACI_DEFAULT_CPU)
    .meta({
      title: 'CPU',
      description: `The number of virtual CPUs to assign to the task container. If not provided, a default value of ${ACI_DEFAULT_CPU.toFixed(1)} will be used.`,
    }),
  gpu_count: optional(
    z.number().int().min(1, `must be between 1 and ${ACI_MAX_GPU_COUNT}`).max(ACI_MAX_GPU_COUNT, `must be between 1 and ${ACI_MAX_GPU_COUNT}`),
    { title: 'GPU Count', description: 'The number of GPUs to assign to the task container. If not provided, no GPU will be used.' },
  ),
  gpu_sku: optional(text(), {
    title: 'GPU SKU',
    description: 'The Azure GPU SKU to use. See the ACI documentation for a list of GPU SKUs available in each Azure region.',
  }),
  memory: z
    .number()
    .positive('must be greater than 0')
    .max(ACI_MAX_GPU_MEMORY_GB, `must be at most ${ACI_MAX_GPU_MEMORY_GB} (GB), the most memory ACI gives a container group, with 4 GPUs`)
    .default(ACI_DEFAULT_MEMORY_GB)
    .meta({
      title: 'Memory',
      description: `The amount of memory in gigabytes to provide to the ACI task. Valid amounts are specified in the Azure documentation. If not provided, a default value of ${ACI_DEFAULT_MEMORY_GB.toFixed(1)} will be used unless present on the task definition.`,
    }),
  subnet_ids: optional(z.array(text()), {
    title: 'Subnet IDs',
    description: 'A list of subnet IDs to associate with the container group. ',
  }),
  dns_servers: optional(z.array(text()), {
    title: 'DNS Servers',
    description: 'A list of DNS servers to associate with the container group.',
  }),
  stream_output: z
    .boolean()
    .default(false)
    .meta({ title: 'Stream Output', description: 'If `True`, logs will be streamed from the Prefect container to the local console.' }),
  task_start_timeout_seconds: timerSeconds('timeout').int().default(DEFAULT_TASK_START_TIMEOUT_SECONDS).meta({
    title: 'Task Start Timeout Seconds',
    description: 'The amount of time to watch for the start of the ACI container. before marking it as failed.',
  }),
  task_watch_poll_interval: timerSeconds('interval').default(DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS).meta({
    title: 'Task Watch Poll Interval',
    description: 'The number of seconds to wait between Azure API calls while monitoring the state of an Azure Container Instances task.',
  }),
  keep_container_group: z
    .boolean()
    .default(false)
    .meta({ title: 'Keep Container Group After Completion', description: 'Keep the completed container group on Azure.' }),
  aci_credentials: optional(AciCredentialsSchema, {
    title: 'Aci Credentials',
    description:
      'The credentials to use to authenticate with Azure; the client secret by reference (secretref:NAME). Set by the work pool only. Without it the worker uses DefaultAzureCredential.',
  }),
  arm_template: z.record(z.string(), z.unknown()).default(() => defaultArmTemplate()),

  // aci-flow additions.
  arm_template_patches: z.array(JsonPatchOperationSchema).default([]).meta({
    title: 'ARM Template Patches',
    description:
      'JSON-Patch (RFC 6902) operations applied to the prepared ARM template, after every other setting. Paths are relative to the template root, e.g. /resources/0/properties/sku.',
  }),
  secret_env_names: z
    .array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/))
    .default([])
    .meta({
      title: 'Secret Environment Variable Names',
      description:
        'Names of environment variables whose values are secrets, besides PREFECT_API_KEY and PREFECT_API_AUTH_STRING. Their values must be secret references (secretref:NAME) and are passed to ACI as secureValue.',
    }),
  cleanup_timeout_seconds: timerSeconds('timeout').int().default(DEFAULT_CLEANUP_TIMEOUT_SECONDS).meta({
    title: 'Cleanup Timeout Seconds',
    description:
      'How long to keep retrying the deletion (or stop) of the container group after the run, e.g. while the worker lacks the permission. After that the run ends with its outcome and cleanup marked abandoned, and the orphan sweeper takes over.',
  }),
  // Read by the Prefect bridge only (a cancel from Prefect); the workflow never needs it.
  cancel_grace_seconds: z
    .number()
    .int()
    .min(0, 'must be 0 or more')
    .max(MAX_TIMER_SECONDS, `must be at most ${MAX_TIMER_SECONDS} seconds`)
    .default(DEFAULT_CANCEL_GRACE_SECONDS)
    .meta({
      title: 'Cancel Grace Seconds',
      description:
        'When the flow run is cancelled in Prefect after its flow started, how long the flow gets to cancel itself and run its on_cancellation hooks before aci-flow deletes its container group. 0 deletes it at once.',
    }),
  exit_log_pattern: z
    .string()
    .max(EXIT_LOG_PATTERN_MAX_LENGTH, `must be at most ${EXIT_LOG_PATTERN_MAX_LENGTH} characters`)
    .refine((pattern) => pattern.split('*').length - 1 <= EXIT_LOG_PATTERN_MAX_WILDCARDS, `must have at most ${EXIT_LOG_PATTERN_MAX_WILDCARDS} * wildcards`)
    .nullable()
    .default(DEFAULT_EXIT_LOG_PATTERN)
    .meta({
      title: 'Exit Log Pattern',
      description:
        "A container log line that shows the flow's process has ended (* matches any text, everything else literally, anywhere in the line). When a streamed line matches, the run's next state poll is immediate. Needs stream_output; null or empty turns it off. The default matches Prefect's engine line for the end of a flow run.",
    }),
  max_run_seconds: optional(timerSeconds('run time').int(), {
    title: 'Maximum Run Seconds',
    description:
      'How long the container may run once started. A run over it ends timed out and its container group is deleted (stopped when kept). Unlimited when not set.',
  }),
  keep_failed_container_group: z.boolean().default(false).meta({
    title: 'Keep Failed Container Group',
    description:
      'Keep (stop) the container group when the run failed (non-zero exit, Azure error, container group gone), for debugging; delete it otherwise. Runs that time out or are cancelled are deleted.',
  }),

  // Pool policy (POOL_POLICY_FIELDS): set by the operator in job_configuration, never by a run.
  run_secret_names: z
    .array(z.string().refine(isSecretName, `must be a secret NAME: ${SECRET_NAME_RULE}`))
    .default([])
    .meta({
      title: 'Secrets Runs May Reference',
      description:
        "Names of the worker's secrets a run may reference in its own values (secretref:NAME). Empty by default: the pool's own references (aci_credentials, a registry password or env in the pool's defaults) never need listing, and no run can reach them.",
    }),
  allowed_identities: optional(z.array(text()), {
    title: 'Identities Runs May Use',
    description:
      "User-assigned identity resource ids a run's container group may be given (through identities or patches). Without a list: the identities the pool's own defaults name, nothing more.",
  }),
  allowed_subnet_ids: optional(z.array(text()), {
    title: 'Subnets Runs May Use',
    description: "Subnet resource ids a run's container group may join. Without a list: the subnets the pool's own defaults name, nothing more.",
  }),
});

/**
 * Fields only the operator sets (in the pool's job_configuration, as literals): what a run may
 * reach. They are not variables of the default template, and a run's values cannot set them.
 */
export const POOL_POLICY_FIELDS: readonly string[] = ['run_secret_names', 'allowed_identities', 'allowed_subnet_ids'];

export const JobConfigurationSchema = JobConfigurationFields.superRefine((config, ctx) => {
  for (const issue of literalSecretIssues(config)) {
    ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
  }
  for (const issue of labelIssues(config.labels)) {
    ctx.addIssue({ code: 'custom', path: ['labels', issue.label], message: issue.message });
  }
  const credentials = config.aci_credentials;
  if (credentials && Boolean(credentials.tenant_id) !== Boolean(credentials.client_secret)) {
    ctx.addIssue({
      code: 'custom',
      path: ['aci_credentials', credentials.tenant_id ? 'client_secret' : 'tenant_id'],
      message: 'is required: a service principal needs client_id, tenant_id and client_secret (secretref:NAME); for a managed identity give client_id alone',
    });
  }
  if (config.gpu_count && !config.gpu_sku) {
    ctx.addIssue({ code: 'custom', path: ['gpu_sku'], message: 'is required when gpu_count is set (e.g. V100)' });
  }
  if (config.gpu_sku && !config.gpu_count) {
    ctx.addIssue({ code: 'custom', path: ['gpu_count'], message: `is required when gpu_sku is set (e.g. 1)` });
  }
  if (!config.gpu_count && config.memory > ACI_MAX_MEMORY_GB) {
    ctx.addIssue({
      code: 'custom',
      path: ['memory'],
      message: `must be at most ${ACI_MAX_MEMORY_GB} (GB) without GPUs, the most memory ACI gives a container group`,
    });
  }
});

export type JobConfiguration = z.infer<typeof JobConfigurationSchema>;
/** What a caller may write: every defaulted field optional. */
export type JobConfigurationInput = z.input<typeof JobConfigurationSchema>;
export type ImageRegistry = z.infer<typeof ImageRegistrySchema>;
export type AciCredentials = z.infer<typeof AciCredentialsSchema>;
export type JsonPatchOperation = z.infer<typeof JsonPatchOperationSchema>;

/** Validates a rendered job configuration; a bad one is a ConfigError naming every wrong field. */
export function parseJobConfiguration(input: unknown, fieldPrefix = 'job_configuration'): JobConfiguration {
  assertSafeKeys(input, fieldPrefix);
  const result = JobConfigurationSchema.safeParse(input);
  if (!result.success) throw configErrorFromZod(result.error, fieldPrefix);
  return result.data;
}
