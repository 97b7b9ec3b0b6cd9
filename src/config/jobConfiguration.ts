/**
 * The validated, rendered job configuration of one flow run, with the Prefect ACI
 * worker's field names and defaults. It travels as workflow input, so it is plain JSON
 * and holds secrets only as `secretref:NAME` references.
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
import { configErrorFromZod } from './errors';
import { literalSecretIssues } from './secretReferences';

/** Username and password, like Prefect's DockerRegistry block; the password is a secret reference. */
export const RegistryPasswordCredentialsSchema = z.object({
  registry_url: z.string().min(1),
  username: z.string().min(1),
  password: z.string().min(1),
  reauth: z.boolean().optional(),
});

/** Pull from Azure Container Registry with a user-assigned managed identity (Prefect's ACRManagedIdentity). */
export const RegistryManagedIdentitySchema = z.object({
  registry_url: z.string().min(1),
  identity: z.string().min(1),
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

// ARM rejects these characters in tag names; labels become tags on the container group.
const TAG_NAME = /^[^<>%&\\?/]{1,512}$/;

export const JobConfigurationSchema = z
  .strictObject({
    // Base job configuration fields (Prefect's BaseJobConfiguration).
    command: z.union([z.string(), z.array(z.string())]).nullish(),
    env: z.record(z.string(), z.string().nullable()).default({}),
    labels: z
      .record(
        z.string().regex(TAG_NAME, 'label names become Azure tags: at most 512 characters, none of < > % & \\ ? /'),
        z.string().max(256),
      )
      .default({}),
    name: z.string().nullish(),

    // Azure Container Instances fields (Prefect's AzureContainerJobConfiguration).
    image: z.string().min(1).default(DEFAULT_IMAGE),
    resource_group_name: z.string().min(1),
    subscription_id: z.string().min(1),
    identities: z.array(z.string().min(1)).nullish(),
    entrypoint: z.string().nullable().default(DEFAULT_CONTAINER_ENTRYPOINT),
    image_registry: ImageRegistrySchema.nullish(),
    cpu: z.number().positive().default(ACI_DEFAULT_CPU),
    gpu_count: z.number().int().positive().nullish(),
    gpu_sku: z.string().min(1).nullish(),
    memory: z.number().positive().default(ACI_DEFAULT_MEMORY_GB),
    subnet_ids: z.array(z.string().min(1)).nullish(),
    dns_servers: z.array(z.string().min(1)).nullish(),
    stream_output: z.boolean().default(false),
    task_start_timeout_seconds: z.number().int().positive().default(DEFAULT_TASK_START_TIMEOUT_SECONDS),
    task_watch_poll_interval: z.number().positive().default(DEFAULT_TASK_WATCH_POLL_INTERVAL_SECONDS),
    keep_container_group: z.boolean().default(false),
    arm_template: z.record(z.string(), z.unknown()).default(() => defaultArmTemplate()),

    // aci-flow additions.
    /** JSON-Patch operations applied to the prepared ARM template, last. */
    arm_template_patches: z.array(JsonPatchOperationSchema).default([]),
    /** Env var names, besides PREFECT_API_KEY and PREFECT_API_AUTH_STRING, whose values are secrets. */
    secret_env_names: z.array(z.string().regex(/^[A-Za-z_][A-Za-z0-9_]*$/)).default([]),
  })
  .superRefine((config, ctx) => {
    for (const issue of literalSecretIssues(config)) {
      ctx.addIssue({ code: 'custom', path: issue.path, message: issue.message });
    }
    if (config.gpu_count && !config.gpu_sku) {
      ctx.addIssue({ code: 'custom', path: ['gpu_sku'], message: 'is required when gpu_count is set (e.g. V100)' });
    }
    if (config.gpu_sku && !config.gpu_count) {
      ctx.addIssue({ code: 'custom', path: ['gpu_count'], message: `is required when gpu_sku is set (e.g. 1)` });
    }
  });

export type JobConfiguration = z.infer<typeof JobConfigurationSchema>;
/** What a caller may write: every defaulted field optional. */
export type JobConfigurationInput = z.input<typeof JobConfigurationSchema>;
export type ImageRegistry = z.infer<typeof ImageRegistrySchema>;
export type JsonPatchOperation = z.infer<typeof JsonPatchOperationSchema>;

/** Validates a rendered job configuration; a bad one is a ConfigError naming every wrong field. */
export function parseJobConfiguration(input: unknown, fieldPrefix = 'job_configuration'): JobConfiguration {
  const result = JobConfigurationSchema.safeParse(input);
  if (!result.success) throw configErrorFromZod(result.error, fieldPrefix);
  return result.data;
}
