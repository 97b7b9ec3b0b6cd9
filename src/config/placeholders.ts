/**
 * `{{ variable }}` placeholders in a base job template's `job_configuration`, with
 * Prefect's rules: a placeholder that is the whole string takes the variable's value with
 * its type (number, list, object); inside a longer string it is interpolated as text; a
 * whole-value placeholder whose variable has no value removes its key, so the job
 * configuration's own default applies.
 */
import { ConfigError, formatFieldPath } from './errors';
import { isPlainObject } from './objects';
import { assertSafeKey } from './safeKeys';

const PLACEHOLDER = /\{\{\s*([^{}\s]+)\s*\}\}/g;
const WHOLE_PLACEHOLDER = /^\{\{\s*([^{}\s]+)\s*\}\}$/;
const OMIT = Symbol('omit');

export function fillPlaceholders(
  node: unknown,
  values: Record<string, unknown>,
  declared: ReadonlySet<string>,
  path: Array<string | number> = [],
  fieldPrefix = 'job_configuration',
): unknown {
  const filled = fill(node, values, declared, path, fieldPrefix);
  return filled === OMIT ? undefined : filled;
}

/** Every variable name the template refers to, with where it does. */
export function placeholdersIn(node: unknown, path: Array<string | number> = []): Array<{ name: string; path: Array<string | number> }> {
  if (typeof node === 'string') return [...node.matchAll(PLACEHOLDER)].map((m) => ({ name: m[1]!, path }));
  if (Array.isArray(node)) return node.flatMap((item, i) => placeholdersIn(item, [...path, i]));
  if (isPlainObject(node)) return Object.entries(node).flatMap(([k, v]) => placeholdersIn(v, [...path, k]));
  return [];
}

function fill(node: unknown, values: Record<string, unknown>, declared: ReadonlySet<string>, path: Array<string | number>, fieldPrefix: string): unknown {
  if (typeof node === 'string') {
    const whole = WHOLE_PLACEHOLDER.exec(node.trim());
    if (whole) {
      const value = lookup(whole[1]!, values, declared, path, fieldPrefix);
      return value === undefined ? OMIT : structuredClone(value);
    }
    return node.replace(PLACEHOLDER, (_match, name: string) => asText(lookup(name, values, declared, path, fieldPrefix)));
  }
  if (Array.isArray(node)) {
    return node.map((item, i) => fill(item, values, declared, [...path, i], fieldPrefix)).filter((item) => item !== OMIT);
  }
  if (isPlainObject(node)) {
    const out: Record<string, unknown> = {};
    for (const [key, value] of Object.entries(node)) {
      // `out[key] = ...` with key __proto__ would replace out's prototype.
      assertSafeKey(key, formatFieldPath([...path, key], fieldPrefix));
      const filled = fill(value, values, declared, [...path, key], fieldPrefix);
      if (filled !== OMIT) out[key] = filled;
    }
    return out;
  }
  return node;
}

function lookup(name: string, values: Record<string, unknown>, declared: ReadonlySet<string>, path: Array<string | number>, fieldPrefix: string): unknown {
  if (declared.has(name)) return values[name];
  const field = formatFieldPath(path, fieldPrefix);
  if (name.startsWith('prefect.')) {
    throw new ConfigError(
      field,
      `placeholder {{ ${name} }} refers to a Prefect block or variable, which aci-flow cannot resolve; replace it with a value or a variable of the pool`,
    );
  }
  throw new ConfigError(field, `placeholder {{ ${name} }} names no variable; declare "${name}" under variables.properties or fix the name`);
}

function asText(value: unknown): string {
  if (value === undefined || value === null) return '';
  return typeof value === 'string' ? value : JSON.stringify(value);
}
