import { ConfigError } from '../../../src/config/errors';
import { compileVariablesSchema } from '../../../src/config/variablesSchema';

const check = (schema: Record<string, unknown>, values: unknown) => compileVariablesSchema(schema)(values).map((i) => `${fieldOf(i.path)}: ${i.message}`);
const fieldOf = (path: Array<string | number>) =>
  path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${p}`))
    .join('')
    .replace(/^\./, '');

describe('checking values against a pool variables schema with Ajv', () => {
  it('names the field and the value for a wrong type', () => {
    expect(check({ properties: { cpu: { type: 'number' } } }, { cpu: 'two' })).toEqual(['cpu: must be number, got string "two"']);
  });

  it('names a missing property, also inside a nested object', () => {
    const schema = {
      required: ['rg'],
      properties: { registry: { type: 'object', required: ['identity'], properties: { identity: { type: 'string' } } } },
    };
    expect(check(schema, { registry: {} })).toEqual(['rg: is required', 'registry.identity: is required']);
  });

  it('names array items by index and extra properties by name', () => {
    const schema = { properties: { nets: { type: 'array', items: { type: 'string' } }, tags: { type: 'object', additionalProperties: false } } };
    expect(check(schema, { nets: ['/a', 7], tags: { x: 1 } })).toEqual(['nets[1]: must be string, got number 7', 'tags.x: is not an allowed property here']);
  });

  it('words bounds, enum and const with the offending value', () => {
    const schema = {
      properties: {
        count: { type: 'integer', minimum: 1, maximum: 4 },
        size: { type: 'number', exclusiveMinimum: 0 },
        sku: { enum: ['K80', 'V100'] },
        mode: { const: 'fixed' },
      },
    };
    expect(check(schema, { count: 0, size: 0, sku: 'A100', mode: 'other' })).toEqual([
      'count: must be at least 1, got number 0',
      'size: must be greater than 0, got number 0',
      'sku: must be one of "K80", "V100", got string "A100"',
      'mode: must be "fixed", got string "other"',
    ]);
  });

  it('reports a blank value against the non-blank pattern as blank', () => {
    expect(check({ properties: { image: { type: 'string', pattern: '\\S' } } }, { image: '   ' })).toEqual(['image: must not be blank']);
  });

  it('reduces a failed anyOf to the branch that got furthest', () => {
    const schema = {
      properties: {
        count: { anyOf: [{ type: 'integer', maximum: 4 }, { type: 'null' }] },
        name: { anyOf: [{ type: 'string' }, { type: 'null' }] },
        registry: {
          anyOf: [{ type: 'object', required: ['url', 'identity'], properties: { url: { type: 'string' }, identity: { type: 'string' } } }, { type: 'null' }],
        },
      },
    };
    expect(check(schema, { count: 5, name: 3, registry: { url: 'a' } })).toEqual([
      'count: must be at most 4, got number 5',
      'name: must be string or null, got number 3',
      'registry.identity: is required',
    ]);
  });

  it('keeps the summary when a oneOf fails because two branches match', () => {
    expect(check({ properties: { n: { oneOf: [{ type: 'number' }, { type: 'integer' }] } } }, { n: 1 })).toEqual(['n: must match exactly one schema in oneOf']);
  });

  it('compares enum and const values by content, not key order', () => {
    const schema = { properties: { region: { enum: [{ name: 'west', zone: 1 }] }, pinned: { const: { a: 1, b: [1, 2] } } } };
    expect(check(schema, { region: { zone: 1, name: 'west' }, pinned: { b: [1, 2], a: 1 } })).toEqual([]);
  });

  it("ignores Prefect's extra keywords and the password format", () => {
    const schema = {
      properties: { subscription_id: { type: 'string', format: 'password', writeOnly: true } },
      definitions: { Creds: { type: 'object', block_type_slug: 'azure-container-instance-credentials', secret_fields: ['client_secret'] } },
    };
    expect(check(schema, { subscription_id: '11111111-2222-3333-4444-555555555555' })).toEqual([]);
  });

  it('rejects a schema that is not valid JSON Schema, naming the keyword', () => {
    const attempt = () => compileVariablesSchema({ properties: { cpu: { type: 'nmber' } } }, 'base_job_template.variables');
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^base_job_template\.variables\.properties\.cpu\.type: must be one of "array", "boolean", .*got string "nmber"/);
  });

  it('rejects a $ref to a definition the schema lacks', () => {
    expect(() => compileVariablesSchema({ properties: { reg: { $ref: '#/definitions/Missing' } } })).toThrow(
      /^variables: refers to #\/definitions\/Missing, which the schema does not define/,
    );
  });
});
