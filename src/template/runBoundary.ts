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
import { armLiteral, findForbiddenExpression, isExpression } from './armExpressions';
import { SECRET_PARAMETER_PREFIX } from './secretPositions';

export interface BoundaryViolation {
  path: JsonPath;
  problem: string;
}

/** Template keys that cannot create or reveal anything by themselves. */
const TEMPLATE_KEYS = new Set(['$schema', 'contentVersion', 'apiProfile', 'metadata', 'parameters', 'variables', 'resources', 'outputs']);
/** Resource keys of a plain container group; `copy`, `condition`, `scope`, child `resources` and the like are refused. */
const RESOURCE_KEYS = new Set(['type', 'apiVersion', 'name', 'location', 'tags', 'identity', 'zones', 'properties', 'dependsOn', 'comments', 'metadata']);
const lowercased = (keys: Set<string>) => new Set([...keys].map((key) => key.toLowerCase()));
const TEMPLATE_KEYS_LOWER = lowercased(TEMPLATE_KEYS);
const RESOURCE_KEYS_LOWER = lowercased(RESOURCE_KEYS);
/** Where an expression may name a property: the template's own inputs, which create nothing. */
const EXPRESSION_KEYS_ALLOWED_UNDER = new Set(['parameters', 'variables']);
const NAME_BY_PARAMETER = new RegExp(`^\\[\\s*parameters\\(\\s*'${CONTAINER_GROUP_NAME_PARAMETER}'\\s*\\)\\s*\\]$`);
const ONE_GROUP = `exactly one resource, the run's ${CONTAINER_GROUP_RESOURCE_TYPE}`;

/** The first way the template oversteps the run's own container group, or undefined. */
export function findBoundaryViolation(template: Record<string, unknown>, containerGroupName: string): BoundaryViolation | undefined {
  // ARM reads property names case-insensitively: `RestartPolicy` beside `restartPolicy` would be
  // one property to ARM and two to a check that compares exact names.
  const twice = findCaseInsensitiveDuplicate(template);
  if (twice) return twice;
  const reserved = findReservedParameterName(template);
  if (reserved) return reserved;
  const expressionKey = findExpressionKey(template);
  if (expressionKey) return expressionKey;
  const extraKey = Object.keys(template).find((key) => !TEMPLATE_KEYS_LOWER.has(key.toLowerCase()));
  if (extraKey !== undefined) {
    return { path: [extraKey], problem: `is not allowed in a flow run's template, which may hold only ${[...TEMPLATE_KEYS].join(', ')}` };
  }
  const outputs = propertyOf(template, 'outputs');
  if (outputs.value !== undefined && !(isPlainObject(outputs.value) && Object.keys(outputs.value).length === 0)) {
    return { path: [outputs.key], problem: 'must be empty: deployment outputs are readable by anyone who can read the resource group' };
  }
  const resources = propertyOf(template, 'resources').value;
  if (!Array.isArray(resources) || resources.length !== 1) {
    const found = Array.isArray(resources) ? `${resources.length} resources` : 'no list';
    return { path: ['resources'], problem: `must hold ${ONE_GROUP} (found ${found}); shape the group itself instead` };
  }
  const group = resources[0] as unknown;
  if (!isPlainObject(group)) return { path: ['resources', 0], problem: `must be ${ONE_GROUP}` };
  if (typeof group.type !== 'string' || group.type.toLowerCase() !== CONTAINER_GROUP_RESOURCE_TYPE.toLowerCase()) {
    return { path: ['resources', 0, 'type'], problem: `must be ${CONTAINER_GROUP_RESOURCE_TYPE} (found ${JSON.stringify(group.type)})` };
  }
  const extraResourceKey = Object.keys(group).find((key) => !RESOURCE_KEYS_LOWER.has(key.toLowerCase()));
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
  const properties = propertyOf(group, 'properties').value;
  const restartPolicy = isPlainObject(properties) ? propertyOf(properties, 'restartPolicy').value : undefined;
  if (typeof restartPolicy !== 'string' || restartPolicy.toLowerCase() !== 'never') {
    return {
      path: ['resources', 0, 'properties', 'restartPolicy'],
      problem: `must be Never (found ${JSON.stringify(restartPolicy)}): a flow run runs once, and its exit code ends the run`,
    };
  }
  return findForbiddenExpression(template);
}

