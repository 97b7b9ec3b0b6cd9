/** The codec server's defaults, in a module of their own so `aci-flow --help` can show them cheaply. */

/** The bearer token callers must send; a variable (or --token-file) keeps it out of the process list. */
export const CODEC_SERVER_TOKEN_ENV = 'ACI_FLOW_CODEC_SERVER_TOKEN';
