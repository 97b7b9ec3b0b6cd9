/**
 * Per-run values for a pool's variables from the command line: `--set key=value` flags
 * and a `--values` file. Shared by `render` and `start`, so both read values the same way.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../config/errors';
import { parseDocument } from '../config/poolConfig';
import { assertSafeKey, assertSafePath } from '../config/safeKeys';
import { isPlainObject } from '../config/objects';

/**
 * `key=value` pairs into an object. Values read as YAML scalars or JSON/YAML flow
 * collections (`cpu=2` is a number, `env={"A":"b"}` an object), anything else stays
 * text, exactly as typed (`command=python -m etl`); a quoted value is a string
 * (`env.PORT='"8080"'`). `key=` is null. Dotted keys nest: `env.API_URL=...`.
 */
export function parseSetFlags(flags: readonly string[]): Record<string, unknown> {
  const values: Record<string, unknown> = {};
  for (const flag of flags) {
    const eq = flag.indexOf('=');
    if (eq <= 0) throw new ConfigError(`--set ${flag}`, 'must look like key=value, e.g. --set cpu=2');
    const key = flag.slice(0, eq).trim();
    const path = key.split('.');
    if (path.some((part) => part === '')) throw new ConfigError(`--set ${flag}`, `"${key}" is not a valid key`);
    assertSafePath(path, `--set ${key}`);
    setPath(values, path, parseFlagValue(key, flag.slice(eq + 1)));
  }
  return values;
}

/** A JSON or YAML mapping of variable values. */
export async function loadValuesFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, `cannot read the values file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`);
  }
  let document: unknown;
  try {
    document = parseDocument(text, extname(path).toLowerCase());
  } catch (err) {
    if (err instanceof ConfigError) throw new ConfigError(path, err.problem);
    throw err;
  }
  if (document === null || document === undefined) return {};
  if (!isPlainObject(document)) throw new ConfigError(path, 'must be a mapping of variable names to values');
  return document;
}

/** Values file first, then --set flags on top (nested objects merged key by key). */
export function mergeRunValues(...layers: Array<Record<string, unknown>>): Record<string, unknown> {
  const merged: Record<string, unknown> = {};
  for (const layer of layers) mergeInto(merged, layer);
  return merged;
}

function parseFlagValue(key: string, raw: string): unknown {
  const trimmed = raw.trim();
  const looksLikeCollection = trimmed.startsWith('{') || trimmed.startsWith('[');
  let parsed: unknown;
  try {
    parsed = YAML.parse(raw);
  } catch (err) {
    if (looksLikeCollection) {
      throw new ConfigError(`--set ${key}`, `is not valid JSON/YAML: ${(err as Error).message.split('\n')[0]}`);
    }
    return raw;
  }
  // `a: b` or `- x` would parse as a YAML block collection; on a command line they are text.
  if (typeof parsed === 'object' && parsed !== null && !looksLikeCollection) return raw;
  // Unquoted text stays exactly as typed: YAML would drop a `# ...` tail as a comment.
  if (typeof parsed === 'string' && !/^["']/.test(trimmed)) return raw;
  return parsed;
}

function setPath(target: Record<string, unknown>, path: string[], value: unknown): void {
  let node = target;
  for (const part of path.slice(0, -1)) {
    if (!isPlainObject(node[part])) node[part] = {};
    node = node[part] as Record<string, unknown>;
  }
  node[path[path.length - 1]!] = value; // path comes from split('.'): never empty
}

function mergeInto(target: Record<string, unknown>, source: Record<string, unknown>): void {
  for (const [key, value] of Object.entries(source)) {
    assertSafeKey(key, key);
    if (isPlainObject(value) && isPlainObject(target[key])) mergeInto(target[key] as Record<string, unknown>, value);
    else target[key] = value;
  }
}
