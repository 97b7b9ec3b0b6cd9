/**
 * Work pool config files and the rendering of a pool's base job template into the job
 * configuration of one flow run.
 *
 * A file is either a Prefect work pool export (`{ name, type, base_job_template, ... }`)
 * or just the base job template (`{ job_configuration, variables }`), in JSON or YAML.
 */
import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import YAML from 'yaml';
import { z } from 'zod';
import { BaseJobTemplateSchema, type BaseJobTemplate } from './baseJobTemplate';
import { blockReferenceOf, unresolvedBlockError } from './blockReferences';
import { ConfigError, configErrorFromIssues, configErrorFromZod, formatFieldPath } from './errors';
import { parseJobConfiguration, POOL_POLICY_FIELDS, type JobConfiguration } from './jobConfiguration';
import { isPlainObject } from './objects';
import { fillPlaceholders, placeholdersIn } from './placeholders';
import { assertSafeKeys } from './safeKeys';
import { compileVariablesSchema, type ValueIssue } from './variablesSchema';

export const ACI_WORK_POOL_TYPE = 'azure-container-instance';

/**
 * Variables only the work pool sets. `aci_credentials` chooses the identity the worker
 * calls Azure with: whoever starts a run is less trusted than the worker
 * (docs/design.md, "Trust boundary"), so a run cannot pick another identity. Its values are checked by the job
 * configuration schema, not by the pool's variables schema (Prefect's describes a block).
 */
export const POOL_ONLY_VARIABLES: readonly string[] = ['aci_credentials', ...POOL_POLICY_FIELDS];

// Prefect exports carry server-side fields (id, created, status, ...); only these matter here.
const WorkPoolExportSchema = z.looseObject({
  name: z.string().min(1).optional(),
  type: z.string().optional(),
  base_job_template: BaseJobTemplateSchema,
});

export interface PoolConfig {
  /** From the file for a work pool export; undefined for a bare base job template (the caller names the pool). */
  name: string | undefined;
  base_job_template: BaseJobTemplate;
  /** Where it was loaded from, for messages. */
  source: string;
}

export async function loadPoolConfig(path: string): Promise<PoolConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw new ConfigError(path, `cannot read the pool config file (${(err as NodeJS.ErrnoException).code ?? String(err)}); check the path`);
  }
  try {
    return parsePoolConfig(parseDocument(text, extname(path).toLowerCase()), path);
  } catch (err) {
    if (err instanceof ConfigError && !err.field.startsWith(path)) {
      throw new ConfigError(err.field ? `${path}: ${err.field}` : path, err.problem);
    }
    throw err;
  }
}

/**
 * A YAML alias may stand for a whole subtree, so ten lines of nested aliases can expand
 * to a billion nodes ("billion laughs"); the yaml package stops expanding past this many
 * alias resolutions, weighted by the size of what they repeat. A pool file needs a few.
 */
export const MAX_YAML_ALIAS_COUNT = 100;

/**
 * JSON for `.json`, YAML (a superset of JSON) for anything else. Keys that could reach
 * an object's prototype are refused here, before anything merges or copies the document.
 */
export function parseDocument(text: string, extension: string): unknown {
  const document = extension === '.json' ? parseJson(text) : parseYaml(text);
  assertSafeKeys(document);
  return document;
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new ConfigError('', `is not valid JSON: ${(err as Error).message}`);
  }
}

function parseYaml(text: string): unknown {
  const document = YAML.parseDocument(text, { prettyErrors: false });
  if (document.errors.length > 0) {
    throw new ConfigError('', `is not valid YAML: ${document.errors[0]!.message.split('\n')[0]}`);
  }
  try {
    return document.toJS({ maxAliasCount: MAX_YAML_ALIAS_COUNT });
  } catch (err) {
    // The yaml package reports alias expansion past maxAliasCount as a ReferenceError.
    if (err instanceof ReferenceError && /alias/i.test(err.message)) {
      throw new ConfigError(
        '',
        `is refused: its YAML aliases (*name) expand past ${MAX_YAML_ALIAS_COUNT} repetitions, as in a "billion laughs" attack; write the repeated values out or use fewer aliases`,
      );
    }
    throw new ConfigError('', `is not valid YAML: ${(err as Error).message}`);
  }
}

