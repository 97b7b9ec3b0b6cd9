import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultAzureCredential } from '@azure/identity';
import { ArmGateway } from '../../../src/azure/armGateway';
import { azureConnectionFromEnv, createArmLimiter, createGateway, credentialFor, DEV_TOKEN, StaticTokenCredential } from '../../../src/azure/credentials';

const PEM = '-----BEGIN CERTIFICATE-----\nMIIBfake\n-----END CERTIFICATE-----\n';

function caFile(contents = PEM): string {
  const path = join(mkdtempSync(join(tmpdir(), 'aci-flow-ca-')), 'ca.pem');
  writeFileSync(path, contents);
  return path;
}

describe('azureConnectionFromEnv', () => {
  it('uses public Azure with DefaultAzureCredential when nothing is set', () => {
    const config = azureConnectionFromEnv({});

    expect(config.endpoint).toBeUndefined();
    expect(credentialFor(config)).toBeInstanceOf(DefaultAzureCredential);
  });

  it('uses the emulator endpoint, trusts its CA and sends the dev token when endpoint and CA file are set', async () => {
    const config = azureConnectionFromEnv({ ACI_FLOW_ARM_ENDPOINT: 'https://127.0.0.1:8443', ACI_FLOW_ARM_CA_FILE: caFile() });

    expect(config).toMatchObject({ endpoint: 'https://127.0.0.1:8443', caCertPem: PEM });
    const credential = credentialFor(config);
    expect(credential).toBeInstanceOf(StaticTokenCredential);
    const token = await credential.getToken('https://management.azure.com/.default');
    expect(token?.token).toBe(DEV_TOKEN);
    expect(token?.expiresOnTimestamp).toBeGreaterThan(Date.now() + 365 * 24 * 3600 * 1000);
  });

  it('sends ACI_FLOW_ARM_TOKEN as the static token when given', async () => {
    const config = azureConnectionFromEnv({
      ACI_FLOW_ARM_ENDPOINT: 'https://localhost:9443/',
      ACI_FLOW_ARM_CA_FILE: caFile(),
      ACI_FLOW_ARM_TOKEN: 'my-token',
    });

    expect((await credentialFor(config).getToken('scope'))?.token).toBe('my-token');
  });

  it('keeps DefaultAzureCredential for a sovereign-cloud endpoint without a CA file', () => {
    const config = azureConnectionFromEnv({ ACI_FLOW_ARM_ENDPOINT: 'https://management.usgovcloudapi.net' });

    expect(credentialFor(config)).toBeInstanceOf(DefaultAzureCredential);
  });

  it('reads the ARM budget and poll interval overrides', () => {
    const config = azureConnectionFromEnv({ ACI_FLOW_ARM_READS_PER_SECOND: '5', ACI_FLOW_ARM_BURST: '2', ACI_FLOW_ARM_POLL_INTERVAL_MS: '200' });

    expect(config.limits).toEqual({ readsPerSecond: 5, burst: 2 });
    expect(config.pollIntervalMs).toBe(200);
  });

  it('reads ACI_FLOW_ARM_STEERING as on/off and names it when it is neither', () => {
    expect(azureConnectionFromEnv({}).steering).toBeUndefined();
    expect(azureConnectionFromEnv({ ACI_FLOW_ARM_STEERING: 'off' }).steering).toBe(false);
    expect(azureConnectionFromEnv({ ACI_FLOW_ARM_STEERING: 'ON' }).steering).toBe(true);
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_STEERING: 'no' })).toThrow(/ACI_FLOW_ARM_STEERING.*must be 'on' or 'off', got 'no'/);
  });

  it("builds the ARM budget from the config's limits, steered unless ACI_FLOW_ARM_STEERING is off", () => {
    const draining = (steering: 'on' | 'off') => {
      const limiter = createArmLimiter(azureConnectionFromEnv({ ACI_FLOW_ARM_READS_PER_SECOND: '12', ACI_FLOW_ARM_STEERING: steering }));
      expect(limiter.currentRate('read', 'sub-a')).toBe(12);
      // ARM reports a bucket close to empty, then a 429: a steered budget slows down, a static one does not.
      limiter.remaining('read', 5, 'sub-a');
      limiter.throttled('read', 1000, 'sub-a');
      return limiter.currentRate('read', 'sub-a');
    };
    expect(draining('off')).toBe(12);
    expect(draining('on')).toBeLessThan(12);
  });

  it('rejects a CA file without an endpoint, naming both variables', () => {
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_CA_FILE: caFile() })).toThrow(
      /ACI_FLOW_ARM_CA_FILE: only applies to a custom ARM endpoint; set ACI_FLOW_ARM_ENDPOINT/,
    );
  });

  it('rejects a plain-http endpoint, naming the variable', () => {
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_ENDPOINT: 'http://localhost:8080' })).toThrow(/ACI_FLOW_ARM_ENDPOINT: must be an https:\/\/ URL/);
  });

  it('rejects an unreadable CA file with its path', () => {
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_ENDPOINT: 'https://localhost', ACI_FLOW_ARM_CA_FILE: '/nonexistent/ca.pem' })).toThrow(
      /ACI_FLOW_ARM_CA_FILE: cannot read '\/nonexistent\/ca.pem'/,
    );
  });

  it('rejects a CA file that holds no PEM certificate', () => {
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_ENDPOINT: 'https://localhost', ACI_FLOW_ARM_CA_FILE: caFile('hello') })).toThrow(
      /ACI_FLOW_ARM_CA_FILE: must contain a PEM certificate/,
    );
  });

  it('rejects a limit that is not a positive number, naming the variable', () => {
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_WRITES_PER_SECOND: 'fast' })).toThrow(/ACI_FLOW_ARM_WRITES_PER_SECOND: must be a number/);
    expect(() => azureConnectionFromEnv({ ACI_FLOW_ARM_WRITES_PER_SECOND: '0' })).toThrow(/ACI_FLOW_ARM_WRITES_PER_SECOND/);
  });
});

describe('createGateway', () => {
  it('builds an ArmGateway for a valid config', () => {
    expect(createGateway({ endpoint: 'https://127.0.0.1:1', caCertPem: PEM })).toBeInstanceOf(ArmGateway);
  });

  it('rejects an invalid config with the field at fault', () => {
    expect(() => createGateway({ token: 'x' })).toThrow(/token: only applies to a custom ARM endpoint/);
  });
});
