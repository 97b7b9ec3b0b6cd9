/**
 * ARM evaluates every template string (and property name) that starts with `[` and ends
 * with `]` as an expression, and some expression functions read other resources:
 * `listKeys(...)` returns a storage account's keys, `reference(...)` any resource's
 * properties. A flow run's container is run by whoever started the run, so a value that
 * reached its environment as `[listKeys(...)]` would hand them secrets from anywhere in
 * the subscription. Two rules keep a run inside its own container group:
 *
 * - Values taken from the job configuration (image, env, command, labels, registry,
 *   identities, subnets, DNS) are written as literals: `[x]` becomes `[[x]`, ARM's escape,
 *   so the container sees exactly what was configured.
 * - Expressions left in the finished template (from `arm_template` or its patches) may call
 *   only functions that compute values from their arguments and the deployment's own
 *   scope; anything that reads resource state, or that this list does not know, is refused.
 */
import { isPlainObject } from '../config/objects';
import type { JsonPath } from './secretPositions';

/** ARM's pure template functions (lowercase; ARM function names are case-insensitive). */
const PURE_FUNCTIONS = new Set(
  [
    // array and object
    'array',
    'coalesce',
    'concat',
    'contains',
    'createArray',
    'createObject',
    'empty',
    'filter',
    'first',
    'flatten',
    'indexOf',
    'intersection',
    'items',
    'json',
    'lambda',
    'last',
    'lastIndexOf',
    'length',
    'map',
    'max',
    'min',
    'null',
    'objectKeys',
    'range',
    'reduce',
    'shallowMerge',
    'skip',
    'sort',
    'take',
    'toObject',
    'tryGet',
    'union',
    // comparison, logic, numbers
    'and',
    'bool',
    'equals',
    'false',
    'greater',
    'greaterOrEquals',
    'if',
    'less',
    'lessOrEquals',
    'not',
    'or',
    'true',
    'add',
    'copyIndex',
    'div',
    'float',
    'int',
    'mod',
    'mul',
    'sub',
    // dates
    'dateTimeAdd',
    'dateTimeFromEpoch',
    'dateTimeToEpoch',
    'utcNow',
    // strings
    'base64',
    'base64ToJson',
    'base64ToString',
    'dataUri',
    'dataUriToString',
    'endsWith',
    'format',
    'guid',
    'join',
    'newGuid',
    'padLeft',
    'replace',
    'split',
    'startsWith',
    'string',
    'substring',
    'toLower',
    'toUpper',
    'trim',
    'uniqueString',
    'uri',
    'uriComponent',
    'uriComponentToString',
    // the deployment's own inputs and scope, and resource ids (strings, not lookups)
    'deployment',
    'environment',
    'parameters',
    'variables',
    'resourceGroup',
    'subscription',
    'tenant',
    'managementGroup',
    'resourceId',
    'subscriptionResourceId',
    'tenantResourceId',
    'extensionResourceId',
    'managementGroupResourceId',
  ].map((name) => name.toLowerCase()),
);

export interface ForbiddenExpression {
  path: JsonPath;
  problem: string;
}

export function isExpression(text: string): boolean {
  return text.startsWith('[') && text.endsWith(']') && !text.startsWith('[[');
}

/** The text as an ARM literal: ARM reads `[[...]` as the string without its first bracket. */
export function armLiteral(text: string): string {
  return text.startsWith('[') && text.endsWith(']') ? `[${text}` : text;
}

/** Every string and property name in a configured value, as ARM literals. */
export function armLiterals<T>(value: T): T {
  if (typeof value === 'string') return armLiteral(value) as T;
  if (Array.isArray(value)) return value.map((item: unknown) => armLiterals(item)) as T;
  if (isPlainObject(value)) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [armLiteral(key), armLiterals(item)])) as T;
  }
  return value;
}

/** Function names an expression calls, string literals ('it''s') set aside. */
export function calledFunctions(expression: string): string[] {
  const withoutStrings = expression.replace(/'(?:[^']|'')*'/g, "''");
  return [...withoutStrings.matchAll(/([A-Za-z_][\w.]*)\s*\(/g)].map((match) => match[1]!);
}

/**
 * `parameters(concat('a','b'))`: a computed name could reach a parameter the template does not
 * name literally (the worker's secure parameters); only `parameters('literal')` is accepted.
 */
function namesParameterIndirectly(expression: string): boolean {
  // String contents set aside, so a quote inside a literal cannot hide a call.
  const withoutStrings = expression.replace(/'(?:[^']|'')*'/g, "'s'");
  return /parameters\s*\(\s*(?!'s'\s*\))/i.test(withoutStrings);
}

/** True when any expression in `node` calls `name()` (ARM function names are case-insensitive). */
export function callsFunction(node: unknown, name: string): boolean {
  if (typeof node === 'string') return isExpression(node) && calledFunctions(node.slice(1, -1)).some((called) => called.toLowerCase() === name.toLowerCase());
  if (Array.isArray(node)) return node.some((item) => callsFunction(item, name));
  if (isPlainObject(node)) return Object.entries(node).some(([key, item]) => callsFunction(key, name) || callsFunction(item, name));
  return false;
}

/** The first expression in the template that calls a function outside PURE_FUNCTIONS, or undefined. */
export function findForbiddenExpression(template: unknown, path: JsonPath = []): ForbiddenExpression | undefined {
  const check = (text: string, at: JsonPath): ForbiddenExpression | undefined => {
    if (!isExpression(text)) return undefined;
    if (namesParameterIndirectly(text.slice(1, -1))) {
      return {
        path: at,
        problem:
          "calls parameters() with a computed name; a flow run's template may read a parameter only by its literal name, e.g. [parameters('containerGroupName')]",
      };
    }
    const forbidden = calledFunctions(text.slice(1, -1)).find((name) => !PURE_FUNCTIONS.has(name.toLowerCase()));
    if (forbidden === undefined) return undefined;
    return {
      path: at,
      problem:
        `calls ${forbidden}(), which a flow run's template may not use: expressions may only compute values ` +
        `(parameters, variables, concat, format, resourceGroup, …), never read other resources (reference, list*); ` +
        `to pass the text literally, start it with "[["`,
    };
  };
  if (typeof template === 'string') return check(template, path);
  if (Array.isArray(template)) {
    for (const [index, item] of template.entries()) {
      const found = findForbiddenExpression(item, [...path, index]);
      if (found) return found;
    }
    return undefined;
  }
  if (isPlainObject(template)) {
    for (const [key, item] of Object.entries(template)) {
      const found = check(key, [...path, key]) ?? findForbiddenExpression(item, [...path, key]);
      if (found) return found;
    }
  }
  return undefined;
}
