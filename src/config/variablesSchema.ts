/**
 * A work pool's `variables` JSON schema, checked with Ajv. Pools exported from Prefect
 * carry pydantic-generated schemas (`anyOf` with `null`, `$ref` into `definitions` or
 * `$defs`, `allOf` wrappers) plus Prefect's own keywords (`block_type_slug`,
 * `secret_fields`, ...), which is why strict mode is off. Ajv's errors are turned into
 * issues that name the field (`env.A`, `identities[1]`, `image_registry.identity`).
 */
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import { configErrorFromIssues } from './errors';
import { ARM_RESOURCE_GROUP_NAME_PATTERN, ARM_RESOURCE_GROUP_NAME_RULE, GUID_PATTERN, GUID_RULE, NON_BLANK_PATTERN } from './limits';
import { isPlainObject } from './objects';

export type JsonSchema = Record<string, unknown> | boolean;

export interface ValueIssue {
  path: Array<string | number>;
  message: string;
  /** The JSON Schema keyword that failed, e.g. `type` or `required`. */
  keyword: string;
}

/** Checks values against the schema; an empty list means they are valid. */
export type VariablesValidator = (values: unknown) => ValueIssue[];

// Compiling costs milliseconds and every flow run of a pool uses the same schema.
const compiled = new Map<string, VariablesValidator>();
const MAX_COMPILED = 64;

/**
 * Compiles a `variables` schema, or throws a ConfigError under `fieldPrefix` saying what
 * is wrong with it (`variables.properties.cpu.type: must be one of ...`, a `$ref` to a
 * definition that does not exist).
 */
export function compileVariablesSchema(schema: Record<string, unknown>, fieldPrefix = 'variables'): VariablesValidator {
  const key = JSON.stringify(schema);
  const cached = compiled.get(key);
  if (cached) return cached;

  // One Ajv per schema: two pools may declare the same `$id`, which one instance refuses.
  const ajv = new Ajv({
    allErrors: true,
    strict: false,
    // Formats are annotations here: Prefect marks SecretStr fields `format: password`.
    validateFormats: false,
  });
  if (!ajv.validateSchema(schema)) {
    throw configErrorFromIssues(issuesFrom(ajv.errors ?? [], schema), fieldPrefix);
  }
  let validate: ValidateFunction;
  try {
    validate = ajv.compile(schema);
  } catch (err) {
    const problem =
      err instanceof Ajv.MissingRefError
        ? `refers to ${err.missingRef}, which the schema does not define; add it under definitions or $defs, or fix the $ref`
        : `cannot be compiled as a JSON schema: ${(err as Error).message}`;
    throw configErrorFromIssues([{ path: [], message: problem }], fieldPrefix);
  }
  const validator: VariablesValidator = (values) => (validate(values) ? [] : issuesFrom(validate.errors ?? [], values));
  if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
  compiled.set(key, validator);
  return validator;
}

interface Located {
  error: ErrorObject;
  /** Where the data failed: instancePath, plus the missing or extra property it names. */
  path: Array<string | number>;
  /** instancePath alone, to relate branch errors to their anyOf/oneOf. */
  at: Array<string | number>;
}

const ALTERNATIVES = new Set(['anyOf', 'oneOf']);

/** Ajv's errors as issues: one per field, alternatives reduced to the branch that got furthest. */
export function issuesFrom(errors: readonly ErrorObject[], data: unknown): ValueIssue[] {
  const located = errors.map((error) => locate(error, data));
  return mergeByField(pickRelevant(located), data);
}

function locate(error: ErrorObject, data: unknown): Located {
  const at = pointerToPath(error.instancePath, data);
  const params = error.params as Record<string, unknown>;
  const named = error.keyword === 'required' ? params.missingProperty : error.keyword === 'additionalProperties' ? params.additionalProperty : undefined;
  return { error, at, path: typeof named === 'string' ? [...at, named] : at };
}

/** JSON pointer segments, numbers where the data holds an array, so `identities/1` reads `identities[1]`. */
function pointerToPath(pointer: string, data: unknown): Array<string | number> {
  if (pointer === '') return [];
  const path: Array<string | number> = [];
  let node: unknown = data;
  for (const raw of pointer.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (Array.isArray(node)) {
      path.push(Number(key));
      node = node[Number(key)];
    } else {
      path.push(key);
      node = isPlainObject(node) ? node[key] : undefined;
    }
  }
  return path;
}

