import { defaultBaseJobTemplate, type BaseJobTemplate } from '../../../src/config/baseJobTemplate';
import { ConfigError } from '../../../src/config/errors';
import { renderJobConfiguration } from '../../../src/config/poolConfig';
import { must } from '../../helpers/must';

const REQUIRED = { resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555' };

function template(job_configuration: Record<string, unknown>, properties: Record<string, unknown>, required: string[] = []): BaseJobTemplate {
  return {
    job_configuration: { resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555', ...job_configuration },
    variables: { type: 'object', properties: properties as BaseJobTemplate['variables']['properties'], required },
  };
}

describe("Prefect's ACI base job template as aci-flow ships it", () => {
  const base = defaultBaseJobTemplate();
  const properties = base.variables.properties as Record<string, Record<string, unknown>>;

  it("declares Prefect's variables with Prefect's defaults", () => {
    expect(Object.keys(properties)).toEqual(
      expect.arrayContaining([
        'name',
        'env',
        'labels',
        'command',
        'image',
        'resource_group_name',
        'subscription_id',
        'identities',
        'entrypoint',
        'image_registry',
        'cpu',
        'gpu_count',
        'gpu_sku',
        'memory',
        'subnet_ids',
        'dns_servers',
        'stream_output',
        'task_start_timeout_seconds',
        'task_watch_poll_interval',
        'keep_container_group',
      ]),
    );
    expect(must(properties.cpu, 'cpu').default).toBe(1.0);
    expect(must(properties.memory, 'memory').default).toBe(1.0);
    expect(must(properties.entrypoint, 'entrypoint').default).toBe('/opt/prefect/entrypoint.sh');
    expect(must(properties.task_start_timeout_seconds, 'task_start_timeout_seconds').default).toBe(240);
    expect(must(properties.task_watch_poll_interval, 'task_watch_poll_interval').default).toBe(5.0);
    expect(must(properties.keep_container_group, 'keep_container_group').default).toBe(false);
    expect(must(properties.stream_output, 'stream_output').default).toBe(false);
    expect(must(properties.resource_group_name, 'resource_group_name').title).toBe('Azure Resource Group Name');
    expect(base.variables.required).toEqual(['resource_group_name', 'subscription_id']);
  });

  it('puts image, command, cpu and memory placeholders in the ARM template, like Prefect', () => {
    const container = (base.job_configuration.arm_template as any).resources[0].properties.containers[0].properties; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(container.image).toBe('{{ image }}');
    expect(container.command).toBe('{{ command }}');
    expect(container.resources.requests).toEqual({ cpu: '{{ cpu }}', memoryInGB: '{{ memory }}' });
  });

  it('renders with only the required values into a configuration with the defaults', () => {
    const config = renderJobConfiguration(base, REQUIRED);
    expect(config).toMatchObject({
      ...REQUIRED,
      image: 'prefecthq/prefect:3.9.1-python3.12',
      cpu: 1,
      memory: 1,
      entrypoint: '/opt/prefect/entrypoint.sh',
      task_start_timeout_seconds: 240,
      task_watch_poll_interval: 5,
      keep_container_group: false,
      stream_output: false,
    });
    const container = (config.arm_template as any).resources[0].properties.containers[0].properties; // eslint-disable-line @typescript-eslint/no-explicit-any
    expect(container.resources.requests).toEqual({ cpu: 1, memoryInGB: 1 });
  });

  it('applies per-run overrides with their types', () => {
    const config = renderJobConfiguration(base, {
      ...REQUIRED,
      cpu: 2,
      command: 'python -m etl',
      env: { LEVEL: 'debug' },
      subnet_ids: ['/subnets/a'],
      keep_container_group: true,
    });
    expect(config).toMatchObject({ cpu: 2, command: 'python -m etl', env: { LEVEL: 'debug' }, subnet_ids: ['/subnets/a'], keep_container_group: true });
  });

  it('turns off the entrypoint with a null override', () => {
    expect(renderJobConfiguration(base, { ...REQUIRED, entrypoint: null }).entrypoint).toBeNull();
  });

  it('names a missing required variable and says how to set it', () => {
    expect(() => renderJobConfiguration(base, { resource_group_name: 'rg' })).toThrow(
      "subscription_id: is required; pass it per run (--set subscription_id=...) or give it a default in the pool's variables",
    );
  });

  it('rejects an unknown variable, naming it', () => {
    const attempt = () => renderJobConfiguration(base, { ...REQUIRED, cpus: 2 });
    expect(attempt).toThrow(ConfigError);
    expect(attempt).toThrow(/^cpus: is not a variable of this work pool; known variables: .*cpu/);
  });

  it('rejects a value of the wrong type, naming the field', () => {
    expect(() => renderJobConfiguration(base, { ...REQUIRED, cpu: 'two' })).toThrow('cpu: must be number, got string "two"');
    expect(() => renderJobConfiguration(base, { ...REQUIRED, task_start_timeout_seconds: 1.5 })).toThrow(
      /^task_start_timeout_seconds: must be integer, got number 1.5/,
    );
    expect(() => renderJobConfiguration(base, { ...REQUIRED, env: { A: 1 } })).toThrow(/^env\.A: must be string or null, got number 1/);
    expect(() => renderJobConfiguration(base, { ...REQUIRED, identities: ['/ok', false] })).toThrow(/^identities\[1\]: must be string, got boolean false/);
  });

  it('checks image registry values against the registry definitions', () => {
    expect(() => renderJobConfiguration(base, { ...REQUIRED, image_registry: { registry_url: 'a.azurecr.io' } })).toThrow(
      /^image_registry\.(identity|username|password): is required/,
    );
    const identity = { registry_url: 'a.azurecr.io', identity: '/id' };
    expect(renderJobConfiguration(base, { ...REQUIRED, image_registry: identity }).image_registry).toEqual(identity);
  });

  it('still validates the rendered configuration, e.g. literal secrets', () => {
    expect(() => renderJobConfiguration(base, { ...REQUIRED, env: { PREFECT_API_KEY: 'pnu_x' } })).toThrow(/env\.PREFECT_API_KEY holds a literal secret/);
  });
});

describe('placeholders', () => {
  it('keep the type of the variable when they are the whole value', () => {
    const config = renderJobConfiguration(
      template(
        { cpu: '{{ size }}', subnet_ids: '{{ nets }}', env: '{{ vars }}', stream_output: '{{ stream }}' },
        { size: { type: 'number' }, nets: { type: 'array' }, vars: { type: 'object' }, stream: { type: 'boolean' } },
      ),
      { size: 4, nets: ['/a', '/b'], vars: { K: 'v' }, stream: true },
    );
    expect(config).toMatchObject({ cpu: 4, subnet_ids: ['/a', '/b'], env: { K: 'v' }, stream_output: true });
  });

  it('are interpolated as text inside a longer string', () => {
    const config = renderJobConfiguration(
      template({ image: 'registry.example.com/{{ app }}:{{ tag }}' }, { app: { type: 'string' }, tag: { type: 'integer' } }),
      { app: 'etl', tag: 7 },
    );
    expect(config.image).toBe('registry.example.com/etl:7');
  });

  it('remove their key when the variable has no value, so the configuration default applies', () => {
    const config = renderJobConfiguration(template({ cpu: '{{ cpu }}' }, { cpu: { type: 'number' } }), {});
    expect(config.cpu).toBe(1);
  });

  it('add per-run env and labels entries to the pool defaults instead of replacing them', () => {
    const base = template(
      { env: '{{ env }}', labels: '{{ labels }}' },
      {
        env: { type: 'object', default: { PREFECT_API_URL: 'http://api', DROP_ME: 'x' } },
        labels: { type: 'object', default: { team: 'data' } },
      },
    );
    const config = renderJobConfiguration(base, { env: { LOG_LEVEL: 'debug', DROP_ME: null }, labels: { run: 'nightly' } });
    expect(config.env).toEqual({ PREFECT_API_URL: 'http://api', DROP_ME: null, LOG_LEVEL: 'debug' });
    expect(config.labels).toEqual({ team: 'data', run: 'nightly' });
  });

  it('replace other defaults with the per-run value', () => {
    const base = template({ subnet_ids: '{{ nets }}' }, { nets: { type: 'array', default: ['/a', '/b'] } });
    expect(renderJobConfiguration(base, { nets: ['/c'] }).subnet_ids).toEqual(['/c']);
  });

  it('use the variable default when no override is given', () => {
    const config = renderJobConfiguration(template({ memory: '{{ memory }}' }, { memory: { type: 'number', default: 8 } }), {});
    expect(config.memory).toBe(8);
  });

  it('naming no variable are an error with the field path', () => {
    const base = template({ env: { GREETING: 'hello {{ who }}' } }, {});
    expect(() => renderJobConfiguration(base, {})).toThrow(
      'job_configuration.env.GREETING: placeholder {{ who }} names no variable; declare "who" under variables.properties or fix the name',
    );
  });

  it('that refer to Prefect blocks are an error that says aci-flow cannot resolve them', () => {
    const base = template({ image: '{{ prefect.blocks.secret.image }}' }, {});
    expect(() => renderJobConfiguration(base, {})).toThrow(
      /^job_configuration\.image: placeholder \{\{ prefect\.blocks\.secret\.image \}\} refers to a Prefect block/,
    );
  });
});

describe('variable schemas from Prefect exports', () => {
  it('resolve $ref into definitions and $defs', () => {
    const base = template({ labels: '{{ tags }}' }, { tags: { $ref: '#/$defs/Tags' } });
    (base.variables as Record<string, unknown>).$defs = { Tags: { type: 'object', additionalProperties: { type: 'string' } } };
    expect(renderJobConfiguration(base, { tags: { a: 'b' } }).labels).toEqual({ a: 'b' });
    expect(() => renderJobConfiguration(base, { tags: { a: 1 } })).toThrow(/^tags\.a: must be string, got number 1/);
  });

  it('check enum, bounds and patterns', () => {
    const base = template(
      { gpu_sku: '{{ sku }}', gpu_count: '{{ count }}', resource_group_name: '{{ rg }}' },
      { sku: { enum: ['K80', 'V100'] }, count: { type: 'integer', minimum: 1, maximum: 4 }, rg: { type: 'string', pattern: '^rg-' } },
    );
    expect(() => renderJobConfiguration(base, { sku: 'A100', count: 1, rg: 'rg-a' })).toThrow('sku: must be one of "K80", "V100", got string "A100"');
    expect(() => renderJobConfiguration(base, { sku: 'K80', count: 5, rg: 'rg-a' })).toThrow('count: must be at most 4, got number 5');
    expect(() => renderJobConfiguration(base, { sku: 'K80', count: 1, rg: 'prod' })).toThrow('rg: must match the pattern ^rg-, got string "prod"');
    expect(renderJobConfiguration(base, { sku: 'K80', count: 1, rg: 'rg-a' })).toMatchObject({ gpu_sku: 'K80', gpu_count: 1 });
  });

  it('reject a Prefect block reference left unresolved (no Prefect API read it), naming the variable and the block, in both forms', () => {
    const base = template({ image_registry: '{{ image_registry }}' }, { image_registry: { type: 'object', default: { $ref: { block_document_id: 'abc' } } } });
    expect(() => renderJobConfiguration(base, {})).toThrow(
      /^image_registry: refers to Prefect block document abc, and no Prefect API is configured to read it: set PREFECT_API_URL .* write the registry fields in its place .* or run the pool with aci-flow prefect-worker$/,
    );
    const named = template(
      { image_registry: '{{ image_registry }}' },
      { image_registry: { default: '{{ prefect.blocks.docker-registry-credentials.puller }}' } },
    );
    expect(() => renderJobConfiguration(named, {})).toThrow(
      /^image_registry: refers to Prefect block prefect\.blocks\.docker-registry-credentials\.puller, and no Prefect API/,
    );
    expect(() =>
      renderJobConfiguration(template({ image_registry: '{{ image_registry }}' }, { image_registry: { type: 'object' } }), {
        image_registry: { $ref: { block_document_id: 'run-block' } },
      }),
    ).toThrow(/^image_registry: refers to Prefect block document run-block/);
  });

  it('never treat aci_credentials pointing at a Prefect block as absent: deploying with the worker identity instead would be a silent change of identity', () => {
    const base = template(
      { aci_credentials: '{{ aci_credentials }}' },
      { aci_credentials: { allOf: [{ $ref: '#/definitions/Creds' }], default: { $ref: { block_document_id: 'abc' } } } },
      ['aci_credentials'],
    );
    expect(() => renderJobConfiguration(base, {})).toThrow(
      /^aci_credentials: refers to Prefect block document abc, and no Prefect API is configured to read it: .*remove the reference to deploy with the worker's own identity \(DefaultAzureCredential\), or write client_id, tenant_id and client_secret \(as secretref:NAME\) in its place, or run the pool with aci-flow prefect-worker$/,
    );
    const named = template(
      { aci_credentials: '{{ aci_credentials }}' },
      { aci_credentials: { default: '{{ prefect.blocks.azure-container-instance-credentials.sp }}' } },
    );
    expect(() => renderJobConfiguration(named, {})).toThrow(
      /^aci_credentials: refers to Prefect block prefect\.blocks\.azure-container-instance-credentials\.sp/,
    );
    expect(() => renderJobConfiguration(base, { aci_credentials: {} })).toThrow(
      /^aci_credentials: is set by the work pool only: a run cannot choose the identity the worker calls Azure with/,
    );
  });

  it("use the pool's aci_credentials, the client secret by reference, and refuse a literal secret", () => {
    const principal = { client_id: 'app', tenant_id: 'tenant', client_secret: 'secretref:ACI_SP_SECRET' };
    const pool = (value: unknown) => template({ aci_credentials: '{{ aci_credentials }}' }, { aci_credentials: { type: 'object', default: value } });
    expect(renderJobConfiguration(pool(principal), {}).aci_credentials).toEqual(principal);
    expect(() => renderJobConfiguration(pool({ ...principal, client_secret: 'plain' }), {})).toThrow(
      /^job_configuration\.aci_credentials\.client_secret: aci_credentials\.client_secret holds a literal secret/,
    );
  });
});
