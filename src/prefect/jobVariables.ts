/**
 * The values a flow run's job configuration is rendered with, as Prefect's worker builds
 * them (`BaseWorker._get_configuration` and `BaseJobConfiguration.prepare_for_flow_run`):
 * the deployment's job variables, then the flow run's (env entries merged, everything else
 * replaced), over what the worker injects so the container can report to Prefect.
 */
import { type BaseJobTemplate, ConfigError, renderJobConfiguration } from '../config';
import { isPlainObject } from '../config/objects';
import { assertSafeKeys, assertSafePath } from '../config/safeKeys';
import { secretRef } from '../config/secretReferences';

/** What `prefect flow-run execute` needs besides PREFECT__FLOW_RUN_ID (which every aci-flow run gets). */
export interface Injection {
  apiUrl: string;
  /** The secret NAME holding the API key on the aci-flow worker (ACI_FLOW_SECRET_<NAME>); absent without a key. */
  apiKeySecret?: string;
  /** Same for PREFECT_API_AUTH_STRING. */
  authStringSecret?: string;
}

/** Prefect's default command: the image's Prefect loads the flow run and executes it. */
export const DEFAULT_FLOW_RUN_COMMAND = 'prefect flow-run execute';

export function mergeJobVariables(
  deploymentVariables: Record<string, unknown> | null | undefined,
  flowRunVariables: Record<string, unknown> | null | undefined,
): Record<string, unknown> {
  // Keys such as __proto__ are refused before anything is copied or nested.
  assertSafeKeys(deploymentVariables);
  assertSafeKeys(flowRunVariables);
  const merged: Record<string, unknown> = nestDottedKeys(deploymentVariables ?? {});
  const overrides = nestDottedKeys(flowRunVariables ?? {});
  if (isPlainObject(merged.env) && isPlainObject(overrides.env)) {
    merged.env = { ...merged.env, ...overrides.env };
    delete overrides.env;
  }
  return { ...merged, ...overrides };
}

/**
 * The per-run values for renderJobConfiguration. Injected env comes first, so the pool's
 * env default and the job variables can override it, as `_base_environment()` can be
 * overridden in Prefect; the command defaults to `prefect flow-run execute` when the
 * rendered job has none.
 */
export function jobValues(template: BaseJobTemplate, jobVariables: Record<string, unknown>, injection: Injection): Record<string, unknown> {
  const declared = template.variables.properties;
  if (!('env' in declared)) {
    throw new ConfigError(
      'variables.env',
      "is not declared in the work pool's base job template, so PREFECT_API_URL cannot reach the container; add the \"env\" variable (aci-flow's and Prefect's default templates have it)",
    );
  }
  const envDefault = (declared.env as { default?: unknown }).default;
  const injected: Record<string, string> = { PREFECT_API_URL: injection.apiUrl };
  if (injection.apiKeySecret) injected.PREFECT_API_KEY = secretRef(injection.apiKeySecret);
  if (injection.authStringSecret) injected.PREFECT_API_AUTH_STRING = secretRef(injection.authStringSecret);
  const values: Record<string, unknown> = {
    ...jobVariables,
    env: { ...injected, ...(isPlainObject(envDefault) ? envDefault : {}), ...(isPlainObject(jobVariables.env) ? jobVariables.env : {}) },
  };
  if ('command' in declared && !hasCommand(values.command)) {
    const rendered = renderJobConfiguration(template, values);
    if (!hasCommand(rendered.command)) values.command = DEFAULT_FLOW_RUN_COMMAND;
  }
  return values;
}

function hasCommand(command: unknown): boolean {
  if (typeof command === 'string') return command.trim() !== '';
  return Array.isArray(command) && command.length > 0;
}

/** Prefect accepts `env.FOO: bar` for `env: {FOO: bar}`; the nested form wins where both are given. */
function nestDottedKeys(variables: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(variables)) {
    if (!key.includes('.')) continue;
    const parts = key.split('.');
    assertSafePath(parts, key);
    let node = out;
    for (const part of parts.slice(0, -1)) {
      if (!isPlainObject(node[part])) node[part] = {};
      node = node[part] as Record<string, unknown>;
    }
    node[parts[parts.length - 1]!] = value; // split('.') is never empty
  }
  for (const [key, value] of Object.entries(variables)) {
    if (key.includes('.')) continue;
    out[key] = isPlainObject(out[key]) && isPlainObject(value) ? { ...(out[key] as Record<string, unknown>), ...value } : value;
  }
  return out;
}
