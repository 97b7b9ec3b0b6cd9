/**
 * Checks per-run values against a work pool's `variables` JSON schema. Pools exported
 * from Prefect carry pydantic-generated schemas (`anyOf` with `null`, `$ref` into
 * `definitions` or `$defs`, `allOf` wrappers), so this covers the keywords those use plus
 * the common validation keywords; annotations (title, description, format, writeOnly,
 * Prefect's block metadata) are ignored, as JSON Schema says unknown keywords must be.
 */
export type JsonSchema = Record<string, unknown> | boolean;

export interface ValueIssue {
  path: Array<string | number>;
  message: string;
}

export function valueIssues(
  schema: JsonSchema,
  value: unknown,
  root: Record<string, unknown>,
  path: Array<string | number> = [],
): ValueIssue[] {
  if (schema === true) return [];
  if (schema === false) return [{ path, message: 'no value is allowed here' }];

  const ref = schema.$ref;
  if (typeof ref === 'string') {
    const target = resolveRef(ref, root);
    if (target === undefined) return [{ path, message: `the variables schema refers to ${ref}, which it does not define` }];
    const issues = valueIssues(target, value, root, path);
    if (issues.length > 0) return issues;
  }
  for (const sub of arrayOfSchemas(schema.allOf)) {
    const issues = valueIssues(sub, value, root, path);
    if (issues.length > 0) return issues;
  }
  for (const keyword of ['anyOf', 'oneOf'] as const) {
    const branches = arrayOfSchemas(schema[keyword]);
    if (branches.length === 0) continue;
    const outcomes = branches.map((branch) => valueIssues(branch, value, root, path));
    if (!outcomes.some((issues) => issues.length === 0)) {
      return [...outcomes].sort((a, b) => a.length - b.length)[0];
    }
  }

  const typeIssue = checkType(schema.type, value, path);
  if (typeIssue) return [typeIssue];

  const issues: ValueIssue[] = [];
  if (Array.isArray(schema.enum) && !schema.enum.some((allowed) => deepEqual(allowed, value))) {
    issues.push({ path, message: `must be one of ${schema.enum.map((v) => JSON.stringify(v)).join(', ')}, got ${show(value)}` });
  }
  if ('const' in schema && !deepEqual(schema.const, value)) {
    issues.push({ path, message: `must be ${JSON.stringify(schema.const)}, got ${show(value)}` });
  }
  if (typeof value === 'number') issues.push(...numberIssues(schema, value, path));
  if (typeof value === 'string') issues.push(...stringIssues(schema, value, path));
  if (Array.isArray(value)) issues.push(...arrayIssues(schema, value, root, path));
  else if (isPlainObject(value)) issues.push(...objectIssues(schema, value, root, path));
  return issues;
}

function resolveRef(ref: string, root: Record<string, unknown>): JsonSchema | undefined {
  if (!ref.startsWith('#/')) return undefined;
  let node: unknown = root;
  for (const raw of ref.slice(2).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!isPlainObject(node)) return undefined;
    node = node[key];
  }
  return isPlainObject(node) || typeof node === 'boolean' ? node : undefined;
}

function checkType(type: unknown, value: unknown, path: Array<string | number>): ValueIssue | undefined {
  if (type === undefined) return undefined;
  const allowed = Array.isArray(type) ? type.map(String) : [String(type)];
  if (allowed.some((t) => hasType(t, value))) return undefined;
  return { path, message: `expected ${allowed.join(' or ')}, got ${show(value)}` };
}

function hasType(type: string, value: unknown): boolean {
  switch (type) {
    case 'string':
      return typeof value === 'string';
    case 'number':
      return typeof value === 'number' && Number.isFinite(value);
    case 'integer':
      return typeof value === 'number' && Number.isInteger(value);
    case 'boolean':
      return typeof value === 'boolean';
    case 'null':
      return value === null;
    case 'array':
      return Array.isArray(value);
    case 'object':
      return isPlainObject(value);
    default:
      return true;
  }
}

function numberIssues(schema: Record<string, unknown>, value: number, path: Array<string | number>): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const bound = (key: string, fails: (limit: number) => boolean, words: string) => {
    const limit = schema[key];
    if (typeof limit === 'number' && fails(limit)) issues.push({ path, message: `must be ${words} ${limit}, got ${value}` });
  };
  bound('minimum', (l) => value < l, 'at least');
  bound('maximum', (l) => value > l, 'at most');
  bound('exclusiveMinimum', (l) => value <= l, 'greater than');
  bound('exclusiveMaximum', (l) => value >= l, 'less than');
  return issues;
}

function stringIssues(schema: Record<string, unknown>, value: string, path: Array<string | number>): ValueIssue[] {
  const issues: ValueIssue[] = [];
  if (typeof schema.minLength === 'number' && value.length < schema.minLength) {
    issues.push({ path, message: `must be at least ${schema.minLength} characters long` });
  }
  if (typeof schema.maxLength === 'number' && value.length > schema.maxLength) {
    issues.push({ path, message: `must be at most ${schema.maxLength} characters long` });
  }
  if (typeof schema.pattern === 'string' && !new RegExp(schema.pattern, 'u').test(value)) {
    issues.push({ path, message: `must match the pattern ${schema.pattern}` });
  }
  return issues;
}

function arrayIssues(
  schema: Record<string, unknown>,
  value: unknown[],
  root: Record<string, unknown>,
  path: Array<string | number>,
): ValueIssue[] {
  const issues: ValueIssue[] = [];
  if (typeof schema.minItems === 'number' && value.length < schema.minItems) {
    issues.push({ path, message: `must have at least ${schema.minItems} items` });
  }
  if (typeof schema.maxItems === 'number' && value.length > schema.maxItems) {
    issues.push({ path, message: `must have at most ${schema.maxItems} items` });
  }
  const items = schema.items;
  if (isPlainObject(items) || typeof items === 'boolean') {
    value.forEach((item, index) => issues.push(...valueIssues(items, item, root, [...path, index])));
  }
  return issues;
}

function objectIssues(
  schema: Record<string, unknown>,
  value: Record<string, unknown>,
  root: Record<string, unknown>,
  path: Array<string | number>,
): ValueIssue[] {
  const issues: ValueIssue[] = [];
  const properties = isPlainObject(schema.properties) ? schema.properties : {};
  for (const name of Array.isArray(schema.required) ? schema.required.map(String) : []) {
    if (value[name] === undefined) issues.push({ path: [...path, name], message: 'is required' });
  }
  for (const [key, item] of Object.entries(value)) {
    const propertySchema = properties[key];
    if (isPlainObject(propertySchema) || typeof propertySchema === 'boolean') {
      issues.push(...valueIssues(propertySchema, item, root, [...path, key]));
      continue;
    }
    const additional = schema.additionalProperties;
    if (additional === false) issues.push({ path: [...path, key], message: 'is not an allowed property here' });
    else if (isPlainObject(additional)) issues.push(...valueIssues(additional, item, root, [...path, key]));
  }
  return issues;
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function arrayOfSchemas(value: unknown): JsonSchema[] {
  return Array.isArray(value) ? value.filter((v): v is JsonSchema => isPlainObject(v) || typeof v === 'boolean') : [];
}

function deepEqual(a: unknown, b: unknown): boolean {
  return JSON.stringify(a) === JSON.stringify(b);
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
