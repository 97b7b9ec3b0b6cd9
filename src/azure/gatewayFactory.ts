/**
 * A gateway per identity: a pool's `aci_credentials` names the identity the worker calls
 * Azure with for that pool's runs — a service principal whose secret is a `secretref:NAME`
 * resolved here, on the worker, or a user-assigned managed identity by client id. Without
 * it, the worker's default gateway (DefaultAzureCredential, or the emulator's static token).
 *
 * Gateways are cached per (credential settings, subscription, secret value): ARM throttles
 * per principal and subscription, so each keeps its own request budget, and a rotated
 * secret (a new value behind the same reference) gets a fresh credential without a restart.
 * The secret value is only hashed into the cache key and handed to the credential; it is
 * never logged or returned.
 */
import { createHash } from 'node:crypto';
import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import { ConfigError } from '../config/errors';
import type { AciCredentials } from '../config/jobConfiguration';
import { isSecretRef, secretRefName, whereToProvideSecret } from '../config/secretReferences';
import type { SecretResolver } from '../config/secrets';
import type { AciGateway } from './gateway';

/** What an activity knows about the run it calls Azure for. */
export interface GatewayScope {
  subscriptionId: string;
  /** The pool's aci_credentials, secrets as references; absent for the worker's own identity. */
  credentials?: AciCredentials | null;
}

export type GatewayFor = (scope: GatewayScope) => AciGateway;

export interface GatewayFactoryOptions {
  /** The worker's own gateway: runs without aci_credentials, and every run against an emulator. */
  defaultGateway: AciGateway;
  /** Builds a gateway over a credential (the worker: createGateway with the same endpoint and limits). */
  build: (credential: TokenCredential) => AciGateway;
  resolveSecret: SecretResolver;
  /**
   * The emulator accepts any token, and no real identity could reach it: runs keep the
   * default gateway's static token whatever their aci_credentials say.
   */
  staticToken?: boolean;
  /** Builds the credential; tests record what was asked for. */
  credentialFor?: (credentials: AciCredentials, clientSecret: string | undefined) => TokenCredential;
}

export function createGatewayFactory(options: GatewayFactoryOptions): GatewayFor {
  const cache = new Map<string, AciGateway>();
  const credentialFor = options.credentialFor ?? poolCredential;
  return ({ subscriptionId, credentials }) => {
    if (!credentials) return options.defaultGateway;
    // Resolved against the emulator too, so a missing secret shows in the demo as it would on Azure.
    const clientSecret = credentials.client_secret ? resolveClientSecret(credentials.client_secret, options.resolveSecret) : undefined;
    if (options.staticToken) return options.defaultGateway;
    const key = cacheKey(credentials, subscriptionId, clientSecret);
    let gateway = cache.get(key);
    if (!gateway) {
      gateway = options.build(credentialFor(credentials, clientSecret));
      cache.set(key, gateway);
    }
    return gateway;
  };
}

/** A service principal when a secret is given, else the host's user-assigned managed identity of that client id. */
export function poolCredential(credentials: AciCredentials, clientSecret: string | undefined): TokenCredential {
  if (clientSecret !== undefined) {
    if (!credentials.tenant_id) throw new ConfigError('aci_credentials.tenant_id', 'is required with client_secret');
    return new ClientSecretCredential(credentials.tenant_id, credentials.client_id, clientSecret);
  }
  return new ManagedIdentityCredential({ clientId: credentials.client_id });
}

function resolveClientSecret(reference: string, resolveSecret: SecretResolver): string {
  if (!isSecretRef(reference)) {
    // The job configuration schema refuses literals; this guards input from another Temporal client.
    throw new ConfigError('aci_credentials.client_secret', 'must be a secret reference (secretref:NAME); a literal secret would sit in workflow history');
  }
  const name = secretRefName(reference);
  const value = resolveSecret(name);
  if (value === undefined)
    throw new ConfigError(`aci_credentials.client_secret (${reference})`, `cannot be resolved on this worker: ${whereToProvideSecret(name)}`);
  return value;
}

function cacheKey(credentials: AciCredentials, subscriptionId: string, clientSecret: string | undefined): string {
  const secretHash = clientSecret === undefined ? '' : createHash('sha256').update(clientSecret).digest('hex');
  return JSON.stringify([credentials.client_id, credentials.tenant_id ?? '', subscriptionId.toLowerCase(), secretHash]);
}
