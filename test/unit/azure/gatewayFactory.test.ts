import { ClientSecretCredential, ManagedIdentityCredential, type TokenCredential } from '@azure/identity';
import type { AciGateway } from '../../../src/azure/gateway';
import { createGatewayFactory, poolCredential } from '../../../src/azure/gatewayFactory';
import { ConfigError } from '../../../src/config/errors';
import type { AciCredentials } from '../../../src/config/jobConfiguration';
import { fixedPoolSource, withPoolSecrets } from '../../../src/config/poolSource';
import { defaultBaseJobTemplate } from '../../../src/config';

const PRINCIPAL: AciCredentials = { client_id: 'app-id', tenant_id: 'tenant-id', client_secret: 'secretref:ACI_SP_SECRET' };
const MANAGED: AciCredentials = { client_id: 'mi-client-id' };

/** Records every credential a gateway was built for; each built gateway is a distinct object. */
function recordingFactory(secrets: Record<string, string>, options: { staticToken?: boolean } = {}) {
  const defaultGateway = { name: 'default' } as unknown as AciGateway;
  const built: Array<{ credentials: AciCredentials; clientSecret: string | undefined }> = [];
  const gatewayFor = createGatewayFactory({
    defaultGateway,
    build: (credential) => ({ credential }) as unknown as AciGateway,
    resolveSecret: (name) => secrets[name],
    staticToken: options.staticToken,
    credentialFor: (credentials, clientSecret) => {
      built.push({ credentials, clientSecret });
      return { getToken: async () => null } satisfies TokenCredential;
    },
  });
  return { gatewayFor, built, defaultGateway };
}

describe('createGatewayFactory', () => {
  it("uses the worker's default gateway when the pool names no aci_credentials", () => {
    const { gatewayFor, built, defaultGateway } = recordingFactory({});
    expect(gatewayFor({ subscriptionId: 'sub', credentials: undefined })).toBe(defaultGateway);
    expect(gatewayFor({ subscriptionId: 'sub', credentials: null })).toBe(defaultGateway);
    expect(built).toEqual([]);
  });

  it('builds one gateway per credential and subscription, resolving the client secret on the worker, and caches it', () => {
    const { gatewayFor, built } = recordingFactory({ ACI_SP_SECRET: 's3cret' });
    const first = gatewayFor({ subscriptionId: 'sub-a', credentials: PRINCIPAL });
    expect(gatewayFor({ subscriptionId: 'sub-a', credentials: { ...PRINCIPAL } })).toBe(first);
    const otherSubscription = gatewayFor({ subscriptionId: 'sub-b', credentials: PRINCIPAL });
    const managed = gatewayFor({ subscriptionId: 'sub-a', credentials: MANAGED });
    expect(new Set([first, otherSubscription, managed]).size).toBe(3);
    expect(built).toEqual([
      { credentials: PRINCIPAL, clientSecret: 's3cret' },
      { credentials: PRINCIPAL, clientSecret: 's3cret' },
      { credentials: MANAGED, clientSecret: undefined },
    ]);
  });

  it('builds a fresh credential when the secret behind the reference was rotated', () => {
    const secrets = { ACI_SP_SECRET: 'old' };
    const { gatewayFor, built } = recordingFactory(secrets);
    const before = gatewayFor({ subscriptionId: 'sub', credentials: PRINCIPAL });
    secrets.ACI_SP_SECRET = 'new';
    expect(gatewayFor({ subscriptionId: 'sub', credentials: PRINCIPAL })).not.toBe(before);
    expect(built.map((entry) => entry.clientSecret)).toEqual(['old', 'new']);
  });

  it('fails naming the field and where to provide the secret, without building anything, when the reference does not resolve', () => {
    const { gatewayFor, built } = recordingFactory({});
    const attempt = () => gatewayFor({ subscriptionId: 'sub', credentials: PRINCIPAL });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^aci_credentials\.client_secret \(secretref:ACI_SP_SECRET\): cannot be resolved on this worker: .*ACI_FLOW_SECRET_ACI_SP_SECRET/);
    expect(built).toEqual([]);
  });

  it('refuses a literal client secret that reached the worker (input from another client), and never echoes it', () => {
    const { gatewayFor } = recordingFactory({});
    const attempt = () => gatewayFor({ subscriptionId: 'sub', credentials: { ...PRINCIPAL, client_secret: 'hunter2' } });
    expect(attempt).toThrow(/^aci_credentials\.client_secret: must be a secret reference/);
    expect(() => attempt()).not.toThrow(/hunter2/);
  });

  it("keeps the emulator's static token whatever the pool's credentials say", () => {
    const { gatewayFor, built, defaultGateway } = recordingFactory({ ACI_SP_SECRET: 's' }, { staticToken: true });
    expect(gatewayFor({ subscriptionId: 'sub', credentials: PRINCIPAL })).toBe(defaultGateway);
    expect(built).toEqual([]);
  });

  it('still refuses an unresolvable client secret against the emulator, as Azure would fail it', () => {
    const { gatewayFor } = recordingFactory({}, { staticToken: true });
    expect(() => gatewayFor({ subscriptionId: 'sub', credentials: PRINCIPAL })).toThrow(/cannot be resolved on this worker/);
  });
});

