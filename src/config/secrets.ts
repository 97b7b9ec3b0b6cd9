/**
 * Secrets by reference, worker side: where a `secretref:NAME` finds its value. Only the
 * operator's secret store is reachable — files in `$ACI_FLOW_SECRETS_DIR` and variables
 * named `ACI_FLOW_SECRET_<NAME>` — never the worker's own credentials. Which positions of a
 * deployment may hold a reference is the template's business (src/template/secretPositions.ts).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isSecretName, SECRETS_DIR_ENV, secretEnvironmentVariable } from './secretReferences';

export {
  DEFAULT_SECRET_ENV_NAMES,
  SECRET_ENV_PREFIX,
  SECRET_REF_PREFIX,
  SECRETS_DIR_ENV,
  isSecretRef,
  literalSecretIssues,
  secretEnvironmentVariable,
  secretRef,
} from './secretReferences';

export type SecretResolver = (name: string) => string | undefined;

/**
 * Reads `$ACI_FLOW_SECRETS_DIR/NAME` when that directory is set and holds the file (a mounted
 * Kubernetes/Docker secret), else the environment variable `ACI_FLOW_SECRET_<NAME>`
 * (uppercased, hyphens as underscores). Anything else is unreachable: an invalid NAME
 * (which could walk out of the directory) resolves to nothing.
 */
export function secretResolverFromEnvironment(env: NodeJS.ProcessEnv = process.env): SecretResolver {
  const dir = env[SECRETS_DIR_ENV];
  return (name) => {
    if (!isSecretName(name)) return undefined;
    if (dir) {
      try {
        // Secret files usually end with a newline that is not part of the value.
        return readFileSync(join(dir, name), 'utf8').replace(/\r?\n$/, '');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      }
    }
    return env[secretEnvironmentVariable(name)];
  };
}
