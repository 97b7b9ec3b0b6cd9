/**
 * The payload codec: AES-256-GCM over each whole payload (its metadata too, so the original
 * encoding is hidden). The key id travels in the encrypted payload's metadata, so keys can
 * rotate: encode with the current key, decode with any configured one. The key id is also
 * the cipher's additional data, so relabelling a payload with another id fails to decrypt.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { METADATA_ENCODING_KEY, type Payload, type PayloadCodec } from '@temporalio/common';
import { PayloadDecryptionError } from './errors';
import type { CodecKeys } from './keys';
import { CODEC_KEYS_DIR_ENV, CODEC_KEYS_ENV } from './settings';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const KEY_ID_METADATA_KEY = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

export class AesGcmCodec implements PayloadCodec {
  constructor(private readonly keys: CodecKeys) {}

  get currentKeyId(): string {
    return this.keys.currentKeyId;
  }

  async encode(payloads: Payload[]): Promise<Payload[]> {
    const id = this.keys.currentKeyId;
    const key = this.keys.keys.get(id) as Buffer;
    return payloads.map((payload) => ({
      metadata: { [METADATA_ENCODING_KEY]: utf8(ENCRYPTED_ENCODING), [KEY_ID_METADATA_KEY]: utf8(id) },
      data: encrypt(key, id, serialize(payload)),
    }));
  }

  /** Payloads that are not encrypted (written before a key was configured) pass through unchanged. */
  async decode(payloads: Payload[]): Promise<Payload[]> {
    return payloads.map((payload) => {
      if (text(payload.metadata?.[METADATA_ENCODING_KEY]) !== ENCRYPTED_ENCODING) return payload;
      const id = text(payload.metadata?.[KEY_ID_METADATA_KEY]);
      if (!id) throw new PayloadDecryptionError(`an encrypted payload has no ${KEY_ID_METADATA_KEY} in its metadata`);
      const key = this.keys.keys.get(id);
      if (!key) {
        throw new PayloadDecryptionError(
          `a payload is encrypted with key id "${id}", which this process does not have (configured: ${[...this.keys.keys.keys()].sort().join(', ')}); ` +
            `add that key to ${CODEC_KEYS_ENV} or ${CODEC_KEYS_DIR_ENV}`,
        );
      }
      return deserialize(decrypt(key, id, payload.data ?? new Uint8Array()));
    });
  }
}

function encrypt(key: Buffer, keyId: string, plaintext: Buffer): Buffer {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(keyId, 'utf8'));
  const ciphertext = Buffer.concat([cipher.update(plaintext), cipher.final()]);
  return Buffer.concat([iv, ciphertext, cipher.getAuthTag()]);
}

function decrypt(key: Buffer, keyId: string, data: Uint8Array): Buffer {
  const bytes = Buffer.from(data);
  if (bytes.length < IV_BYTES + TAG_BYTES) throw new PayloadDecryptionError(`an encrypted payload (key id "${keyId}") is too short to be one`);
  const decipher = createDecipheriv(CIPHER, key, bytes.subarray(0, IV_BYTES), { authTagLength: TAG_BYTES });
  decipher.setAAD(Buffer.from(keyId, 'utf8'));
  decipher.setAuthTag(bytes.subarray(bytes.length - TAG_BYTES));
  try {
    return Buffer.concat([decipher.update(bytes.subarray(IV_BYTES, bytes.length - TAG_BYTES)), decipher.final()]);
  } catch {
    throw new PayloadDecryptionError(
      `an encrypted payload (key id "${keyId}") does not authenticate: it was altered, or encrypted with another key of that id`,
    );
  }
}

/** The plaintext of one payload: a 4-byte length, its metadata as JSON (values base64), then its data. */
function serialize(payload: Payload): Buffer {
  const metadata = Object.fromEntries(Object.entries(payload.metadata ?? {}).map(([name, value]) => [name, Buffer.from(value).toString('base64')]));
  const header = Buffer.from(JSON.stringify(metadata), 'utf8');
  const length = Buffer.alloc(4);
  length.writeUInt32BE(header.length);
  return Buffer.concat([length, header, payload.data ?? new Uint8Array()]);
}

function deserialize(plaintext: Buffer): Payload {
  const headerEnd = 4 + plaintext.readUInt32BE(0);
  const metadata = JSON.parse(plaintext.subarray(4, headerEnd).toString('utf8')) as Record<string, string>;
  return {
    metadata: Object.fromEntries(Object.entries(metadata).map(([name, value]) => [name, new Uint8Array(Buffer.from(value, 'base64'))])),
    data: new Uint8Array(plaintext.subarray(headerEnd)),
  };
}

function utf8(value: string): Uint8Array {
  return new Uint8Array(Buffer.from(value, 'utf8'));
}

function text(value: Uint8Array | null | undefined): string | undefined {
  return value ? Buffer.from(value).toString('utf8') : undefined;
}
