// Types of `aci-flow`'s import: those of the client library it re-exports (index.js).
export * from '@aci-flow/client';
