/**
 * Prepares the ARM deployment of one flow run from its job configuration: the Prefect ACI
 * worker's `prepare_for_flow_run`, plus what it gets wrong (GPU, quoted commands, names
 * that slug to nothing), tags that mark the group as ours, and JSON-Patch customizations.
 * Pure and deterministic: the same configuration and run give the same deployment, which
 * is what makes a retried deploy adopt instead of duplicate.
 */
import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, WORKFLOW_ID_TAG, type DeploymentRequest } from '../template/deployment';
import { ConfigError, formatFieldPath } from '../config/errors';
import type { ImageRegistry, JobConfiguration, JsonPatchOperation } from '../config/jobConfiguration';
import { tagsForLabels } from '../config/labels';
import { isPlainObject } from '../config/objects';
import { containerCommand } from './commandLine';
import { CONTAINER_GROUP_NAME_PARAMETER, CONTAINER_GROUP_RESOURCE_TYPE, CONTAINER_NAME_PARAMETER } from '../config/defaultArmTemplate';
import { armEnvironment } from './environment';
import { armLiteral, armLiterals } from './armExpressions';
import { flowRunNames } from './naming';
import { applyTemplatePatches, lastPatchTouching } from './patches';
import { applyManagedTags, findBoundaryViolation } from './runBoundary';
import { jsonPointer, requireSecretReferencesInPlace } from './secretPositions';

export interface FlowRunIdentity {
  flowRunId: string;
  flowName: string;
  workflowId: string;
}

export type PreparedDeployment = DeploymentRequest & { containerGroupName: string; containerName: string };

/** Variables every flow run container gets; Prefect images read the flow run id from here. */
export function baseEnvironment(run: FlowRunIdentity): Record<string, string> {
  return { PREFECT__FLOW_RUN_ID: run.flowRunId };
}

export function prepareDeployment(config: JobConfiguration, run: FlowRunIdentity): PreparedDeployment {
  // Names come from the flow name and run id only: the client computes them once for the
  // workflow input, and the deploy activity checks the input against them.
  const { containerGroupName, containerName, deploymentName } = flowRunNames(run.flowName, run.flowRunId);
  const template = structuredCloneJson(config.arm_template);
  const { group, groupField, container, containerField } = locateContainer(template);

  requireParameter(template, CONTAINER_GROUP_NAME_PARAMETER);
  requireParameter(template, CONTAINER_NAME_PARAMETER);

  // Configured values go in as ARM literals: `[listKeys(...)]` in an env value must reach
  // the container as that text, not as a storage account's keys (armExpressions.ts).
  const properties = container.properties as Record<string, unknown>;
  properties.image = armLiteral(config.image);
  properties.environmentVariables = armLiterals(armEnvironment(baseEnvironment(run), config.env, config.secret_env_names));
  const command = armLiterals(containerCommand(config.command, config.entrypoint || null));
  if (command.length > 0) properties.command = command;
  else delete properties.command;

  const requests = objectAt(objectAt(properties, 'resources', `${containerField}.properties`), 'requests', `${containerField}.properties.resources`);
  requests.cpu = config.cpu;
  requests.memoryInGB = config.memory;
  if (config.gpu_count && config.gpu_sku) requests.gpu = { count: config.gpu_count, sku: armLiteral(config.gpu_sku) };

  const groupProperties = objectAt(group, 'properties', groupField);
  if (config.image_registry) groupProperties.imageRegistryCredentials = [armLiterals(registryCredentials(config.image_registry))];
  if (config.identities?.length) {
    group.identity = {
      type: 'UserAssigned',
      // ARM wants each user-assigned identity's resource id as a key with an empty object.
      userAssignedIdentities: Object.fromEntries(config.identities.map((id) => [armLiteral(id), {}])),
    };
  }
  if (config.subnet_ids?.length) groupProperties.subnetIds = config.subnet_ids.map((id) => ({ id: armLiteral(id) }));
  if (config.dns_servers?.length) groupProperties.dnsConfig = { nameServers: armLiterals(config.dns_servers) };

  // A template without one behaves as ACI's default, Always: the run would never end.
  if (groupProperties.restartPolicy === undefined) groupProperties.restartPolicy = 'Never';

  const managedTags = {
    [MANAGED_BY_TAG]: MANAGED_BY_VALUE,
    [FLOW_RUN_ID_TAG]: run.flowRunId,
    [WORKFLOW_ID_TAG]: run.workflowId,
  };
  const existingTags = isPlainObject(group.tags) ? group.tags : {};
  group.tags = { ...existingTags, ...armLiterals(tagsForLabels(config.labels)) };
  // Managed tags last: the sweeper and the workflow rely on them, so labels cannot override them.
  applyManagedTags(group, managedTags);

  const finished = finishTemplate(template, config.arm_template_patches, containerGroupName, managedTags);
  requireRegistryIdentitiesAssigned(finished, config.image_registry);
  return {
    subscriptionId: config.subscription_id,
    resourceGroupName: config.resource_group_name,
    deploymentName,
    template: finished,
    parameters: {
      [CONTAINER_GROUP_NAME_PARAMETER]: { value: containerGroupName },
      [CONTAINER_NAME_PARAMETER]: { value: containerName },
    },
    tags: managedTags,
    containerGroupName,
    containerName,
  };
}

