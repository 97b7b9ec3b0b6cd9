/**
 * Secrets travel by reference (DESIGN.md section 7): the configuration holds
 * `secretref:NAME`, and only the worker swaps in the value right before calling Azure.
 * This file is pure so the schema (and anything that imports it) stays free of I/O.
 */
export const SECRET_REF_PREFIX = 'secretref:';

/** Env vars that always carry secrets, whatever the pool config says. */
export const DEFAULT_SECRET_ENV_NAMES: readonly string[] = ['PREFECT_API_KEY', 'PREFECT_API_AUTH_STRING'];

const SECRET_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function isSecretRef(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SECRET_REF_PREFIX) && SECRET_NAME.test(secretRefName(value));
}

/** The NAME of `secretref:NAME` (no validation). */
export function secretRefName(ref: string): string {
  return ref.slice(SECRET_REF_PREFIX.length);
}

export function secretRef(name: string): string {
  return `${SECRET_REF_PREFIX}${name}`;
}

export interface SecretIssue {
  path: Array<string | number>;
  message: string;
}

/**
 * Every place that must hold a reference but holds something else. Also flags
 * malformed references anywhere in `env`, so a typo never reaches Azure as a literal.
 */
export function literalSecretIssues(input: {
  env?: Record<string, string | null> | null;
  secret_env_names?: readonly string[];
  image_registry?: object | null;
}): SecretIssue[] {
  const issues: SecretIssue[] = [];
  const secretNames = new Set([...DEFAULT_SECRET_ENV_NAMES, ...(input.secret_env_names ?? [])]);
  for (const [name, value] of Object.entries(input.env ?? {})) {
    if (value === null || value === undefined) continue;
    if (value.startsWith(SECRET_REF_PREFIX) && !isSecretRef(value)) {
      issues.push({ path: ['env', name], message: malformedRefMessage(value) });
    } else if (secretNames.has(name) && !isSecretRef(value)) {
      issues.push({ path: ['env', name], message: literalSecretMessage(`env.${name}`) });
    }
  }
  const registry = input.image_registry;
  const password = registry && 'password' in registry ? registry.password : undefined;
  if (password !== undefined && !isSecretRef(password)) {
    issues.push({
      path: ['image_registry', 'password'],
      message:
        typeof password === 'string' && password.startsWith(SECRET_REF_PREFIX)
          ? malformedRefMessage(password)
          : literalSecretMessage('image_registry.password'),
    });
  }
  return issues;
}

function literalSecretMessage(field: string): string {
  return `${field} holds a literal secret; pass it by reference as ${SECRET_REF_PREFIX}NAME so it never enters workflow history`;
}

function malformedRefMessage(value: string): string {
  return `"${value}" is not a valid secret reference; write ${SECRET_REF_PREFIX}NAME where NAME matches [A-Za-z_][A-Za-z0-9_]*`;
}
