/**
 * Where the payload codec's keys come from. Light on purpose: the CLI's help shows these
 * names without loading the codec.
 */

/** A directory with one file per key: the file name is the key id, the content the key. */
export const CODEC_KEYS_DIR_ENV = 'ACI_FLOW_CODEC_KEYS_DIR';
/** Keys inline: `id=key[,id=key...]`. */
export const CODEC_KEYS_ENV = 'ACI_FLOW_CODEC_KEYS';
/** The id of the key that encrypts; the others only decrypt. Optional with a single key. */
export const CODEC_KEY_ID_ENV = 'ACI_FLOW_CODEC_KEY_ID';
