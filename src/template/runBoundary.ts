/**
 * What one flow run's deployment may do: create its own container group, nothing else.
 * `arm_template` and `arm_template_patches` can shape that group (volumes, ports, sku,
 * diagnostics) but cannot add resources, nest deployments, loop, emit outputs, rename the
 * group onto another run's, make it restart, drop the tags the sweeper and the workflow
 * rely on, or read other resources through expressions (armExpressions.ts). Checked on the finished template, after every patch, before anything is deployed.
 */
import { isPlainObject } from '../config/objects';
import { CONTAINER_GROUP_NAME_PARAMETER, CONTAINER_GROUP_RESOURCE_TYPE } from '../config/defaultArmTemplate';
import type { JsonPath } from './secretPositions';
import { findForbiddenExpression } from './armExpressions';

export interface BoundaryViolation {
  path: JsonPath;
  problem: string;
}

/** Template keys that cannot create or reveal anything by themselves. */
const TEMPLATE_KEYS = new Set(['$schema', 'contentVersion', 'apiProfile', 'metadata', 'parameters', 'variables', 'resources', 'outputs']);
/** Resource keys of a plain container group; `copy`, `condition`, `scope`, child `resources` and the like are refused. */
const RESOURCE_KEYS = new Set(['type', 'apiVersion', 'name', 'location', 'tags', 'identity', 'zones', 'properties', 'dependsOn', 'comments', 'metadata']);
const NAME_BY_PARAMETER = new RegExp(`^\\[\\s*parameters\\(\\s*'${CONTAINER_GROUP_NAME_PARAMETER}'\\s*\\)\\s*\\]$`);
const ONE_GROUP = `exactly one resource, the run's ${CONTAINER_GROUP_RESOURCE_TYPE}`;

/** The first way the template oversteps the run's own container group, or undefined. */
export function findBoundaryViolation(template: Record<string, unknown>, containerGroupName: string): BoundaryViolation | undefined {
  const extraKey = Object.keys(template).find((key) => !TEMPLATE_KEYS.has(key));
  if (extraKey !== undefined) {
    return { path: [extraKey], problem: `is not allowed in a flow run's template, which may hold only ${[...TEMPLATE_KEYS].join(', ')}` };
  }
  if (template.outputs !== undefined && !(isPlainObject(template.outputs) && Object.keys(template.outputs).length === 0)) {
    return { path: ['outputs'], problem: 'must be empty: deployment outputs are readable by anyone who can read the resource group' };
  }
  const resources = template.resources;
  if (!Array.isArray(resources) || resources.length !== 1) {
    const found = Array.isArray(resources) ? `${resources.length} resources` : 'no list';
    return { path: ['resources'], problem: `must hold ${ONE_GROUP} (found ${found}); shape the group itself instead` };
  }
  const group = resources[0] as unknown;
  if (!isPlainObject(group)) return { path: ['resources', 0], problem: `must be ${ONE_GROUP}` };
  if (typeof group.type !== 'string' || group.type.toLowerCase() !== CONTAINER_GROUP_RESOURCE_TYPE.toLowerCase()) {
    return { path: ['resources', 0, 'type'], problem: `must be ${CONTAINER_GROUP_RESOURCE_TYPE} (found ${JSON.stringify(group.type)})` };
  }
  const extraResourceKey = Object.keys(group).find((key) => !RESOURCE_KEYS.has(key));
  if (extraResourceKey !== undefined) {
    return { path: ['resources', 0, extraResourceKey], problem: `is not allowed on the run's container group (allowed: ${[...RESOURCE_KEYS].join(', ')})` };
  }
  if (!(typeof group.name === 'string' && (NAME_BY_PARAMETER.test(group.name) || group.name === containerGroupName))) {
    return {
      path: ['resources', 0, 'name'],
      problem: `must be [parameters('${CONTAINER_GROUP_NAME_PARAMETER}')] (or "${containerGroupName}"), the run's own container group (found ${JSON.stringify(group.name)})`,
    };
  }
  if (group.tags !== undefined && !isPlainObject(group.tags)) {
    return { path: ['resources', 0, 'tags'], problem: 'must be an object of tag names and values' };
  }
  const restartPolicy = isPlainObject(group.properties) ? group.properties.restartPolicy : undefined;
  if (typeof restartPolicy !== 'string' || restartPolicy.toLowerCase() !== 'never') {
    return {
      path: ['resources', 0, 'properties', 'restartPolicy'],
      problem: `must be Never (found ${JSON.stringify(restartPolicy)}): a flow run runs once, and its exit code ends the run`,
    };
  }
  return findForbiddenExpression(template);
}

/**
 * Sets the managed tags on the group: after the labels, and again after the patches, so
 * neither can remove or forge them. ARM tag names are case-insensitive, so any spelling of a managed name goes.
 */
export function applyManagedTags(group: Record<string, unknown>, managedTags: Record<string, string>): void {
  const managed = new Set(Object.keys(managedTags).map((name) => name.toLowerCase()));
  const kept = Object.entries(isPlainObject(group.tags) ? group.tags : {}).filter(([name]) => !managed.has(name.toLowerCase()));
  group.tags = { ...Object.fromEntries(kept), ...managedTags };
}