describe('poolCredential', () => {
  it('is a ClientSecretCredential for a service principal and a ManagedIdentityCredential for a client id alone', () => {
    expect(poolCredential(PRINCIPAL, 's3cret')).toBeInstanceOf(ClientSecretCredential);
    expect(poolCredential(MANAGED, undefined)).toBeInstanceOf(ManagedIdentityCredential);
  });

  it('requires the tenant with a secret', () => {
    expect(() => poolCredential({ client_id: 'a' }, 's')).toThrow(/^aci_credentials\.tenant_id: is required with client_secret/);
  });
});

describe("aci_credentials from a Prefect pool's block", () => {
  const BLOCK_SECRET = 'prefect-block-6d4e3a52-8c1f-4d7b-9f61-2b0a7c9e5d13-client_secret';
  const FROM_BLOCK: AciCredentials = { client_id: 'sp-client', tenant_id: 'sp-tenant', client_secret: `secretref:${BLOCK_SECRET}` };
  const blockPool = {
    ...fixedPoolSource({ name: 'p', base_job_template: defaultBaseJobTemplate(), source: 'test' }),
    operatorSecret: (name: string) => (name === BLOCK_SECRET ? 'from-the-block' : undefined),
  };

  it("builds the run's service-principal credential with the block's client secret, which the pool source holds", () => {
    const built: Array<string | undefined> = [];
    const gatewayFor = createGatewayFactory({
      defaultGateway: { name: 'default' } as unknown as AciGateway,
      build: (credential) => ({ credential }) as unknown as AciGateway,
      resolveSecret: withPoolSecrets(blockPool, () => 'from-the-secret-store'),
      credentialFor: (_credentials, clientSecret) => {
        built.push(clientSecret);
        return { getToken: async () => null } satisfies TokenCredential;
      },
    });
    gatewayFor({ subscriptionId: 'sub', credentials: FROM_BLOCK });
    expect(built).toEqual(['from-the-block']);
  });

  it('never resolves a block secret name from the secret store (ACI_FLOW_SECRET_*), and fails naming the field when the pool holds no such block', () => {
    const store = (name: string) => (name === BLOCK_SECRET ? 'shadowed-by-the-store' : 'store');
    expect(withPoolSecrets(fixedPoolSource({ name: 'p', base_job_template: defaultBaseJobTemplate(), source: 'test' }), store)(BLOCK_SECRET)).toBeUndefined();
    expect(withPoolSecrets(blockPool, store)('OTHER')).toBe('store');
    const resolving = createGatewayFactory({
      defaultGateway: { name: 'default' } as unknown as AciGateway,
      build: (credential) => ({ credential }) as unknown as AciGateway,
      resolveSecret: withPoolSecrets(undefined, store),
    });
    expect(() => resolving({ subscriptionId: 'sub', credentials: FROM_BLOCK })).toThrow(
      new RegExp(`^aci_credentials.client_secret \\(secretref:${BLOCK_SECRET}\\): cannot be resolved on this worker: it is the secret of a Prefect block`),
    );
  });
});
