import { mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { ApplicationFailure, defaultFailureConverter, defaultPayloadConverter, type Payload } from '@temporalio/common';
import {
  AesGcmCodec,
  CodecConfigError,
  codecFromEnv,
  codecKeysFromEnv,
  ENCRYPTED_ENCODING,
  KEY_ID_METADATA_KEY,
  PayloadDecryptionError,
} from '../../../src/common/codec';
import { failureConverter as encodedFailures } from '../../../src/common/codec/encodedFailures';
import { temporalConnectConfig } from '../../../src/common/temporalConnection';
import { first, must } from '../../helpers/must';

const keyA = randomBytes(32);
const keyB = randomBytes(32);

function codecWith(currentKeyId: string, keys: Record<string, Buffer>): AesGcmCodec {
  return new AesGcmCodec({ currentKeyId, keys: new Map(Object.entries(keys)) });
}

const input = { image: 'registry.example/etl:1.2', command: 'python run.py', env: { DB_HOST: 'db.internal' } };
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | null | undefined) => Buffer.from(bytes ?? []).toString('utf8');

describe('AesGcmCodec', () => {
  it('round-trips payloads, metadata included, and hides both', async () => {
    const codec = codecWith('a', { a: keyA });
    const encoded = first(await codec.encode([plain(input)]));
    expect(text(encoded.metadata?.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded.metadata?.[KEY_ID_METADATA_KEY])).toBe('a');
    expect(Object.keys(encoded.metadata ?? {}).sort()).toEqual(['encoding', KEY_ID_METADATA_KEY]);
    for (const clear of ['registry.example', 'python run.py', 'db.internal', 'json/plain']) expect(text(encoded.data)).not.toContain(clear);
    const decoded = first(await codec.decode([encoded]));
    expect(text(decoded.metadata?.encoding)).toBe('json/plain');
    expect(defaultPayloadConverter.fromPayload(decoded)).toEqual(input);
  });

  it('encrypts each payload with a fresh IV: the same value never gives the same ciphertext', async () => {
    const codec = codecWith('a', { a: keyA });
    const [once, twice] = await codec.encode([plain(input), plain(input)]);
    expect(Buffer.from(must(once, 'a first payload').data ?? []).equals(Buffer.from(must(twice, 'a second payload').data ?? []))).toBe(false);
  });

  it('rotates: a codec whose current key is new still decodes what the old key encrypted', async () => {
    const old = first(await codecWith('2025', { 2025: keyA }).encode([plain(input)]));
    const rotated = codecWith('2026', { 2025: keyA, 2026: keyB });
    const fresh = first(await rotated.encode([plain('new')]));
    expect(text(fresh.metadata?.[KEY_ID_METADATA_KEY])).toBe('2026');
    const decoded = await rotated.decode([old, fresh]);
    expect(decoded.map((payload) => defaultPayloadConverter.fromPayload(payload))).toEqual([input, 'new']);
  });

  it('refuses a payload of an unknown key id, naming it', async () => {
    const encoded = first(await codecWith('retired', { retired: keyA }).encode([plain(input)]));
    const decode = codecWith('current', { current: keyB }).decode([encoded]);
    await expect(decode).rejects.toThrow(PayloadDecryptionError);
    await expect(decode).rejects.toThrow(/key id "retired", which this process does not have \(configured: current\)/);
  });

  it('refuses tampered ciphertext, a relabelled key id and a same-named key of other bytes', async () => {
    const codec = codecWith('a', { a: keyA, b: keyA });
    const encoded = first(await codec.encode([plain(input)]));
    const flipped = Buffer.from(encoded.data ?? []);
    flipped.writeUInt8(flipped.readUInt8(20) ^ 1, 20);
    await expect(codec.decode([{ ...encoded, data: flipped }])).rejects.toThrow(/does not authenticate/);
    // Same key bytes under id "b": the key id is authenticated data, so the label cannot be swapped.
    const relabelled = { ...encoded, metadata: { ...encoded.metadata, [KEY_ID_METADATA_KEY]: Buffer.from('b') } };
    await expect(codec.decode([relabelled])).rejects.toThrow(/does not authenticate/);
    await expect(codecWith('a', { a: keyB }).decode([encoded])).rejects.toThrow(/does not authenticate/);
    await expect(codec.decode([{ ...encoded, data: new Uint8Array(5) }])).rejects.toThrow(/too short/);
  });

  it('passes unencrypted payloads through, so history written before a key was set stays readable', async () => {
    const payload = plain(input);
    expect(await codecWith('a', { a: keyA }).decode([payload])).toEqual([payload]);
  });

  it('with the encoded-failures converter, the message and stack trace travel in a payload the codec encrypts', async () => {
    const codec = codecWith('a', { a: keyA });
    const failure = encodedFailures.errorToFailure(ApplicationFailure.nonRetryable('image registry.example/etl:1.2 failed'), defaultPayloadConverter);
    expect(failure.message).toBe('Encoded failure');
    expect(failure.stackTrace).toBe('');
    const sealed = first(await codec.encode([failure.encodedAttributes as Payload]));
    expect(text(sealed.data)).not.toContain('registry.example');
    const opened = first(await codec.decode([sealed]));
    const error = defaultFailureConverter.failureToError({ ...failure, encodedAttributes: opened }, defaultPayloadConverter);
    expect(error.message).toBe('image registry.example/etl:1.2 failed');
  });
});

