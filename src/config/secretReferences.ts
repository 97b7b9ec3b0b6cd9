/**
 * Secrets travel by reference (docs/design.md, "Trust boundary"): the configuration holds
 * `secretref:NAME`, and only the worker swaps in the value right before calling Azure.
 * Whoever starts a run is less trusted than the worker, so a reference is accepted only
 * where a secret belongs, and NAME can only select what the operator put in the worker's
 * secret store. This file is pure so the schema (and anything that imports it) stays free of I/O.
 */
export const SECRET_REF_PREFIX = 'secretref:';

/** Env vars that always carry secrets, whatever the pool config says. */
export const DEFAULT_SECRET_ENV_NAMES: readonly string[] = ['PREFECT_API_KEY', 'PREFECT_API_AUTH_STRING'];

/**
 * The worker's environment variables a reference can reach: `ACI_FLOW_SECRET_<NAME>` only,
 * so `AZURE_CLIENT_SECRET`, `TEMPORAL_API_KEY` and the like are out of reach whatever a run says.
 */
export const SECRET_ENV_PREFIX = 'ACI_FLOW_SECRET_';
/** A directory of secret files (a mounted Kubernetes/Docker secret), one file per NAME. */
export const SECRETS_DIR_ENV = 'ACI_FLOW_SECRETS_DIR';

/**
 * Environment-variable names and Key Vault secret names (letters, digits, hyphens, ≤ 127).
 * No `/` or `.`, so `$ACI_FLOW_SECRETS_DIR/NAME` never leaves the directory.
 */
const SECRET_NAME = /^[A-Za-z0-9_][A-Za-z0-9_-]{0,126}$/;
export const SECRET_NAME_RULE = '[A-Za-z0-9_][A-Za-z0-9_-]*, at most 127 characters';

/**
 * Env names whose values are secrets by convention. Matching is generous on purpose: a false
 * positive costs one reference, a false negative puts a secret in workflow history.
 * `TOKEN` must end a word so `TOKENIZERS_PARALLELISM` stays a plain setting.
 */
const SECRET_LOOKING_ENV_NAME = /PASSWORD|PASSWD|SECRET|CREDENTIAL|API_?KEY|ACCESS_?KEY|PRIVATE_?KEY|AUTH_STRING|CONNECTION_STRING|TOKENS?(?![A-Z])|(^|_)KEY$/i;

export function isSecretRef(value: unknown): value is string {
  return typeof value === 'string' && value.startsWith(SECRET_REF_PREFIX) && isSecretName(secretRefName(value));
}

export function isSecretName(name: string): boolean {
  return SECRET_NAME.test(name);
}

/** The NAME of `secretref:NAME` (no validation). */
export function secretRefName(ref: string): string {
  return ref.slice(SECRET_REF_PREFIX.length);
}

export function secretRef(name: string): string {
  return `${SECRET_REF_PREFIX}${name}`;
}

/**
 * The reference names a Prefect pool's block secrets go by (`prefect-block-<block document
 * id>-<field>`): the worker reads the value from the block at deploy time and keeps it in
 * memory, so the pool's rendered configuration (and workflow input) holds only the name.
 * Names with this prefix never resolve from the worker's secret store, and a run's values may
 * reference one only as part of the pool's own block (docs/configuration.md).
 */
export const BLOCK_SECRET_PREFIX = 'prefect-block-';

export function blockSecretName(blockDocumentId: string, field: string): string {
  return `${BLOCK_SECRET_PREFIX}${blockDocumentId}-${field}`;
}

export function isBlockSecretName(name: string): boolean {
  return name.startsWith(BLOCK_SECRET_PREFIX);
}

/** `db-password` → `ACI_FLOW_SECRET_DB_PASSWORD`: uppercase, hyphens as underscores (env names cannot hold hyphens). */
export function secretEnvironmentVariable(name: string): string {
  return `${SECRET_ENV_PREFIX}${name.toUpperCase().replace(/-/g, '_')}`;
}

/** What the operator does to make NAME resolvable, for error messages. */
export function whereToProvideSecret(name: string): string {
  if (isBlockSecretName(name)) {
    return (
      'it is the secret of a Prefect block, which only a worker reading the pool from the Prefect API holds (the aci-flow prefect-worker in-process worker), ' +
      'and only while the work pool names that block'
    );
  }
  return (
    `create the file $${SECRETS_DIR_ENV}/${name} or set the environment variable ${secretEnvironmentVariable(name)} on the worker ` +
    `(only ${SECRET_ENV_PREFIX}* variables are readable)`
  );
}

/** True for names such as DB_PASSWORD, GITHUB_TOKEN, AWS_SECRET_ACCESS_KEY, OPENAI_API_KEY. */
export function looksLikeSecretEnvName(name: string): boolean {
  return SECRET_LOOKING_ENV_NAME.test(name);
}

