/**
 * Secrets by reference, worker side: swap each `secretref:NAME` in a prepared deployment
 * for its value right before the Azure call, so values live only in the worker's memory
 * and never in workflow input, history or logs.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { DeploymentRequest } from '../azure/gateway';
import { ConfigError } from './errors';
import { isSecretRef, secretRefName, SECRET_REF_PREFIX } from './secretReferences';

export { DEFAULT_SECRET_ENV_NAMES, SECRET_REF_PREFIX, isSecretRef, literalSecretIssues, secretRef } from './secretReferences';

export const SECRETS_DIR_ENV = 'ACI_FLOW_SECRETS_DIR';

export type SecretResolver = (name: string) => string | undefined;

/** Returns a copy of the deployment with every secret reference in template and parameters resolved. */
export function resolveSecretReferences<T extends DeploymentRequest>(deployment: T, resolve: SecretResolver): T {
  return {
    ...deployment,
    template: resolveIn(deployment.template, resolve) as Record<string, unknown>,
    parameters: resolveIn(deployment.parameters, resolve) as DeploymentRequest['parameters'],
  };
}

/**
 * Reads secrets from `$ACI_FLOW_SECRETS_DIR/NAME` when that directory is set (a mounted
 * Kubernetes/Docker secret), else from the environment variable NAME.
 */
export function secretResolverFromEnvironment(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  const dir = env[SECRETS_DIR_ENV];
  return (name) => {
    if (dir) {
      try {
        // Secret files usually end with a newline that is not part of the value.
        return readFileSync(join(dir, name), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return env[name];
  };
}

function resolveIn(node: unknown, resolve: SecretResolver): unknown {
  if (typeof node === 'string') {
    if (!node.startsWith(SECRET_REF_PREFIX)) return node;
    if (!isSecretRef(node)) {
      throw new ConfigError(node, `is not a valid secret reference; write ${SECRET_REF_PREFIX}NAME where NAME matches [A-Za-z_][A-Za-z0-9_]*`);
    }
    const name = secretRefName(node);
    const value = resolve(name);
    if (value === undefined) {
      throw new ConfigError(
        node,
        `cannot be resolved on this worker: set the environment variable ${name}, or the file $${SECRETS_DIR_ENV}/${name}`,
      );
    }
    return value;
  }
  if (Array.isArray(node)) return node.map((item) => resolveIn(item, resolve));
  if (typeof node === 'object' && node !== null) {
    return Object.fromEntries(Object.entries(node).map(([key, value]) => [key, resolveIn(value, resolve)]));
  }
  return node;
}