export function parsePoolConfig(document: unknown, source: string): PoolConfig {
  if (!isPlainObject(document)) {
    throw new ConfigError(
      '',
      'must be a mapping: a Prefect work pool export { name, type, base_job_template } or a base job template { job_configuration, variables }',
    );
  }
  let name: string | undefined;
  let template: unknown;
  let templateField: string;
  if ('base_job_template' in document) {
    const parsed = WorkPoolExportSchema.safeParse(document);
    if (!parsed.success) throw configErrorFromZod(parsed.error, '');
    if (parsed.data.type !== undefined && parsed.data.type !== ACI_WORK_POOL_TYPE) {
      throw new ConfigError('type', `is "${parsed.data.type}", but aci-flow runs work pools of type "${ACI_WORK_POOL_TYPE}"`);
    }
    name = parsed.data.name;
    template = parsed.data.base_job_template;
    templateField = 'base_job_template';
  } else {
    template = document;
    templateField = '';
  }
  const parsedTemplate = BaseJobTemplateSchema.safeParse(template);
  if (!parsedTemplate.success) throw configErrorFromZod(parsedTemplate.error, templateField);
  checkPlaceholdersAreDeclared(parsedTemplate.data, templateField);
  // A broken variables schema fails now, with the file named, rather than at the first run.
  compileVariablesSchema(runVariablesSchema(parsedTemplate.data.variables), formatFieldPath(['variables'], templateField));
  return { name, base_job_template: parsedTemplate.data, source };
}

function checkPlaceholdersAreDeclared(template: BaseJobTemplate, templateField: string): void {
  const declared = new Set(Object.keys(template.variables.properties));
  for (const { name, path } of placeholdersIn(template.job_configuration, ['job_configuration'])) {
    if (!declared.has(name)) {
      throw new ConfigError(
        formatFieldPath(path, templateField),
        `placeholder {{ ${name} }} names no variable; declare "${name}" under variables.properties or fix the name`,
      );
    }
  }
}

/**
 * The job configuration of one flow run: per-run overrides are checked against the
 * variables schema (unknown names, types, required values), merged over the defaults,
 * filled into the job configuration's placeholders, and the result is validated.
 */
export function renderJobConfiguration(baseJobTemplate: BaseJobTemplate, overrides: Record<string, unknown>): JobConfiguration {
  assertSafeKeys(overrides);
  assertSafeKeys(baseJobTemplate);
  const variables = baseJobTemplate.variables;
  const declared = Object.keys(variables.properties);
  const runnable = declared.filter((name) => !POOL_ONLY_VARIABLES.includes(name));

  for (const name of Object.keys(overrides)) {
    if (POOL_ONLY_VARIABLES.includes(name)) {
      throw new ConfigError(
        name,
        name === 'aci_credentials'
          ? "is set by the work pool only: a run cannot choose the identity the worker calls Azure with; set it in the pool's variables (client_secret as secretref:NAME)"
          : "is set by the work pool only: it says what the pool's runs may reach; set it in the pool's job_configuration",
      );
    }
    if (!declared.includes(name)) {
      throw new ConfigError(name, `is not a variable of this work pool; known variables: ${runnable.join(', ')}`);
    }
  }

  const values: Record<string, unknown> = {};
  for (const name of declared) {
    const schema = variables.properties[name];
    const fallback = isPlainObject(schema) ? schema.default : undefined;
    const value = layered(name, fallback, overrides[name]);
    if (value === undefined) continue;
    // Blocks reach here only where no Prefect API resolved them (the bridge and a worker that has one replace them first).
    const reference = blockReferenceOf(value);
    if (reference) throw unresolvedBlockError(name, reference);
    values[name] = value;
  }
  const runValues = Object.fromEntries(Object.entries(values).filter(([name]) => !POOL_ONLY_VARIABLES.includes(name)));
  const issues = compileVariablesSchema(runVariablesSchema(variables))(runValues);
  if (issues.length > 0) throw configErrorFromIssues(issues.map(withRunAdvice), '');

  const filled = fillPlaceholders(baseJobTemplate.job_configuration, values, new Set(declared));
  return parseJobConfiguration(filled);
}

/** The variables schema without the pool-only variables, which the job configuration schema checks instead. */
function runVariablesSchema(variables: BaseJobTemplate['variables']): Record<string, unknown> {
  const ignored = (name: string) => POOL_ONLY_VARIABLES.includes(name);
  return {
    ...variables,
    properties: Object.fromEntries(Object.entries(variables.properties).filter(([name]) => !ignored(name))),
    required: variables.required.filter((name) => !ignored(name)),
  };
}

/** A variable without a value says how to give it one. */
function withRunAdvice(issue: ValueIssue): ValueIssue {
  if (issue.keyword !== 'required' || issue.path.length !== 1) return issue;
  const name = String(issue.path[0]);
  return { ...issue, message: `is required; pass it per run (--set ${name}=...) or give it a default in the pool's variables` };
}

/**
 * A per-run value replaces the default, except for the maps that layer naturally: per-run
 * `env` and `labels` entries are added to the pool's (a null entry still removes one), so
 * `--set env.LOG_LEVEL=debug` keeps the pool's PREFECT_API_URL.
 */
const MERGED_VARIABLES: readonly string[] = ['env', 'labels'];

function layered(name: string, fallback: unknown, override: unknown): unknown {
  if (override === undefined) return fallback;
  if (MERGED_VARIABLES.includes(name) && isPlainObject(fallback) && isPlainObject(override)) return { ...fallback, ...override };
  return override;
}
