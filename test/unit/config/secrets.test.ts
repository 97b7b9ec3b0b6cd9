import { mkdtempSync, mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DEFAULT_SECRET_ENV_NAMES,
  isSecretRef,
  SECRET_REF_PREFIX,
  secretEnvironmentVariable,
  secretResolverFromEnvironment,
} from '../../../src/config/secrets';

describe('secret references', () => {
  it('are secretref: followed by an environment-variable or Key Vault style name', () => {
    expect(SECRET_REF_PREFIX).toBe('secretref:');
    expect(isSecretRef('secretref:PREFECT_API_KEY')).toBe(true);
    expect(isSecretRef('secretref:_x1')).toBe(true);
    expect(isSecretRef('secretref:db-password')).toBe(true);
    expect(isSecretRef(`secretref:a${'b'.repeat(126)}`)).toBe(true);
    expect(isSecretRef(`secretref:a${'b'.repeat(127)}`)).toBe(false);
    // Key Vault names may start with a digit; the ACI_FLOW_SECRET_ prefix keeps the variable name valid.
    expect(isSecretRef('secretref:1abc')).toBe(true);
    expect(isSecretRef('secretref:-abc')).toBe(false);
    expect(isSecretRef('secretref:')).toBe(false);
    expect(isSecretRef('PREFECT_API_KEY')).toBe(false);
    expect(isSecretRef(42)).toBe(false);
  });

  it.each(['../etc/passwd', 'a/b', '..', '.env', 'a.b', 'a\\b', 'a b'])('never accept the path-like name %j', (name) => {
    expect(isSecretRef(`secretref:${name}`)).toBe(false);
  });

  it('cover the Prefect API key and auth string by default', () => {
    expect(DEFAULT_SECRET_ENV_NAMES).toEqual(['PREFECT_API_KEY', 'PREFECT_API_AUTH_STRING']);
  });

  it('map to a prefixed environment variable: uppercase, hyphens as underscores', () => {
    expect(secretEnvironmentVariable('db-password')).toBe('ACI_FLOW_SECRET_DB_PASSWORD');
    expect(secretEnvironmentVariable('PREFECT_API_KEY')).toBe('ACI_FLOW_SECRET_PREFECT_API_KEY');
  });
});

describe('the worker environment resolver', () => {
  const workerEnv = {
    AZURE_CLIENT_SECRET: 'azure-credential',
    TEMPORAL_API_KEY: 'temporal-key',
    ACI_FLOW_PAYLOAD_KEY: 'codec-key',
    ACI_FLOW_SECRET_DB_PASSWORD: 'for-runs',
  };

  it('reads ACI_FLOW_SECRET_<NAME>, with the documented name mapping', () => {
    const resolve = secretResolverFromEnvironment(workerEnv);
    expect(resolve('DB_PASSWORD')).toBe('for-runs');
    expect(resolve('db-password')).toBe('for-runs');
    expect(resolve('API_KEY')).toBeUndefined();
  });

  it.each(['AZURE_CLIENT_SECRET', 'TEMPORAL_API_KEY', 'ACI_FLOW_PAYLOAD_KEY', 'azure-client-secret'])('cannot reach the worker variable behind %s', (name) => {
    expect(secretResolverFromEnvironment(workerEnv)(name)).toBeUndefined();
  });

  it('prefers the file in ACI_FLOW_SECRETS_DIR, without its trailing newline, and uses the exact name there', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aci-flow-secrets-'));
    writeFileSync(join(dir, 'API_KEY'), 'from-file\n');
    writeFileSync(join(dir, 'db-password'), 'kv-style');
    const resolve = secretResolverFromEnvironment({ ACI_FLOW_SECRETS_DIR: dir, ACI_FLOW_SECRET_API_KEY: 'from-env', ACI_FLOW_SECRET_OTHER: 'env-only' });
    expect(resolve('API_KEY')).toBe('from-file');
    expect(resolve('db-password')).toBe('kv-style');
    expect(resolve('OTHER')).toBe('env-only');
  });

  it('never reads outside ACI_FLOW_SECRETS_DIR, whatever the name', () => {
    const root = mkdtempSync(join(tmpdir(), 'aci-flow-secrets-'));
    const dir = join(root, 'secrets');
    mkdirSync(dir);
    writeFileSync(join(root, 'outside'), 'worker-only');
    mkdirSync(join(dir, '11111111-2222-3333-4444-555555555555'));
    writeFileSync(join(dir, '11111111-2222-3333-4444-555555555555', 'nested'), 'nested');
    const resolve = secretResolverFromEnvironment({ ACI_FLOW_SECRETS_DIR: dir });
    for (const name of ['../outside', '..', 'sub/nested', '/etc/hostname', 'sub/../../outside']) {
      expect(resolve(name)).toBeUndefined();
    }
  });
});