/**
 * A failed anyOf/oneOf reports every branch's errors. Like zod's union errors, the branch
 * that got furthest explains the problem best: keep the deepest errors under it and,
 * among those, a broken constraint (`maximum`, `required`) over a type mismatch, since the
 * branch whose type matched is the one the user meant. The summary itself ("must match a
 * schema in anyOf") stays only when nothing more specific does, e.g. oneOf matching twice.
 */
function pickRelevant(located: Located[]): Located[] {
  let kept = located.filter((l) => !ALTERNATIVES.has(l.error.keyword));
  const summaries = located.filter((l) => ALTERNATIVES.has(l.error.keyword)).sort((a, b) => a.at.length - b.at.length);
  for (const summary of summaries) {
    const under = kept.filter((l) => startsWith(l.at, summary.at));
    if (under.length === 0) {
      kept.push(summary);
      continue;
    }
    const depth = Math.max(...under.map((l) => l.path.length));
    const deepest = under.filter((l) => l.path.length === depth);
    const constraints = deepest.filter((l) => l.error.keyword !== 'type');
    const best = new Set(constraints.length > 0 ? constraints : deepest);
    kept = kept.filter((l) => !under.includes(l) || best.has(l));
  }
  return located.filter((l) => kept.includes(l));
}

function startsWith(path: ReadonlyArray<string | number>, prefix: ReadonlyArray<string | number>): boolean {
  return prefix.every((part, i) => path[i] === part);
}

/** One issue per field; type mismatches from several branches read "must be string or null". */
function mergeByField(located: Located[], data: unknown): ValueIssue[] {
  const byField = new Map<string, Located[]>();
  for (const l of located) {
    const key = JSON.stringify(l.path);
    byField.set(key, [...(byField.get(key) ?? []), l]);
  }
  const issues: ValueIssue[] = [];
  for (const group of byField.values()) {
    const { path } = group[0]!; // each group holds the entry that created it
    const value = valueAt(data, path);
    const types = group.filter((l) => l.error.keyword === 'type').flatMap((l) => String((l.error.params as { type: unknown }).type).split(','));
    if (types.length > 0) issues.push({ path, keyword: 'type', message: `must be ${[...new Set(types)].join(' or ')}, got ${show(value)}` });
    const others = new Map<string, string>();
    for (const l of group) if (l.error.keyword !== 'type') others.set(describe(l.error, value), l.error.keyword);
    for (const [message, keyword] of others) issues.push({ path, keyword, message });
  }
  return issues;
}

/** Patterns of the job configuration that have a rule in words (the same words the zod schema uses). */
const PATTERN_RULES = new Map([
  [NON_BLANK_PATTERN, 'must not be blank'],
  [ARM_RESOURCE_GROUP_NAME_PATTERN, ARM_RESOURCE_GROUP_NAME_RULE],
  [GUID_PATTERN, GUID_RULE],
]);

function describe(error: ErrorObject, value: unknown): string {
  const params = error.params as Record<string, unknown>;
  const got = `, got ${show(value)}`;
  switch (error.keyword) {
    case 'required':
      return 'is required';
    case 'additionalProperties':
      return 'is not an allowed property here';
    case 'enum':
      return `must be one of ${(params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')}${got}`;
    case 'const':
      return `must be ${JSON.stringify(params.allowedValue)}${got}`;
    case 'pattern':
      return PATTERN_RULES.get(String(params.pattern)) ?? `must match the pattern ${String(params.pattern)}${got}`;
    case 'maximum':
      return `must be at most ${String(params.limit)}${got}`;
    case 'minimum':
      return `must be at least ${String(params.limit)}${got}`;
    case 'exclusiveMaximum':
      return `must be less than ${String(params.limit)}${got}`;
    case 'exclusiveMinimum':
      return `must be greater than ${String(params.limit)}${got}`;
    default:
      return error.message ?? `does not satisfy "${error.keyword}"`;
  }
}

function valueAt(data: unknown, path: ReadonlyArray<string | number>): unknown {
  let node = data;
  for (const part of path) {
    if (Array.isArray(node) && typeof part === 'number') node = node[part];
    else if (isPlainObject(node) && typeof part === 'string' && Object.hasOwn(node, part)) node = node[part];
    else return undefined;
  }
  return node;
}

function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
