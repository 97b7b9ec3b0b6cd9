/**
 * Keys that could reach or replace an object's prototype when user input is copied or
 * merged key by key (`target[key] = value`): `--set __proto__.polluted=1` or a values file
 * holding `{"__proto__": {...}}` would otherwise write into Object.prototype. No config
 * field, variable, env var, label or ARM property needs these names, so they are refused
 * wherever user input enters, with the key and where it was. Pure: no I/O.
 */
import { ConfigError, formatFieldPath } from './errors';

export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Throws a ConfigError naming `key` when it is one of FORBIDDEN_KEYS; `field` says where it appeared. */
export function assertSafeKey(key: string, field: string): void {
  if (FORBIDDEN_KEYS.has(key)) {
    throw new ConfigError(field, `the key "${key}" is not allowed (__proto__, constructor and prototype could alter JavaScript objects); rename or remove it`);
  }
}

/** Every segment of a dotted path such as `--set env.A=1`, before anything is written along it. */
export function assertSafePath(path: readonly string[], field: string): void {
  for (const key of path) assertSafeKey(key, field);
}

/** Every key of every object nested in `node` (parsed JSON/YAML, run values, templates). */
export function assertSafeKeys(node: unknown, fieldPrefix = '', path: Array<string | number> = []): void {
  if (Array.isArray(node)) {
    node.forEach((item, index) => assertSafeKeys(item, fieldPrefix, [...path, index]));
  } else if (typeof node === 'object' && node !== null) {
    // Object.keys sees `__proto__` when JSON.parse or YAML made it an own property.
    for (const key of Object.keys(node)) {
      assertSafeKey(key, formatFieldPath([...path, key], fieldPrefix));
      assertSafeKeys((node as Record<string, unknown>)[key], fieldPrefix, [...path, key]);
    }
  }
}
