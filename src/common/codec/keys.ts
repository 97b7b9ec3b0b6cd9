/**
 * The codec's keys, from what the operator provides: files in $ACI_FLOW_CODEC_KEYS_DIR (a
 * mounted secret) and/or `id=key` pairs in $ACI_FLOW_CODEC_KEYS. Each key is 32 bytes
 * (AES-256), written as base64 or hex. Errors name the variable or file, never a key.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { CodecConfigError } from './errors';
import { CODEC_KEY_ID_ENV, CODEC_KEYS_DIR_ENV, CODEC_KEYS_ENV } from './settings';

export const KEY_BYTES = 32;

export interface CodecKeys {
  /** The key that encrypts new payloads. */
  currentKeyId: string;
  /** Every key that may decrypt, by id; holds the current one. */
  keys: ReadonlyMap<string, Buffer>;
}

/** Key ids travel in payload metadata and name files: keep them short and plain. */
export const keyIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'a key id is 1 to 64 letters, digits, ".", "_" or "-", starting with a letter or digit');

const HEX_KEY = /^[0-9a-fA-F]{64}$/;
const BASE64_KEY = /^[A-Za-z0-9+/]{43}=?$/;

/** 64 hex digits or base64 of 32 bytes (`openssl rand -base64 32`); surrounding whitespace is ignored. */
export const keyMaterialSchema = z
  .string()
  .transform((text) => text.trim())
  .pipe(
    z.string().refine((text) => HEX_KEY.test(text) || BASE64_KEY.test(text), {
      message: `must be ${KEY_BYTES} bytes written as 64 hex digits or base64 (e.g. the output of 'openssl rand -base64 32')`,
    }),
  )
  .transform((text) => Buffer.from(text, HEX_KEY.test(text) ? 'hex' : 'base64'));

/** The configured keys, or undefined when none is configured (then payloads stay as they are). */
export function codecKeysFromEnv(env: NodeJS.ProcessEnv = process.env): CodecKeys | undefined {
  const dir = env[CODEC_KEYS_DIR_ENV] || undefined;
  const inline = env[CODEC_KEYS_ENV] || undefined;
  const chosen = env[CODEC_KEY_ID_ENV] || undefined;
  if (!dir && !inline) {
    if (chosen) throw new CodecConfigError(CODEC_KEY_ID_ENV, `is set, but no key is configured: set ${CODEC_KEYS_DIR_ENV} or ${CODEC_KEYS_ENV}`);
    return undefined;
  }
  const keys = new Map<string, Buffer>();
  const add = (source: string, id: string, material: string) => {
    const key = parse(keyMaterialSchema, material, source);
    const known = keys.get(id);
    if (known && !known.equals(key)) throw new CodecConfigError(source, `key id "${id}" is configured twice with different keys`);
    keys.set(id, key);
  };
  if (dir) for (const file of keyFiles(dir)) add(file.path, file.id, readFileSync(file.path, 'utf8'));
  if (inline) for (const entry of inlineKeys(inline)) add(`${CODEC_KEYS_ENV} (entry ${entry.position})`, entry.id, entry.material);
  if (keys.size === 0) throw new CodecConfigError(dir ? CODEC_KEYS_DIR_ENV : CODEC_KEYS_ENV, 'holds no key');
  return { currentKeyId: currentKeyId(chosen, keys), keys };
}

function currentKeyId(chosen: string | undefined, keys: ReadonlyMap<string, Buffer>): string {
  const known = [...keys.keys()].sort().join(', ');
  if (chosen === undefined) {
    if (keys.size === 1) return [...keys.keys()][0]!;
    throw new CodecConfigError(CODEC_KEY_ID_ENV, `is required when more than one key is configured (known key ids: ${known})`);
  }
  const id = parse(keyIdSchema, chosen, CODEC_KEY_ID_ENV);
  if (!keys.has(id)) throw new CodecConfigError(CODEC_KEY_ID_ENV, `names key "${id}", which is not configured (known key ids: ${known})`);
  return id;
}

/** Regular files of the directory (symlinks followed); dot entries are skipped, as Kubernetes keeps its bookkeeping there. */
function keyFiles(dir: string): Array<{ id: string; path: string }> {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch (err) {
    throw new CodecConfigError(CODEC_KEYS_DIR_ENV, `cannot read the directory ${dir}: ${(err as Error).message}`);
  }
  return names
    .filter((name) => !name.startsWith('.'))
    .map((name) => ({ name, path: join(dir, name) }))
    .filter((entry) => statSync(entry.path).isFile())
    .map((entry) => ({ id: parse(keyIdSchema, entry.name, `${entry.path} (its file name is the key id)`), path: entry.path }));
}

/** `id=key,id=key`: the key id ends at the first "=", so base64 padding stays in the key. */
function inlineKeys(value: string): Array<{ position: number; id: string; material: string }> {
  return value
    .split(',')
    .map((entry) => entry.trim())
    .filter((entry) => entry !== '')
    .map((entry, index) => {
      const position = index + 1;
      const separator = entry.indexOf('=');
      // Never echo the entry, nor what stands before its "=": a key pasted without an id ends in "=" padding.
      if (separator <= 0 || entry.slice(separator + 1).trim() === '') {
        throw new CodecConfigError(CODEC_KEYS_ENV, `entry ${position} is not of the form id=key`);
      }
      const id = keyIdSchema.safeParse(entry.slice(0, separator).trim());
      if (!id.success) throw new CodecConfigError(`${CODEC_KEYS_ENV} (entry ${position})`, id.error.issues[0]!.message);
      return { position, id: id.data, material: entry.slice(separator + 1) };
    });
}

function parse<T>(schema: z.ZodType<T, string>, value: string, source: string): T {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new CodecConfigError(source, parsed.error.issues[0]!.message);
}
