import { createHash } from 'node:crypto';
import { z } from 'zod';
import { ArmError } from './errors';
import { ACI_NAME_MAX, ACI_NAME_PATTERN, isContainerGroupName, isContainerName } from './names';
import type { MaterializedResource } from './template/materialize';

const EnvironmentVariableSchema = z.object({ name: z.string().min(1), value: z.string().optional(), secureValue: z.string().optional() }).loose();

const ContainerSchema = z
  .object({
    name: z.string(),
    properties: z
      .object({
        image: z.string().min(1, 'image is required'),
        command: z.array(z.string()).optional(),
        environmentVariables: z.array(EnvironmentVariableSchema).optional(),
        resources: z
          .object({
            requests: z
              .object({
                cpu: z.number().positive(),
                memoryInGB: z.number().positive(),
                gpu: z.object({ count: z.number().int().positive(), sku: z.string() }).loose().optional(),
              })
              .loose(),
          })
          .loose(),
      })
      .loose(),
  })
  .loose();

export const ContainerGroupPropertiesSchema = z
  .object({
    containers: z.array(ContainerSchema).min(1, 'a container group needs at least one container'),
    osType: z.string().optional(),
    restartPolicy: z.enum(['Always', 'OnFailure', 'Never']).optional(),
  })
  .loose();
export type ContainerGroupProperties = z.infer<typeof ContainerGroupPropertiesSchema>;

export interface ContainerSpec {
  name: string;
  image: string;
  command: string[] | undefined;
  /** Values and secure values together: what the process sees. */
  environment: Record<string, string>;
}

export interface ContainerGroupSpec {
  name: string;
  location: string;
  tags: Record<string, string>;
  /** Availability zones, as the caller gave them (a direct PUT); echoed back. */
  zones?: string[];
  /** The properties as Azure echoes them back: secure values removed. */
  properties: ContainerGroupProperties;
  containers: ContainerSpec[];
  /** The registries the group pulls from; a password only as its SHA-256 (tests check it arrived, nothing keeps it). */
  registryCredentials: RegistryCredentialView[];
}

export interface RegistryCredentialView {
  server: string;
  username?: string;
  identity?: string;
  passwordSha256?: string;
}

/** Validates a template resource the way ACI's preflight would; failures are InvalidTemplateDeployment with the ACI error inside. */
export function validateContainerGroup(resource: MaterializedResource, deploymentName: string): ContainerGroupSpec {
  if (!isContainerGroupName(resource.name)) {
    throw preflightFailure(
      deploymentName,
      'InvalidContainerGroupName',
      `The container group name '${resource.name}' is invalid. A container group name must contain no more than ${ACI_NAME_MAX} characters and must match the regex '${ACI_NAME_PATTERN}' (e.g. 'my-name').`,
      resource.name,
    );
  }
  const parsed = ContainerGroupPropertiesSchema.safeParse(resource.properties);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!; // a failed parse has at least one issue
    throw preflightFailure(
      deploymentName,
      'InvalidRequestContent',
      `The container group '${resource.name}' is invalid at properties.${issue.path.join('.')}: ${issue.message}.`,
      resource.name,
    );
  }
  for (const container of parsed.data.containers) {
    if (!isContainerName(container.name)) {
      throw preflightFailure(
        deploymentName,
        'InvalidContainerName',
        `The container name '${container.name}' in container group '${resource.name}' is invalid. A container name must contain no more than ${ACI_NAME_MAX} characters and must match the regex '${ACI_NAME_PATTERN}' (e.g. 'my-name').`,
        resource.name,
      );
    }
  }
  return {
    name: resource.name,
    location: resource.location,
    tags: resource.tags,
    properties: withoutSecureValues(parsed.data),
    registryCredentials: registryCredentialsOf(parsed.data),
    containers: parsed.data.containers.map((container) => ({
      name: container.name,
      image: container.properties.image,
      command: container.properties.command,
      environment: Object.fromEntries(
        (container.properties.environmentVariables ?? []).map((variable) => [variable.name, variable.value ?? variable.secureValue ?? '']),
      ),
    })),
  };
}

function registryCredentialsOf(properties: ContainerGroupProperties): RegistryCredentialView[] {
  const entries = Array.isArray(properties.imageRegistryCredentials) ? (properties.imageRegistryCredentials as Array<Record<string, unknown>>) : [];
  return entries.map((entry) => ({
    server: String(entry.server ?? ''),
    ...(typeof entry.username === 'string' ? { username: entry.username } : {}),
    ...(typeof entry.identity === 'string' ? { identity: entry.identity } : {}),
    ...(typeof entry.password === 'string' ? { passwordSha256: createHash('sha256').update(entry.password).digest('hex') } : {}),
  }));
}

/** As Azure echoes a group: secure environment values and registry passwords are never given back. */
function withoutSecureValues(properties: ContainerGroupProperties): ContainerGroupProperties {
  const registries = Array.isArray(properties.imageRegistryCredentials)
    ? { imageRegistryCredentials: (properties.imageRegistryCredentials as Array<Record<string, unknown>>).map(({ password: _hidden, ...visible }) => visible) }
    : {};
  return {
    ...properties,
    ...registries,
    containers: properties.containers.map((container) => ({
      ...container,
      properties: {
        ...container.properties,
        environmentVariables: container.properties.environmentVariables?.map(({ secureValue: _hidden, ...visible }) => visible),
      },
    })),
  };
}

function preflightFailure(deploymentName: string, code: string, message: string, target: string): ArmError {
  return new ArmError(
    400,
    'InvalidTemplateDeployment',
    `The template deployment '${deploymentName}' is not valid according to the validation procedure. See inner errors for details.`,
    [{ code, message, target }],
  );
}