/**
 * Checks the prepared template, applies the patches and checks the result again: the run
 * may shape its own container group but not widen what it can reach (runBoundary.ts,
 * secretPositions.ts). The managed tags go on last, after every patch.
 */
function finishTemplate(
  template: Record<string, unknown>,
  patches: readonly JsonPatchOperation[],
  containerGroupName: string,
  managedTags: Record<string, string>,
): Record<string, unknown> {
  requireSecretReferencesInPlace(template, (path) => formatFieldPath(path, 'arm_template'));
  const before = findBoundaryViolation(template, containerGroupName);
  if (before) throw new ConfigError(formatFieldPath(before.path, 'arm_template'), before.problem);

  const patched = applyTemplatePatches(template, patches, (document, index) =>
    requireSecretReferencesInPlace(document, (path) => `arm_template_patches[${index}] (at ${jsonPointer(path)})`),
  );
  const after = findBoundaryViolation(patched, containerGroupName);
  if (after) {
    const pointer = jsonPointer(after.path);
    const index = lastPatchTouching(patches, pointer);
    throw new ConfigError(`${index === undefined ? 'arm_template_patches' : `arm_template_patches[${index}]`} (at ${pointer})`, after.problem);
  }
  // findBoundaryViolation found none, so resources holds exactly one group.
  applyManagedTags((patched.resources as Array<Record<string, unknown>>)[0]!, managedTags);
  return patched;
}

/**
 * ACI pulls with a registry's managed identity only when that identity is assigned to the
 * group; otherwise Azure refuses the deployment with InvalidImageRegistryIdentity. Checked
 * on the finished template, so identities added by the template or patches count too.
 */
function requireRegistryIdentitiesAssigned(template: Record<string, unknown>, configured: ImageRegistry | null | undefined): void {
  const group = (template.resources as Array<Record<string, unknown>>)[0]!; // checked by findBoundaryViolation first
  const properties = isPlainObject(group.properties) ? group.properties : {};
  const credentials = Array.isArray(properties.imageRegistryCredentials) ? properties.imageRegistryCredentials : [];
  const identity = isPlainObject(group.identity) ? group.identity : {};
  const assigned = new Set(Object.keys(isPlainObject(identity.userAssignedIdentities) ? identity.userAssignedIdentities : {}).map((id) => id.toLowerCase()));
  credentials.forEach((credential, index) => {
    const wanted = isPlainObject(credential) ? credential.identity : undefined;
    // ARM resource ids are case-insensitive.
    if (typeof wanted !== 'string' || assigned.has(wanted.toLowerCase())) return;
    const fromConfig = configured && 'identity' in configured && configured.identity === wanted;
    throw new ConfigError(
      fromConfig ? 'image_registry.identity' : `arm_template (at /resources/0/properties/imageRegistryCredentials/${index}/identity)`,
      `'${wanted}' is not among the container group's identities, so ACI could not pull with it (Azure would refuse the deployment with InvalidImageRegistryIdentity); add the same resource id to identities`,
    );
  });
}

function registryCredentials(registry: ImageRegistry): Record<string, string> {
  return 'identity' in registry
    ? { server: registry.registry_url, identity: registry.identity }
    : { server: registry.registry_url, username: registry.username, password: registry.password };
}

/** The first container group resource and its first container, the shape the Prefect worker expects too. */
function locateContainer(template: Record<string, unknown>) {
  const resources = template.resources;
  if (!Array.isArray(resources)) {
    throw new ConfigError('arm_template.resources', 'must be a list of resources containing one Microsoft.ContainerInstance/containerGroups resource');
  }
  const index = resources.findIndex(
    (resource) => isPlainObject(resource) && String(resource.type).toLowerCase() === CONTAINER_GROUP_RESOURCE_TYPE.toLowerCase(),
  );
  if (index < 0) {
    throw new ConfigError('arm_template.resources', `has no ${CONTAINER_GROUP_RESOURCE_TYPE} resource; aci-flow runs the flow in that group's first container`);
  }
  const group = resources[index] as Record<string, unknown>;
  const groupField = `arm_template.resources[${index}]`;
  const containers = isPlainObject(group.properties) ? group.properties.containers : undefined;
  const container = Array.isArray(containers) ? containers[0] : undefined;
  const containerField = `${groupField}.properties.containers[0]`;
  if (!isPlainObject(container) || !isPlainObject(container.properties)) {
    throw new ConfigError(
      `${containerField}.properties`,
      'is missing, so the image cannot be set: the container group needs properties.containers[0].properties (see the default template in docs/configuration.md)',
    );
  }
  return { group, groupField, container, containerField };
}

function requireParameter(template: Record<string, unknown>, name: string): void {
  const declared = isPlainObject(template.parameters) && isPlainObject(template.parameters[name]);
  if (!declared) {
    throw new ConfigError(
      `arm_template.parameters.${name}`,
      `is not declared; aci-flow passes the name through this parameter, so declare it ({ "type": "string" }) and use [parameters('${name}')] for the name`,
    );
  }
}

function objectAt(parent: Record<string, unknown>, key: string, parentField: string): Record<string, unknown> {
  if (parent[key] === undefined) parent[key] = {};
  const value = parent[key];
  if (!isPlainObject(value)) throw new ConfigError(`${parentField}.${key}`, 'must be an object');
  return value;
}

function structuredCloneJson<T>(value: T): T {
  return JSON.parse(JSON.stringify(value)) as T;
}