describe('codec keys from the environment', () => {
  const b64 = (key: Buffer) => key.toString('base64');

  it('configures nothing without keys: no codec, and the connection keeps the SDK default data converter', () => {
    expect(codecKeysFromEnv({})).toBeUndefined();
    expect(codecFromEnv({ ACI_FLOW_CODEC_KEYS: '', ACI_FLOW_CODEC_KEYS_DIR: '' })).toBeUndefined();
    expect(temporalConnectConfig({ overrideEnvVars: {} }).dataConverter).toBeUndefined();
    expect(temporalConnectConfig({ overrideEnvVars: { ACI_FLOW_CODEC_KEYS: `k=${b64(keyA)}` } }).dataConverter?.payloadCodecs).toHaveLength(1);
  });

  it('reads inline keys in base64 or hex; a single key is the current one', () => {
    const keys = codecKeysFromEnv({ ACI_FLOW_CODEC_KEYS: `only=${b64(keyA)}` });
    expect(keys?.currentKeyId).toBe('only');
    expect(keys?.keys.get('only')?.equals(keyA)).toBe(true);
    const both = codecKeysFromEnv({ ACI_FLOW_CODEC_KEYS: ` old=${keyA.toString('hex')} , new=${b64(keyB)}`, ACI_FLOW_CODEC_KEY_ID: 'new' });
    expect(both?.currentKeyId).toBe('new');
    expect(both?.keys.get('old')?.equals(keyA)).toBe(true);
  });

  it('reads a keys directory: file name = key id, trailing newline ignored, dot entries (Kubernetes bookkeeping) skipped', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aci-flow-codec-keys-'));
    writeFileSync(join(dir, '2026-01'), `${b64(keyA)}\n`);
    mkdirSync(join(dir, '..data'));
    writeFileSync(join(dir, '..data', 'ignored'), 'not a key');
    symlinkSync(join(dir, '2026-01'), join(dir, 'current-link'));
    const keys = codecKeysFromEnv({ ACI_FLOW_CODEC_KEYS_DIR: dir, ACI_FLOW_CODEC_KEY_ID: '2026-01' });
    expect([...(keys?.keys.keys() ?? [])].sort()).toEqual(['2026-01', 'current-link']);
    expect(keys?.keys.get('2026-01')?.equals(keyA)).toBe(true);
  });

  it.each([
    [{ ACI_FLOW_CODEC_KEYS: 'k=c2hvcnQ=' }, /^ACI_FLOW_CODEC_KEYS \(entry 1\): must be 32 bytes/],
    [{ ACI_FLOW_CODEC_KEYS: `a=${b64(keyA)},k=${'ab'.repeat(31)}` }, /^ACI_FLOW_CODEC_KEYS \(entry 2\): must be 32 bytes/],
    // A key pasted without its id: base64 padding would otherwise make the key look like an id.
    [{ ACI_FLOW_CODEC_KEYS: b64(keyA) }, /^ACI_FLOW_CODEC_KEYS: entry 1 is not of the form id=key$/],
    [{ ACI_FLOW_CODEC_KEYS: keyA.toString('hex') }, /^ACI_FLOW_CODEC_KEYS: entry 1 is not of the form id=key$/],
    [{ ACI_FLOW_CODEC_KEYS: `../x=${b64(keyA)}` }, /^ACI_FLOW_CODEC_KEYS \(entry 1\): a key id is/],
    [{ ACI_FLOW_CODEC_KEYS: `a=${b64(keyA)},a=${b64(keyB)}` }, /key id "a" is configured twice/],
    [
      { ACI_FLOW_CODEC_KEYS: `a=${b64(keyA)},b=${b64(keyB)}` },
      /^ACI_FLOW_CODEC_KEY_ID: is required when more than one key is configured \(known key ids: a, b\)/,
    ],
    [{ ACI_FLOW_CODEC_KEYS: `a=${b64(keyA)}`, ACI_FLOW_CODEC_KEY_ID: 'b' }, /^ACI_FLOW_CODEC_KEY_ID: names key "b", which is not configured/],
    [{ ACI_FLOW_CODEC_KEY_ID: 'a' }, /^ACI_FLOW_CODEC_KEY_ID: is set, but no key is configured/],
    [{ ACI_FLOW_CODEC_KEYS: ' , ' }, /^ACI_FLOW_CODEC_KEYS: holds no key/],
    [{ ACI_FLOW_CODEC_KEYS_DIR: '/nonexistent/aci-flow-keys' }, /^ACI_FLOW_CODEC_KEYS_DIR: cannot read the directory/],
  ])('refuses %j, naming the variable and never echoing a key', (env, message) => {
    let thrown: unknown;
    try {
      codecKeysFromEnv(env);
    } catch (err) {
      thrown = err;
    }
    expect(thrown).toBeInstanceOf(CodecConfigError);
    expect((thrown as Error).message).toMatch(message);
    for (const key of [keyA, keyB]) {
      expect((thrown as Error).message).not.toContain(b64(key).slice(0, 40));
      expect((thrown as Error).message).not.toContain(key.toString('hex'));
    }
  });

  it('names the file of a bad key in the keys directory', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aci-flow-codec-keys-'));
    writeFileSync(join(dir, 'broken'), 'not-a-key');
    expect(() => codecKeysFromEnv({ ACI_FLOW_CODEC_KEYS_DIR: dir })).toThrow(`${join(dir, 'broken')}: must be 32 bytes`);
  });
});
