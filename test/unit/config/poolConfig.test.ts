import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import YAML from 'yaml';
import { ConfigError } from '../../../src/config/errors';
import { defaultBaseJobTemplate } from '../../../src/config/baseJobTemplate';
import { loadPoolConfig, renderJobConfiguration } from '../../../src/config/poolConfig';
import { prepareDeployment } from '../../../src/template/prepare';
import { must } from '../../helpers/must';

const EXAMPLES = resolve(__dirname, '../../../examples');
const dir = mkdtempSync(join(tmpdir(), 'aci-flow-pool-'));

function writeFile(name: string, content: unknown): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content));
  return path;
}

describe('loading work pool config files', () => {
  it('loads the example YAML pool, whose defaults are enough to render a flow run', async () => {
    const pool = await loadPoolConfig(join(EXAMPLES, 'pool.yaml'));
    expect(pool.name).toBe('demo-pool');
    const config = renderJobConfiguration(pool.base_job_template, {});
    expect(config).toMatchObject({
      subscription_id: '00000000-0000-0000-0000-000000000000',
      resource_group_name: 'aci-flow-demo',
      image: 'prefecthq/prefect:3.9.1-python3.12',
    });
  });

  it('loads a work pool exported from Prefect for the ACI worker type unchanged', async () => {
    const path = join(EXAMPLES, 'prefect-work-pool.json');
    const exported = JSON.parse(readFileSync(path, 'utf8'));
    const pool = await loadPoolConfig(path);
    expect(pool.name).toBe('my-aci-pool');
    expect(pool.base_job_template).toEqual(exported.base_job_template);

    // Its aci_credentials is a block only a Prefect API resolves: without one, an error naming it, never the worker's identity in silence.
    expect(() => renderJobConfiguration(pool.base_job_template, { command: 'prefect flow-run execute', cpu: 2 })).toThrow(
      /^aci_credentials: refers to Prefect block document 6d4e3a52-8c1f-4d7b-9f61-2b0a7c9e5d13, and no Prefect API is configured to read it/,
    );
    // Without the reference (the error's first way out), it renders with the worker's own identity.
    const credentials = pool.base_job_template.variables.properties.aci_credentials as Record<string, unknown>;
    delete credentials.default;
    const config = renderJobConfiguration(pool.base_job_template, { command: 'prefect flow-run execute', cpu: 2 });
    expect(config).toMatchObject({ cpu: 2, memory: 1, keep_container_group: false, resource_group_name: 'aci-flow-demo' });
    expect(config).not.toHaveProperty('aci_credentials');
    const prepared = prepareDeployment(config, { flowRunId: 'r1', flowName: 'etl', workflowId: 'flow-run-r1' });
    expect(prepared.deploymentName).toBe('aci-flow-etl-r1');
  });

  it('loads an older Prefect export whose schema requires aci_credentials and offers both registry blocks', async () => {
    // Prefect 2 (pydantic v1) exports: no null branches, aci_credentials required without a default.
    const template = defaultBaseJobTemplate();
    const variables = template.variables as Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
    variables.required = ['resource_group_name', 'subscription_id', 'aci_credentials'];
    variables.properties.aci_credentials = {
      title: 'Aci Credentials',
      allOf: [{ $ref: '#/definitions/AzureContainerInstanceCredentials' }],
    };
    variables.properties.image_registry.anyOf = [{ $ref: '#/definitions/DockerRegistry' }, { $ref: '#/definitions/ACRManagedIdentity' }];
    variables.definitions.DockerRegistry.block_type_slug = 'docker-registry';
    variables.definitions.DockerRegistry.secret_fields = ['password'];
    variables.definitions.AzureContainerInstanceCredentials = { type: 'object', required: ['client_id'], properties: {} };
    template.job_configuration.aci_credentials = '{{ aci_credentials }}';
    const path = writeFile('prefect2.json', { name: 'old', type: 'azure-container-instance', base_job_template: template });

    const pool = await loadPoolConfig(path);
    const registry = { registry_url: 'r.example.com', username: 'bot', password: 'secretref:REG', reauth: true };
    const config = renderJobConfiguration(pool.base_job_template, {
      resource_group_name: 'rg',
      subscription_id: '11111111-2222-3333-4444-555555555555',
      image_registry: registry,
    });
    expect(config.image_registry).toEqual(registry);
    expect(config).not.toHaveProperty('aci_credentials');
  });

  it('loads a bare base job template, leaving the pool name to the caller', async () => {
    const path = writeFile('template.yaml', YAML.stringify(defaultBaseJobTemplate()));
    const pool = await loadPoolConfig(path);
    expect(pool.name).toBeUndefined();
    expect(pool.base_job_template).toEqual(defaultBaseJobTemplate());
  });

  it('reads JSON content from a file whose extension is neither .json nor .yaml', async () => {
    const path = writeFile('pool.conf', { name: 'p', type: 'azure-container-instance', base_job_template: defaultBaseJobTemplate() });
    expect((await loadPoolConfig(path)).name).toBe('p');
  });

  it('rejects a pool of another worker type, naming the file and field', async () => {
    const path = writeFile('k8s.json', { name: 'p', type: 'kubernetes', base_job_template: defaultBaseJobTemplate() });
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: type: is "kubernetes", but aci-flow runs work pools of type "azure-container-instance"`);
  });

  it('names the file and the field when the base job template is incomplete', async () => {
    const path = writeFile('partial.json', { name: 'p', base_job_template: { variables: { properties: {} } } });
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: base_job_template.job_configuration: is required`);
  });

  it('names the file and the placeholder path when a placeholder names no variable', async () => {
    const template = defaultBaseJobTemplate();
    template.job_configuration.image = '{{ imgae }}';
    const path = writeFile('typo.yaml', YAML.stringify({ name: 'p', base_job_template: template }));
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: base_job_template.job_configuration.image: placeholder {{ imgae }} names no variable`);
  });

  it('reports invalid YAML and invalid JSON with the file name', async () => {
    const yamlPath = writeFile('bad.yaml', 'name: [unclosed');
    await expect(loadPoolConfig(yamlPath)).rejects.toThrow(new RegExp(`^${yamlPath}: is not valid YAML`));
    const jsonPath = writeFile('bad.json', '{ "name": ');
    await expect(loadPoolConfig(jsonPath)).rejects.toThrow(new RegExp(`^${jsonPath}: is not valid JSON`));
  });

  it('refuses a YAML alias bomb ("billion laughs") fast, naming the file', async () => {
    // Ten levels of nine aliases each: 9^10 (3.5 billion) strings once expanded.
    const lines = ['l0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
    for (let level = 1; level <= 9; level++)
      lines.push(
        `l${level}: &l${level} [${Array(9)
          .fill(`*l${level - 1}`)
          .join(', ')}]`,
      );
    const path = writeFile('bomb.yaml', lines.join('\n'));
    const started = Date.now();
    await expect(loadPoolConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: is refused: its YAML aliases (*name) expand past 100 repetitions`);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('still reads the few aliases an ordinary pool file uses', async () => {
    const template = defaultBaseJobTemplate();
    const properties = template.variables.properties;
    for (const name of ['name', 'command', 'gpu_sku', 'entrypoint']) properties[name] = must(properties.name, 'the name variable'); // one object, written once with aliases
    const text = YAML.stringify({ name: 'p', base_job_template: template });
    expect(text.match(/\*a\d+/g)).toHaveLength(3);
    const path = writeFile('aliases.yaml', text);
    expect((await loadPoolConfig(path)).base_job_template.variables.properties.gpu_sku).toEqual(properties.name);
  });

  it('rejects a file that is not a mapping', async () => {
    const path = writeFile('list.yaml', '- a\n- b\n');
    await expect(loadPoolConfig(path)).rejects.toThrow(new RegExp(`^${path}: must be a mapping`));
  });

  it('says when the file cannot be read', async () => {
    const path = join(dir, 'missing.yaml');
    await expect(loadPoolConfig(path)).rejects.toThrow(ConfigError);
    await expect(loadPoolConfig(path)).rejects.toThrow(`${path}: cannot read the pool config file (ENOENT); check the path`);
  });
});