/** Whether a string mentions a reference at all; such text is allowed only as a whole reference in a secret position. */
export function mentionsSecretRef(value: string): boolean {
  return value.includes(SECRET_REF_PREFIX);
}

export interface SecretIssue {
  path: Array<string | number>;
  message: string;
}

type ConfigFields = Record<string, unknown> & {
  env?: Record<string, string | null> | null;
  secret_env_names?: readonly string[];
  image_registry?: object | null;
  aci_credentials?: object | null;
};

/**
 * Fields of the job configuration that become secret positions of the template. The
 * template fields are left to the prepared-template check, which knows ARM's positions.
 */
const CHECKED_ON_THE_PREPARED_TEMPLATE = new Set(['arm_template', 'arm_template_patches']);

/**
 * Every secret held where it does not belong: a literal where a secret is expected
 * (PREFECT_API_KEY, secret_env_names, secret-looking env names, the registry password),
 * a malformed reference, and a reference in any field that is not a secret position.
 */
export function literalSecretIssues(config: ConfigFields): SecretIssue[] {
  const issues: SecretIssue[] = [];
  const secretNames = new Set([...DEFAULT_SECRET_ENV_NAMES, ...(config.secret_env_names ?? [])]);
  for (const [name, value] of Object.entries(config.env ?? {})) {
    if (value === null || value === undefined) continue;
    if (mentionsSecretRef(value) && !isSecretRef(value)) {
      issues.push({ path: ['env', name], message: malformedRefMessage(value) });
    } else if ((secretNames.has(name) || looksLikeSecretEnvName(name)) && !isSecretRef(value)) {
      issues.push({ path: ['env', name], message: literalSecretMessage(`env.${name}`) });
    }
  }
  const registry = config.image_registry;
  const password = registry && 'password' in registry ? registry.password : undefined;
  if (password !== undefined && !isSecretRef(password)) {
    issues.push({
      path: ['image_registry', 'password'],
      message: typeof password === 'string' && mentionsSecretRef(password) ? malformedRefMessage(password) : literalSecretMessage('image_registry.password'),
    });
  }
  const credentials = config.aci_credentials;
  const clientSecret = credentials && 'client_secret' in credentials ? credentials.client_secret : undefined;
  if (clientSecret !== undefined && clientSecret !== null && !isSecretRef(clientSecret)) {
    issues.push({
      path: ['aci_credentials', 'client_secret'],
      message:
        typeof clientSecret === 'string' && mentionsSecretRef(clientSecret)
          ? malformedRefMessage(clientSecret)
          : literalSecretMessage('aci_credentials.client_secret'),
    });
  }
  for (const [field, value] of Object.entries(config)) {
    if (CHECKED_ON_THE_PREPARED_TEMPLATE.has(field)) continue;
    for (const path of pathsMentioningSecretRefs(value, [field])) {
      if (!isConfigSecretPosition(path)) issues.push({ path, message: misplacedRefMessage() });
    }
  }
  return issues;
}

function isConfigSecretPosition(path: ReadonlyArray<string | number>): boolean {
  if (path.length !== 2) return false;
  const [field, key] = path;
  return field === 'env' || (field === 'image_registry' && key === 'password') || (field === 'aci_credentials' && key === 'client_secret');
}

/** Paths of every string value in `node` that mentions `secretref:` (keys are never resolved, so they cannot leak). */
export function pathsMentioningSecretRefs(node: unknown, path: Array<string | number> = []): Array<Array<string | number>> {
  if (typeof node === 'string') return mentionsSecretRef(node) ? [path] : [];
  if (Array.isArray(node)) return node.flatMap((item, index) => pathsMentioningSecretRefs(item, [...path, index]));
  if (typeof node === 'object' && node !== null) {
    return Object.entries(node).flatMap(([key, value]) => pathsMentioningSecretRefs(value, [...path, key]));
  }
  return [];
}

export function literalSecretMessage(field: string): string {
  return `${field} holds a literal secret; pass it by reference as ${SECRET_REF_PREFIX}NAME so it never enters workflow history`;
}

export function malformedRefMessage(value: string): string {
  return `"${value}" is not a valid secret reference; write ${SECRET_REF_PREFIX}NAME (the whole value) where NAME matches ${SECRET_NAME_RULE}`;
}

export function misplacedRefMessage(): string {
  return (
    `holds a secret reference, but ${SECRET_REF_PREFIX}NAME is accepted only in env values, image_registry.password and aci_credentials.client_secret ` +
    `(in a template: secureValue, registry password, Azure Files storageAccountKey; see docs/configuration.md "Secrets by reference"), ` +
    `where Azure keeps the value hidden; anywhere else it would expose the secret`
  );
}
