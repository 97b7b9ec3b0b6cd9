/**
 * What aci-flow sends is valid ARM: for a table of pool configurations, the deployment body
 * `aci-flow render` prints — with its secret references resolved, as the deploy activity sends
 * it — validates against Microsoft's deployment template schema, the Microsoft.ContainerInstance
 * 2023-05-01 containerGroups schema and the parameter file schema. A rejected body fails with
 * the JSON path of each violation.
 */
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { renderDeployment } from '../../../src/cli/commands/render';
import { resolveSecretReferences } from '../../../src/template/secretPositions';
import { armSchemas, deploymentBodyViolations } from '../../helpers/armSchemas';
import { checkDeploymentBody, type ConformanceReport } from '../../helpers/checkedEmulator';
import { first } from '../../helpers/must';

const EXAMPLES = path.resolve(__dirname, '..', '..', '..', 'examples');
const SUBSCRIPTION = '00000000-0000-4000-8000-00000000c0de';
const IDENTITY = `/subscriptions/${SUBSCRIPTION}/resourceGroups/identities/providers/Microsoft.ManagedIdentity/userAssignedIdentities/flow-runner`;
const SUBNET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/network/providers/Microsoft.Network/virtualNetworks/flows/subnets/aci`;
const REQUIRED = { resource_group_name: 'aci-flow-test', subscription_id: SUBSCRIPTION };

interface Case {
  name: string;
  poolConfig: string;
  values?: Record<string, unknown>;
  valuesFile?: string;
  /** Text the sent body must hold, so the case covers what it names. */
  holds?: string[];
  /** The pool's policy (job_configuration fields only an operator sets): what its runs may reference and use. */
  policy?: Record<string, unknown>;
}

const CASES: Case[] = [
  { name: "Prefect's exported base job template, its defaults", poolConfig: 'prefect-work-pool.json', values: REQUIRED },
  { name: 'examples/pool.yaml, its defaults', poolConfig: 'pool.yaml', values: {} },
  {
    name: 'examples/pool.yaml with a command, env and labels',
    poolConfig: 'pool.yaml',
    values: { command: 'python -m etl --date "2026-01-01"', env: { STAGE: 'prod' }, labels: { team: 'data' } },
  },
  {
    name: 'examples/azure-files-volume.yaml (a volume patch with a secret key)',
    poolConfig: 'pool.yaml',
    valuesFile: 'azure-files-volume.yaml',
    holds: ['"azureFile"', `"storageAccountKey":"[parameters('aciFlowSecret0')]"`, '"aciFlowSecret0":{"value":"resolved-flows-storage-key"}', '"volumeMounts"'],
  },
  {
    name: 'GPU',
    poolConfig: 'prefect-work-pool.json',
    values: { ...REQUIRED, gpu_count: 1, gpu_sku: 'V100', cpu: 4, memory: 16 },
    holds: ['"gpu":{"count":1,"sku":"V100"}'],
  },
  {
    name: 'registry credentials: username and password',
    poolConfig: 'prefect-work-pool.json',
    values: {
      ...REQUIRED,
      image: 'myregistry.azurecr.io/flows:1',
      image_registry: { registry_url: 'myregistry.azurecr.io', username: 'puller', password: 'secretref:registry-password' },
    },
    policy: { run_secret_names: ['registry-password'] },
    holds: ['"imageRegistryCredentials"', `"password":"[parameters('aciFlowSecret0')]"`, '"aciFlowSecret0":{"value":"resolved-registry-password"}'],
  },
  {
    name: 'registry credentials: managed identity',
    poolConfig: 'prefect-work-pool.json',
    values: {
      ...REQUIRED,
      image: 'myregistry.azurecr.io/flows:1',
      identities: [IDENTITY],
      image_registry: { registry_url: 'myregistry.azurecr.io', identity: IDENTITY },
    },
    policy: { allowed_identities: [IDENTITY] },
    holds: ['"imageRegistryCredentials"', '"identity":"/subscriptions/'],
  },
  {
    name: 'user-assigned identities',
    poolConfig: 'prefect-work-pool.json',
    values: { ...REQUIRED, identities: [IDENTITY] },
    policy: { allowed_identities: [IDENTITY] },
    holds: ['"userAssignedIdentities"'],
  },
  {
    name: 'subnets and DNS servers',
    poolConfig: 'prefect-work-pool.json',
    values: { ...REQUIRED, subnet_ids: [SUBNET], dns_servers: ['10.0.0.4', '10.0.0.5'] },
    policy: { allowed_subnet_ids: [SUBNET] },
    holds: ['"subnetIds"', '"nameServers"'],
  },
  {
    name: 'secure values: secret environment variables',
    poolConfig: 'prefect-work-pool.json',
    values: { ...REQUIRED, env: { DB_PASSWORD: 'secretref:db-password', PLAIN: 'visible' } },
    policy: { run_secret_names: ['db-password'] },
    holds: [`"secureValue":"[parameters('aciFlowSecret0')]"`, '"aciFlowSecret0":{"value":"resolved-db-password"}'],
  },
];

/** Stands in for the worker's secret store: every reference resolves to a value naming it. */
const resolveForTest = (name: string) => `resolved-${name}`;

async function wireBody(testCase: Case, dir: string) {
  const valuesFile = testCase.valuesFile ? path.join(EXAMPLES, testCase.valuesFile) : path.join(dir, `${testCase.name.replace(/\W+/g, '-')}.json`);
  if (!testCase.valuesFile) writeFileSync(valuesFile, JSON.stringify(testCase.values ?? {}));
  const rendered = await renderDeployment({
    poolConfig: poolFileOf(testCase, dir),
    flow: 'conformance',
    runId: '3f6c1c1e-2a4b-4c8d-9e0f-123456789abc',
    set: [],
    values: valuesFile,
  });
  const sent = resolveSecretReferences(
    {
      subscriptionId: rendered.subscriptionId,
      resourceGroupName: rendered.resourceGroupName,
      deploymentName: rendered.deploymentName,
      template: rendered.properties.template,
      parameters: rendered.properties.parameters,
      tags: rendered.tags,
    },
    resolveForTest,
  );
  // the body the deploy activity hands the SDK (src/azure/armGateway.ts deploy)
  return { properties: { mode: 'Incremental' as const, template: sent.template, parameters: sent.parameters }, tags: sent.tags };
}

/**
 * The example pool file, or a copy whose job_configuration carries the case's policy. Prefect's
 * export points aci_credentials at a block, which a pool file without a Prefect API refuses: the
 * copy drops the reference, as that error advises, to deploy with the worker's own identity.
 */
function poolFileOf(testCase: Case, dir: string): string {
  const file = path.join(EXAMPLES, testCase.poolConfig);
  // The YAML examples are aci-flow's own, without blocks or a case policy.
  if (!file.endsWith('.json')) {
    if (testCase.policy) throw new Error(`${testCase.name}: a case with a policy takes a JSON pool file`);
    return file;
  }
  const pool = JSON.parse(readFileSync(file, 'utf8')) as {
    base_job_template: { job_configuration: Record<string, unknown>; variables: { properties: Record<string, Record<string, unknown>> } };
  };
  const credentials = pool.base_job_template.variables.properties.aci_credentials;
  const blockDefault = credentials !== undefined && JSON.stringify(credentials.default ?? null).includes('block_document_id');
  if (!testCase.policy && !blockDefault) return file;
  if (blockDefault && credentials) delete credentials.default;
  Object.assign(pool.base_job_template.job_configuration, testCase.policy ?? {});
  const copy = path.join(dir, `${testCase.name.replace(/\W+/g, '-')}-pool.json`);
  writeFileSync(copy, JSON.stringify(pool));
  return copy;
}

describe('conformance: every rendered deployment body is valid ARM', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(path.join(tmpdir(), 'aci-flow-conformance-'));
  });

  it.each(CASES.map((testCase) => [testCase.name, testCase] as const))('%s', async (_name, testCase) => {
    const body = await wireBody(testCase, dir);
    expect(deploymentBodyViolations(body)).toEqual([]);
    // the case exercised what it names: the resolved body is what the schemas saw
    expect(JSON.stringify(body)).not.toContain('secretref:');
    for (const text of testCase.holds ?? []) expect(JSON.stringify(body)).toContain(text);
  });

  it('the schemas are not vacuous: a body ARM would refuse is reported with its JSON path', async () => {
    const body = await wireBody(first(CASES), dir);
    const resource = first(
      body.properties.template.resources as Array<{ properties: { containers: Array<{ properties: Record<string, unknown> }>; osType?: unknown } }>,
    );
    first(resource.properties.containers).properties.resources = { requests: { cpu: 'two', memoryInGB: 1 } };
    resource.properties.osType = 'Solaris';
    (body.properties.template as Record<string, unknown>).contentVersion = 'one';
    const paths = deploymentBodyViolations(body).map((violation) => violation.path);
    expect(paths).toEqual(
      expect.arrayContaining([
        '/properties/template/contentVersion',
        '/properties/template/resources/0/properties/osType',
        '/properties/template/resources/0/properties/containers/0/properties/resources/requests/cpu',
      ]),
    );
    expect(armSchemas().containerGroup({ type: 'Microsoft.Compute/virtualMachines', name: 'vm', apiVersion: '2023-05-01', properties: {} })).not.toEqual([]);
  });

  it('the e2e stack applies the same check to every deployment the emulator accepts, and reports a bad one', async () => {
    const report: ConformanceReport = { checked: {}, unchecked: 0, violations: [] };
    const exchange = (requestBody: unknown, status = 201) => ({
      method: 'PUT',
      path: `/subscriptions/${SUBSCRIPTION}/resourceGroups/aci-flow-test/providers/Microsoft.Resources/deployments/flow-run`,
      query: new URLSearchParams({ 'api-version': '2025-03-01' }),
      requestBody,
      status,
      headers: {},
      body: {},
    });
    const body = await wireBody(first(CASES), dir);
    checkDeploymentBody(exchange(body), report);
    expect(report.violations).toEqual([]);
    const broken = JSON.parse(JSON.stringify(body)) as typeof body;
    first(broken.properties.template.resources as Array<{ properties: { restartPolicy: string } }>).properties.restartPolicy = 'Sometimes';
    checkDeploymentBody(exchange(broken, 400), report); // refused by the emulator: not what aci-flow got through
    checkDeploymentBody(exchange(broken), report);
    expect(report.violations).toEqual(
      expect.arrayContaining([
        expect.stringContaining('request body /properties/template/resources/0/properties/restartPolicy: must be equal to one of the allowed values'),
      ]),
    );
    expect(report.violations.every((violation) => violation.includes('request body /properties/template/resources/0/'))).toBe(true);
    expect(report.checked['deployment body (ARM template schemas)']).toBe(2);
  });
});
