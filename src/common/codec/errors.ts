/** Bad codec key configuration: names the variable or file so the operator knows where to look. */
export class CodecConfigError extends Error {
  constructor(
    /** The variable or file at fault, e.g. `ACI_FLOW_CODEC_KEYS` or `/run/keys/2026-01`. */
    readonly source: string,
    readonly problem: string,
  ) {
    super(`${source}: ${problem}`);
    this.name = 'CodecConfigError';
  }
}

/** A payload this process cannot decrypt: a key it does not have, or data that is not what was encrypted. */
export class PayloadDecryptionError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PayloadDecryptionError';
  }
}
