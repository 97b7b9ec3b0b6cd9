/**
 * A work pool's base job template in Prefect's format: `job_configuration` (values may
 * hold `{{ placeholders }}`) and `variables` (a JSON schema with defaults), plus the
 * template aci-flow ships, which reproduces the Prefect ACI worker's.
 */
import { z } from 'zod';
import { defaultArmTemplate } from './defaultArmTemplate';
import { JobConfigurationFields, POOL_POLICY_FIELDS } from './jobConfiguration';

export const VariablesSchemaShape = z.looseObject({
  type: z.literal('object').optional(),
  properties: z.record(z.string(), z.union([z.record(z.string(), z.unknown()), z.boolean()])).default({}),
  required: z.array(z.string()).default([]),
});

export const BaseJobTemplateSchema = z.strictObject({
  job_configuration: z.record(z.string(), z.unknown()),
  variables: VariablesSchemaShape,
});

export type BaseJobTemplate = z.infer<typeof BaseJobTemplateSchema>;

/**
 * The variables schema of the default template, generated from the job configuration's
 * zod fields (all but `arm_template`, which stays in job_configuration, as in Prefect, and the pool's policy fields, which only the operator sets).
 * Input mode, because variables describe what a user may write: defaulted fields are
 * optional and carry their `default`. Draft-07, so registries land in `definitions`
 * like Prefect's.
 */
function generateVariablesSchema(): Record<string, unknown> {
  const omitted = Object.fromEntries(['arm_template', ...POOL_POLICY_FIELDS].map((field) => [field, true])) as { arm_template: true };
  const fields = JobConfigurationFields.omit(omitted).meta({
    description: 'Variables for an Azure Container Instance flow run.',
  });
  const schema = z.toJSONSchema(fields, { io: 'input', target: 'draft-7' }) as Record<string, unknown>;
  // Prefect's variables schemas declare no dialect, and leave the root open: the renderer
  // rejects an unknown variable itself, with the list of known ones.
  delete schema.$schema;
  delete schema.additionalProperties;
  return likePydantic(schema) as Record<string, unknown>;
}

// Values, not schemas: never rewritten.
const LITERAL_KEYWORDS = new Set(['default', 'const', 'enum', 'examples']);

/**
 * Writes optional fields the way pydantic (and so Prefect's UI) does: zod emits
 * `type: ["string", "null"]` and nests a union inside its nullable `anyOf`; Prefect's own
 * exports say `anyOf: [{type: string}, {type: null}]` and `anyOf: [{$ref}, {$ref}, {type: null}]`.
 * Both pairs mean the same to a validator.
 */
function likePydantic(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(likePydantic);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) out[key] = LITERAL_KEYWORDS.has(key) ? value : likePydantic(value);
  if (Array.isArray(out.type) && out.type.length > 1) {
    out.anyOf = out.type.map((type) => ({ type }));
    delete out.type;
  }
  if (Array.isArray(out.anyOf)) {
    out.anyOf = out.anyOf.flatMap((branch) => (isOnlyAnyOf(branch) ? branch.anyOf : [branch]));
  }
  return out;
}

function isOnlyAnyOf(branch: unknown): branch is { anyOf: unknown[] } {
  return typeof branch === 'object' && branch !== null && Object.keys(branch).length === 1 && Array.isArray((branch as { anyOf?: unknown }).anyOf);
}

let variablesSchema: Record<string, unknown> | undefined;

/** The job configuration fields a pool's variables can set, in declaration order (not the template, not the pool's policy). */
export function variableFieldNames(): string[] {
  return Object.keys(JobConfigurationFields.shape).filter((field) => field !== 'arm_template' && !POOL_POLICY_FIELDS.includes(field));
}

/** Prefect's ACI base job template, plus aci-flow's `arm_template_patches` and `secret_env_names`. */
export function defaultBaseJobTemplate(): BaseJobTemplate {
  const job_configuration: Record<string, unknown> = Object.fromEntries(variableFieldNames().map((field) => [field, `{{ ${field} }}`]));
  job_configuration.arm_template = defaultArmTemplate({
    image: '{{ image }}',
    command: '{{ command }}',
    cpu: '{{ cpu }}',
    memory: '{{ memory }}',
  });
  variablesSchema ??= generateVariablesSchema();
  return BaseJobTemplateSchema.parse({ job_configuration, variables: structuredClone(variablesSchema) });
}
