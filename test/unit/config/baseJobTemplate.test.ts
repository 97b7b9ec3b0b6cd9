import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { defaultBaseJobTemplate, variableFieldNames } from '../../../src/config/baseJobTemplate';
import { JobConfigurationFields, POOL_POLICY_FIELDS } from '../../../src/config/jobConfiguration';
import { ACI_MAX_CPU, MAX_TIMER_SECONDS } from '../../../src/config/limits';
import { compileVariablesSchema } from '../../../src/config/variablesSchema';
import { must } from '../../helpers/must';

type Schema = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

const template = defaultBaseJobTemplate();
const variables = template.variables as Schema;
const properties = variables.properties as Record<string, Schema>;
const property = (name: string): Schema => must(properties[name], `variable ${name}`);
const prefect = JSON.parse(readFileSync(resolve(__dirname, '../../../examples/prefect-work-pool.json'), 'utf8')).base_job_template.variables as Schema;

describe('the default variables schema, generated from the job configuration fields', () => {
  it("declares every job configuration field but arm_template and the pool's policy, each filled by its own placeholder", () => {
    const fields = Object.keys(JobConfigurationFields.shape).filter((field) => field !== 'arm_template' && !POOL_POLICY_FIELDS.includes(field));
    expect(variableFieldNames()).toEqual(fields);
    expect(Object.keys(properties)).toEqual(fields);
    for (const field of fields) expect(template.job_configuration[field]).toBe(`{{ ${field} }}`);
    expect(template.job_configuration.arm_template).toBeDefined();
  });

  it("uses Prefect's titles and defaults for every variable Prefect's export declares too", () => {
    const shared = Object.keys(properties).filter((name) => name in prefect.properties);
    expect(shared.length).toBeGreaterThanOrEqual(19);
    for (const name of shared) {
      expect([name, property(name).title]).toEqual([name, must(prefect.properties[name], `Prefect's ${name}`).title]);
      expect(typeof property(name).description).toBe('string');
    }
    for (const name of [
      'cpu',
      'memory',
      'entrypoint',
      'image',
      'task_start_timeout_seconds',
      'task_watch_poll_interval',
      'stream_output',
      'command',
      'gpu_count',
    ]) {
      expect([name, property(name).default]).toEqual([name, must(prefect.properties[name], `Prefect's ${name}`).default]);
    }
    expect(variables.required).toEqual(prefect.required);
    expect(variables.description).toBe(prefect.description);
  });

  it('writes optional fields as Prefect does: anyOf with null, default null, registries as definitions', () => {
    expect(properties.gpu_sku).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }], default: null });
    expect(properties.name).toMatchObject({ anyOf: [{ type: 'string' }, { type: 'null' }], default: null });
    expect(property('image_registry').anyOf).toEqual([
      { $ref: '#/definitions/DockerRegistry' },
      { $ref: '#/definitions/ACRManagedIdentity' },
      { type: 'null' },
    ]);
    expect(variables.definitions.DockerRegistry.required).toEqual(['username', 'password', 'registry_url']);
    expect(variables.definitions.ACRManagedIdentity.required).toEqual(['registry_url', 'identity']);
  });

  it('has no dialect and leaves the root open, like Prefect variables schemas', () => {
    expect(variables).not.toHaveProperty('$schema');
    expect(variables).not.toHaveProperty('additionalProperties');
    expect(prefect).not.toHaveProperty('$schema');
  });

  it('carries the limits, so the variables check catches them before rendering', () => {
    expect(properties.cpu).toMatchObject({ type: 'number', exclusiveMinimum: 0, maximum: ACI_MAX_CPU });
    expect(properties.task_start_timeout_seconds).toMatchObject({ type: 'integer', maximum: MAX_TIMER_SECONDS });
    expect(properties.image).toMatchObject({ type: 'string', pattern: '\\S' });
  });

  it('is a JSON schema Ajv compiles, and returns a fresh copy each time', () => {
    expect(() => compileVariablesSchema(variables)).not.toThrow();
    const copy = defaultBaseJobTemplate();
    (copy.variables.properties.cpu as Schema).default = 8;
    expect(property('cpu').default).toBe(1);
    expect((defaultBaseJobTemplate().variables.properties.cpu as Schema).default).toBe(1);
  });
});
