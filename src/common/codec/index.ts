/**
 * The payload codec every Temporal client and worker of aci-flow uses when the operator
 * configures a key (docs/deployment.md, "Encrypted history"); without one, nothing changes.
 */
import type { DataConverter } from '@temporalio/common';
import { AesGcmCodec } from './aesGcmCodec';
import { codecKeysFromEnv } from './keys';

export { AesGcmCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA_KEY } from './aesGcmCodec';
export { CodecConfigError, PayloadDecryptionError } from './errors';
export { type CodecKeys, codecKeysFromEnv } from './keys';
export { CODEC_KEY_ID_ENV, CODEC_KEYS_DIR_ENV, CODEC_KEYS_ENV } from './settings';

/** The codec of the configured keys, or undefined when none is configured. */
export function codecFromEnv(env: NodeJS.ProcessEnv = process.env): AesGcmCodec | undefined {
  const keys = codecKeysFromEnv(env);
  return keys && new AesGcmCodec(keys);
}

/**
 * The data converter of a client or worker that encrypts with `codec`: payloads through the
 * codec, and failure messages into encoded attributes so the codec covers them as well.
 */
export function encryptingDataConverter(codec: AesGcmCodec): DataConverter {
  return { payloadCodecs: [codec], failureConverterPath: require.resolve('./encodedFailures') };
}