/** A property by ARM's case-insensitive name (duplicates are refused before this is asked). */
function propertyOf(node: Record<string, unknown>, name: string): { key: string; value: unknown } {
  const key = Object.keys(node).find((candidate) => candidate.toLowerCase() === name.toLowerCase()) ?? name;
  return { key, value: node[key] };
}

/** What one walk of the template looks for; each returns a violation or undefined. */
interface TreeCheck {
  /** A string value. */
  text?(value: string, path: JsonPath): BoundaryViolation | undefined;
  /** An object, before its properties are visited. */
  object?(node: Record<string, unknown>, path: JsonPath): BoundaryViolation | undefined;
  /** A property name (`path` ends with it), before its value is visited. */
  key?(key: string, path: JsonPath): BoundaryViolation | undefined;
}

/** The first violation `check` finds in the JSON tree under `node`, depth-first in document order. */
function findInTree(node: unknown, path: JsonPath, check: TreeCheck): BoundaryViolation | undefined {
  if (typeof node === 'string') return check.text?.(node, path);
  if (Array.isArray(node)) {
    for (const [index, item] of node.entries()) {
      const found = findInTree(item, [...path, index], check);
      if (found) return found;
    }
    return undefined;
  }
  if (!isPlainObject(node)) return undefined;
  const here = check.object?.(node, path);
  if (here) return here;
  for (const [key, value] of Object.entries(node)) {
    const found = check.key?.(key, [...path, key]) ?? findInTree(value, [...path, key], check);
    if (found) return found;
  }
  return undefined;
}

function findCaseInsensitiveDuplicate(template: Record<string, unknown>): BoundaryViolation | undefined {
  return findInTree(template, [], {
    object: (node, path) => {
      // Tag names are matched case-insensitively by applyManagedTags, which keeps one of each managed tag.
      if (path[path.length - 1] === 'tags') return undefined;
      const seen = new Map<string, string>();
      for (const key of Object.keys(node)) {
        const earlier = seen.get(key.toLowerCase());
        if (earlier !== undefined) {
          return { path: [...path, key], problem: `names the same property as "${earlier}" (ARM compares property names case-insensitively); keep one` };
        }
        seen.set(key.toLowerCase(), key);
      }
      return undefined;
    },
  });
}

/** The deployment parameters that carry resolved secrets are the worker's: nothing in the template may name them. */
function findReservedParameterName(template: Record<string, unknown>): BoundaryViolation | undefined {
  const reserved = SECRET_PARAMETER_PREFIX.toLowerCase();
  const problem = `mentions "${SECRET_PARAMETER_PREFIX}", the prefix of the parameters the worker passes secrets in; choose another name`;
  return findInTree(template, [], {
    // Only an expression can read a parameter; plain text mentioning the prefix reads nothing.
    text: (value, path) => (isExpression(value) && value.toLowerCase().includes(reserved) ? { path, problem } : undefined),
    key: (key, path) => (key.toLowerCase().includes(reserved) ? { path, problem } : undefined),
  });
}

/**
 * An expression as a property name (`"[concat('Restart','Policy')]": "Always"`) names a
 * property no check can see; ARM evaluates it. Allowed only inside `parameters` and
 * `variables`, which create nothing by themselves.
 */
function findExpressionKey(template: Record<string, unknown>): BoundaryViolation | undefined {
  const check: TreeCheck = {
    key: (key, path) =>
      isExpression(key)
        ? {
            path,
            problem: `is an expression used as a property name, which ARM would evaluate into a name no check can see; write the name itself (or start it with "[[" for a literal)`,
          }
        : undefined,
  };
  for (const [key, value] of Object.entries(template)) {
    if (EXPRESSION_KEYS_ALLOWED_UNDER.has(key.toLowerCase())) continue;
    const found = findInTree(value, [key], check);
    if (found) return found;
  }
  return undefined;
}

/**
 * Sets the managed tags on the group: after the labels, and again after the patches, so
 * neither can remove or forge them. ARM tag names are case-insensitive, so any spelling of a managed name goes.
 */
export function applyManagedTags(group: Record<string, unknown>, managedTags: Record<string, string>): void {
  const managed = new Set(Object.keys(managedTags).map((name) => name.toLowerCase()));
  const kept = Object.entries(isPlainObject(group.tags) ? group.tags : {}).filter(([name]) => !managed.has(name.toLowerCase()));
  // Values as ARM literals: a run id that looked like `[...]` must not be evaluated.
  group.tags = { ...Object.fromEntries(kept), ...Object.fromEntries(Object.entries(managedTags).map(([name, value]) => [name, armLiteral(value)])) };
}
