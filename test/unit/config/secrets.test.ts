import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DeploymentRequest } from '../../../src/azure/gateway';
import { ConfigError } from '../../../src/config/errors';
import {
  DEFAULT_SECRET_ENV_NAMES,
  isSecretRef,
  resolveSecretReferences,
  SECRET_REF_PREFIX,
  secretResolverFromEnvironment,
} from '../../../src/config/secrets';

function deploymentWith(template: Record<string, unknown>): DeploymentRequest {
  return {
    subscriptionId: 'sub',
    resourceGroupName: 'rg',
    deploymentName: 'aci-flow-x',
    template,
    parameters: { container_group_name: { value: 'x' }, registry_password: { value: 'secretref:REG' } },
  };
}

describe('secret references', () => {
  it('are secretref: followed by an environment-variable-like name', () => {
    expect(SECRET_REF_PREFIX).toBe('secretref:');
    expect(isSecretRef('secretref:PREFECT_API_KEY')).toBe(true);
    expect(isSecretRef('secretref:_x1')).toBe(true);
    expect(isSecretRef('secretref:1abc')).toBe(false);
    expect(isSecretRef('secretref:')).toBe(false);
    expect(isSecretRef('PREFECT_API_KEY')).toBe(false);
    expect(isSecretRef(42)).toBe(false);
  });

  it('cover the Prefect API key and auth string by default', () => {
    expect(DEFAULT_SECRET_ENV_NAMES).toEqual(['PREFECT_API_KEY', 'PREFECT_API_AUTH_STRING']);
  });
});

describe('resolving secret references in a prepared deployment', () => {
  const template = {
    resources: [
      {
        properties: {
          containers: [{ properties: { environmentVariables: [{ name: 'PREFECT_API_KEY', secureValue: 'secretref:API_KEY' }, { name: 'A', value: 'plain' }] } }],
          imageRegistryCredentials: [{ server: 'r', username: 'u', password: 'secretref:REG' }],
        },
      },
    ],
  };
  const values: Record<string, string> = { API_KEY: 'pnu_secret', REG: 'hunter2' };

  it('replaces every reference in the template and the parameters with its value', () => {
    const resolved = resolveSecretReferences(deploymentWith(template), (name) => values[name]);
    const group = (resolved.template.resources as Array<Record<string, any>>)[0]; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(group.properties.containers[0].properties.environmentVariables).toEqual([
      { name: 'PREFECT_API_KEY', secureValue: 'pnu_secret' },
      { name: 'A', value: 'plain' },
    ]);
    expect(group.properties.imageRegistryCredentials[0].password).toBe('hunter2');
    expect(resolved.parameters.registry_password).toEqual({ value: 'hunter2' });
    expect(resolved.parameters.container_group_name).toEqual({ value: 'x' });
  });

  it('leaves the prepared deployment itself untouched', () => {
    const deployment = deploymentWith(template);
    const before = JSON.stringify(deployment);
    resolveSecretReferences(deployment, (name) => values[name]);
    expect(JSON.stringify(deployment)).toBe(before);
  });

  it('fails naming the reference and where to provide it, without printing any secret', () => {
    const attempt = () => resolveSecretReferences(deploymentWith(template), (name) => (name === 'REG' ? 'hunter2' : undefined));
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow('secretref:API_KEY: cannot be resolved on this worker: set the environment variable API_KEY, or the file $ACI_FLOW_SECRETS_DIR/API_KEY');
    expect(attempt).toThrow(expect.objectContaining({ message: expect.not.stringContaining('hunter2') }));
  });
});

describe('the worker environment resolver', () => {
  it('reads the environment variable of the same name', () => {
    expect(secretResolverFromEnvironment({ API_KEY: 'from-env' })('API_KEY')).toBe('from-env');
    expect(secretResolverFromEnvironment({})('API_KEY')).toBeUndefined();
  });

  it('prefers the file in ACI_FLOW_SECRETS_DIR, without its trailing newline', () => {
    const dir = mkdtempSync(join(tmpdir(), 'aci-flow-secrets-'));
    writeFileSync(join(dir, 'API_KEY'), 'from-file\n');
    const resolve = secretResolverFromEnvironment({ ACI_FLOW_SECRETS_DIR: dir, API_KEY: 'from-env', OTHER: 'env-only' });
    expect(resolve('API_KEY')).toBe('from-file');
    expect(resolve('OTHER')).toBe('env-only');
  });
});
