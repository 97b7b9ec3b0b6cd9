/** `aci-flow render` as a user runs it: the CLI as a child process, its output and exit codes. */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { defaultBaseJobTemplate } from '../../../src/config';
import { containerGroupNameFor } from '../../../src/template/naming';

const ROOT = resolve(__dirname, '../../..');
const EXAMPLE_POOL = join(ROOT, 'examples/pool.yaml');
const RUN_ID = '3f2c0a4e-1b7d-4c8e-9f00-0123456789ab';
/** 'ETL: nightly' is not a slug, so the name carries a hash (see naming.test.ts). */
const GROUP = containerGroupNameFor('ETL: nightly', RUN_ID);
const dir = mkdtempSync(join(tmpdir(), 'aci-flow-render-'));

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** No Prefect API: none in the environment, and a PREFECT_HOME without profiles. */
const NO_PREFECT_HOME = mkdtempSync(join(tmpdir(), 'aci-flow-render-no-prefect-'));

async function aciFlow(...args: string[]): Promise<CliResult> {
  try {
    // The pool file comes from the arguments only, whatever the developer's shell exports; likewise Prefect's settings.
    const { ACI_FLOW_POOL_CONFIG: _ignored, PREFECT_API_URL: _url, PREFECT_PROFILES_PATH: _profiles, PREFECT_PROFILE: _profile, ...env } = process.env;
    const { stdout, stderr } = await promisify(execFile)('node', [join(ROOT, 'bin/aci-flow.js'), ...args], {
      cwd: ROOT,
      env: { ...env, PREFECT_HOME: NO_PREFECT_HOME },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const failed = err as { code: number; stdout: string; stderr: string };
    return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
  }
}

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any
const containerOf = (body: Json): Json => body.properties.template.resources[0].properties.containers[0].properties;

describe('aci-flow render', () => {
  it('prints a valid ARM deployment body for the example pool config', async () => {
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--flow', 'ETL: nightly', '--run-id', RUN_ID);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const body = JSON.parse(result.stdout);
    expect(body).toMatchObject({
      deploymentName: `aci-flow-${GROUP}`,
      containerGroupName: GROUP,
      containerName: 'etl-nightly',
      resourceGroupName: 'aci-flow-demo',
      subscriptionId: '00000000-0000-0000-0000-000000000000',
      properties: {
        mode: 'Incremental',
        parameters: { container_group_name: { value: GROUP }, container_name: { value: 'etl-nightly' } },
      },
    });
    const template = body.properties.template;
    expect(template.$schema).toMatch(/deploymentTemplate\.json#$/);
    expect(template.resources[0]).toMatchObject({
      type: 'Microsoft.ContainerInstance/containerGroups',
      name: "[parameters('container_group_name')]",
      tags: { 'managed-by': 'aci-flow', 'aci-flow-flow-run-id': RUN_ID },
    });
    expect(template.parameters).toHaveProperty('container_group_name');
    expect(template.parameters).toHaveProperty('container_name');
    expect(containerOf(body).image).toBe('prefecthq/prefect:3.9.1-python3.12');
  });

  it('applies --set values with their types and splits a quoted command', async () => {
    const result = await aciFlow(
      'render',
      '--pool-config',
      EXAMPLE_POOL,
      '--run-id',
      RUN_ID,
      '--set',
      'cpu=2',
      '--set',
      'memory=3.5',
      '--set',
      `command=python -m etl --title "big load"`,
      '--set',
      'env.PREFECT_API_KEY=secretref:PREFECT_API_KEY',
      '--set',
      'gpu_count=1',
      '--set',
      'gpu_sku=V100',
    );
    expect(result.code).toBe(0);
    const container = containerOf(JSON.parse(result.stdout));
    expect(container.resources.requests).toEqual({ cpu: 2, memoryInGB: 3.5, gpu: { count: 1, sku: 'V100' } });
    expect(container.command).toEqual(['/opt/prefect/entrypoint.sh', 'python', '-m', 'etl', '--title', 'big load']);
    expect(container.environmentVariables).toContainEqual({ name: 'PREFECT_API_KEY', secureValue: 'secretref:PREFECT_API_KEY' });
  });

  it('reads --values from a YAML file, with --set winning over it', async () => {
    const values = join(dir, 'values.yaml');
    writeFileSync(values, 'image: python:3.12\ncpu: 4\nentrypoint: null\ncommand: python -c "print(1)"\n');
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--run-id', RUN_ID, '--values', values, '--set', 'cpu=0.5');
    expect(result.code).toBe(0);
    const container = containerOf(JSON.parse(result.stdout));
    expect(container).toMatchObject({ image: 'python:3.12', command: ['python', '-c', 'print(1)'] });
    expect(container.resources.requests.cpu).toBe(0.5);
  });

  it('makes up a UUID flow run id when none is given', async () => {
    const first = JSON.parse((await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--flow', 'etl')).stdout);
    const second = JSON.parse((await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--flow', 'etl')).stdout);
    expect(first.containerGroupName).toMatch(/^etl-[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect(second.containerGroupName).not.toBe(first.containerGroupName);
  });

  it('prints the same document with --json', async () => {
    const plain = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--run-id', RUN_ID);
    const json = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--run-id', RUN_ID, '--json');
    expect(json.stdout).toBe(plain.stdout);
  });

  it.each<[string[], RegExp]>([
    [['--set', 'cpus=2'], /^aci-flow: cpus: is not a variable of this work pool/],
    [['--set', 'cpu=two'], /^aci-flow: cpu: must be number, got string "two"/],
    [['--set', 'env.PREFECT_API_KEY=pnu_literal'], /env\.PREFECT_API_KEY holds a literal secret; pass it by reference as secretref:NAME/],
    [['--set', `command=python -c 'print(1)`], /^aci-flow: command: has no closing ' quote/],
    [
      ['--set', 'arm_template_patches=[{"op":"remove","path":"/resources/9"}]'],
      /^aci-flow: arm_template_patches\[0\]: remove at \/resources\/9 does not apply/,
    ],
    [
      ['--set', 'image=secretref:AZURE_CLIENT_SECRET'],
      /^aci-flow: job_configuration\.image: holds a secret reference, but secretref:NAME is accepted only in env values/,
    ],
    [['--set', 'labels.leak=secretref:PREFECT_API_KEY'], /^aci-flow: job_configuration\.labels\.leak: holds a secret reference/],
    [['--set', 'env.DB_PASSWORD=hunter2'], /^aci-flow: job_configuration\.env\.DB_PASSWORD: env\.DB_PASSWORD holds a literal secret/],
    [
      ['--set', 'arm_template_patches=[{"op":"add","path":"/resources/0/tags/leak","value":"secretref:PREFECT_API_KEY"}]'],
      /^aci-flow: arm_template_patches\[0\] \(at \/resources\/0\/tags\/leak\): holds a secret reference/,
    ],
    [
      ['--set', 'arm_template_patches=[{"op":"add","path":"/resources/-","value":{"type":"Microsoft.Resources/deployments","name":"x"}}]'],
      /^aci-flow: arm_template_patches\[0\] \(at \/resources\): must hold exactly one resource/,
    ],
    [
      [
        '--set',
        `arm_template_patches=[{"op":"add","path":"/resources/0/tags/keys","value":"[listKeys(resourceId('Microsoft.Storage/storageAccounts','prod'),'2023-01-01').keys[0].value]"}]`,
      ],
      /^aci-flow: arm_template_patches\[0\] \(at \/resources\/0\/tags\/keys\): calls listKeys\(\), which a flow run's template may not use/,
    ],
    [['--set', 'subnet_ids=[unclosed'], /^aci-flow: --set subnet_ids: is not valid JSON\/YAML/],
    [['--set', 'novalue'], /^aci-flow: --set novalue: must look like key=value/],
    // The same run id rule as start: a dry run accepts exactly what start accepts.
    [['--run-id', '***'], /^aci-flow: flowRunId: use letters, digits/],
    [['--run-id', 'a/b'], /^aci-flow: flowRunId: use letters, digits/],
  ])('exits 2 naming the field for bad input %j, printing no deployment', async (args, message) => {
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, ...args);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('renders the Azure Files volume example of docs/configuration.md, the storage key still a reference', async () => {
    const example = join(ROOT, 'examples/azure-files-volume.yaml');
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--run-id', RUN_ID, '--values', example);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    const body = JSON.parse(result.stdout);
    expect(body.properties.template.resources[0].properties.volumes).toEqual([
      {
        name: 'flow-data',
        azureFile: { shareName: 'flow-data', storageAccountName: 'myflowstorage', storageAccountKey: 'secretref:flows-storage-key', readOnly: false },
      },
    ]);
    expect(containerOf(body).volumeMounts).toEqual([{ name: 'flow-data', mountPath: '/mnt/flow-data' }]);
    // The documentation shows the example file as it is.
    const operations = readFileSync(example, 'utf8')
      .split('\n')
      .filter((line) => !line.startsWith('#'))
      .join('\n')
      .trim();
    expect(readFileSync(join(ROOT, 'docs/configuration.md'), 'utf8')).toContain(operations);
  });

  it('writes an env value that looks like an ARM expression as a literal, so ARM never evaluates it', async () => {
    const listKeys = "[listKeys(resourceId('Microsoft.Storage/storageAccounts','prod'),'2023-01-01').keys[0].value]";
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--run-id', RUN_ID, '--set', `env.STORAGE=${JSON.stringify(listKeys)}`);
    expect(result).toMatchObject({ code: 0, stderr: '' });
    expect(containerOf(JSON.parse(result.stdout)).environmentVariables).toContainEqual({ name: 'STORAGE', value: `[${listKeys}` });
  });

  it('never prints a literal secret it rejects', async () => {
    const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--set', 'env.PREFECT_API_KEY=pnu_topsecret');
    expect(result.code).toBe(2);
    expect(result.stderr + result.stdout).not.toContain('pnu_topsecret');
  });

  describe("a run cannot read the pool's service-principal secret (issue 17)", () => {
    const template = defaultBaseJobTemplate();
    (template.variables.properties.aci_credentials as Json).default = { client_id: 'app', tenant_id: 'tenant', client_secret: 'secretref:ACI_SP_SECRET' };
    const poolFile = join(dir, 'sp-pool.json');
    writeFileSync(poolFile, JSON.stringify({ name: 'sp-pool', type: 'azure-container-instance', base_job_template: template }));
    const steal = [
      '--set',
      'resource_group_name=rg',
      '--set',
      'subscription_id=00000000-0000-0000-0000-000000000000',
      '--set',
      'env.STEAL=secretref:ACI_SP_SECRET',
    ];

    it.each(['render', 'start'])('%s exits 2 naming env.STEAL, before anything starts', async (command) => {
      // start checks its input before connecting: an unreachable Temporal changes nothing.
      const result = await aciFlow(command, '--pool-config', poolFile, '--flow', 'steal', ...steal);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(/^aci-flow: env\.STEAL: secretref:ACI_SP_SECRET is the secret of the pool's aci_credentials/);
      expect(result.stdout).toBe('');
    });

    it('render exits 2 for a reference the pool does not list, naming run_secret_names', async () => {
      const result = await aciFlow('render', '--pool-config', EXAMPLE_POOL, '--set', 'env.DB_PASSWORD=secretref:DB_PASSWORD');
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /^aci-flow: env\.DB_PASSWORD: secretref:DB_PASSWORD is not a secret this pool's runs may reference; .*run_secret_names \(now: flows-storage-key\)/,
      );
    });
  });

  it('exits 2 naming the file and field for a bad pool config', async () => {
    const path = join(dir, 'bad-pool.json');
    writeFileSync(path, JSON.stringify({ name: 'p', type: 'azure-container-instance', base_job_template: { job_configuration: {} } }));
    const result = await aciFlow('render', '--pool-config', path);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(`${path}: base_job_template.variables: is required`);
  });

  it('exits 2 when the pool config file does not exist', async () => {
    const result = await aciFlow('render', '--pool-config', join(dir, 'nope.yaml'));
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/nope\.yaml: cannot read the pool config file \(ENOENT\)/);
  });

  it('exits 2 and says how to name the pool file when neither --pool-config nor ACI_FLOW_POOL_CONFIG is given', async () => {
    const result = await aciFlow('render');
    expect(result.code).toBe(2);
    expect(result.stderr).toContain('--pool-config <file> is required (or set ACI_FLOW_POOL_CONFIG to the work pool file)');
  });

  it("exits 2 naming aci_credentials and its block for a Prefect export when no Prefect API can read the block: render, start and worker alike, never the worker's identity in silence", async () => {
    const exported = join(ROOT, 'examples/prefect-work-pool.json');
    const named = join(dir, 'named-block-pool.json');
    const pool = JSON.parse(readFileSync(exported, 'utf8'));
    pool.base_job_template.variables.properties.aci_credentials.default = undefined;
    pool.base_job_template.variables.properties.image_registry.default = '{{ prefect.blocks.docker-registry-credentials.puller }}';
    writeFileSync(named, JSON.stringify(pool));
    const advice = /no Prefect API is configured to read it: set PREFECT_API_URL \(or a Prefect profile\)/;
    for (const args of [
      ['render', '--pool-config', exported, '--set', 'resource_group_name=rg'],
      ['start', '--pool-config', exported, '--flow', 'etl'],
      ['worker', '--pool', 'my-aci-pool', '--pool-config', exported],
    ]) {
      const result = await aciFlow(...args);
      expect({ command: args[0], code: result.code }).toEqual({ command: args[0], code: 2 });
      expect(result.stderr).toContain(`${exported}: aci_credentials: refers to Prefect block document 6d4e3a52-8c1f-4d7b-9f61-2b0a7c9e5d13`);
      expect(result.stderr).toMatch(advice);
      expect(result.stderr).toContain("remove the reference to deploy with the worker's own identity");
      expect(result.stdout).toBe('');
    }
    const registry = await aciFlow('render', '--pool-config', named);
    expect(registry.code).toBe(2);
    expect(registry.stderr).toContain(`${named}: image_registry: refers to Prefect block prefect.blocks.docker-registry-credentials.puller`);
    expect(registry.stderr).toMatch(advice);
  });
});
