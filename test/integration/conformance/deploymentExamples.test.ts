/**
 * The emulator's Microsoft.Resources answers are valid ARM (the deployments and resource group
 * counterpart of restExamples.test.ts):
 * - every operation the emulator implements is called at every api-version it serves, and the
 *   checked emulator validates each response against the published specification of that version
 *   (restSpecs.ts REST_SPECS: the versions after 2024-03-01 against the 2024-03-01 file);
 * - the vendored `x-ms-examples` of the implemented operations are replayed: the response has the
 *   example's status and shape (keys and JSON types; values may differ).
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { SUPPORTED_API_VERSIONS } from '../../../src/emulator';
import { checkExchange, startEmulator, type CheckedEmulator, type ConformanceReport } from '../../helpers/checkedEmulator';
import { shapeDifferences } from '../../helpers/exampleShape';
import { findOperation, SPEC_ROOT, specOperations } from '../../helpers/restSpecs';
import { waitFor } from '../../helpers/waitFor';
import { containerGroupTemplate, rawRequest } from '../emulator/emulatorHarness';
import { first, must } from '../../helpers/must';

const EXAMPLES_DIR = path.join(SPEC_ROOT, 'resources', 'resource-manager', 'Microsoft.Resources', 'stable', '2024-03-01', 'examples');
const EXAMPLE_API_VERSION = '2024-03-01';
const SUBSCRIPTION = '00000000-0000-4000-8000-0000000e4a32';

/**
 * What the emulator does not do, each documented in docs/emulator.md: linked templates and
 * template specs (`templateLink`; the replay sends the template inline instead), rollback on
 * error (`onErrorDeployment`), and the `dependencies` summary (it does not order resources by
 * `dependsOn`).
 */
const NOT_EMULATED = new Set(['templateLink', 'onErrorDeployment', 'dependencies']);

/** The implemented operations at resource group scope; every one is called at every served api-version below. */
const IMPLEMENTED = [
  'ResourceGroups_CreateOrUpdate',
  'ResourceGroups_Get',
  'Deployments_CreateOrUpdate',
  'Deployments_Get',
  'Deployments_CheckExistence',
  'Deployments_ListByResourceGroup',
  'Deployments_ExportTemplate',
  'Deployments_Cancel',
  'Deployments_Delete',
  'DeploymentOperations_List',
  'DeploymentOperations_Get',
  'AsyncOperation_Status (deployment)',
  'AsyncOperation_Result (deployment delete)',
];

interface Example {
  parameters: Record<string, unknown> & { parameters: Record<string, unknown> };
  responses: Record<string, { body?: unknown }>;
}

const readExample = (file: string) => JSON.parse(readFileSync(path.join(EXAMPLES_DIR, file), 'utf8')) as Example;
const EMPTY_TEMPLATE = { $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#', contentVersion: '1.0.0.0', resources: [] };

describe('conformance: the emulator answers the published Microsoft.Resources API', () => {
  let emulator: CheckedEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ resourceGroups: [], deploymentDelayMs: 300 });
  });
  afterAll(() => emulator?.close());

  const call = (method: string, urlPath: string, apiVersion: string, body?: unknown) =>
    rawRequest(
      emulator,
      method,
      `${urlPath}${urlPath.includes('?') ? '&' : '?'}api-version=${apiVersion}`,
      body === undefined ? {} : { body: JSON.stringify(body) },
    );
  /** The path and query of a URL the emulator handed out (Azure-AsyncOperation, Location). */
  const pathOf = (url: unknown) => {
    const parsed = new URL(String(url));
    return `${parsed.pathname}${parsed.search}`;
  };

  it.each(SUPPORTED_API_VERSIONS['Microsoft.Resources'].map((version, index) => [version, index] as const))(
    'api-version %s: every implemented operation answers as its specification says',
    async (apiVersion, index) => {
      const operationIds = new Set(
        specOperations()
          .filter((operation) => operation.checks.includes(apiVersion))
          .map((operation) => operation.operationId),
      );
      expect(operationIds.size).toBeGreaterThan(0);
      const rg = `/subscriptions/${SUBSCRIPTION}/resourceGroups/sweep-${index}`;
      const deployments = `${rg}/providers/Microsoft.Resources/deployments`;
      const before = emulator.conformance();

      expect((await call('PUT', rg, apiVersion, { location: 'eastus' })).status).toBe(201);
      expect((await call('PUT', rg, apiVersion, { location: 'eastus' })).status).toBe(200);
      expect((await call('GET', rg, apiVersion)).status).toBe(200);

      const template = containerGroupTemplate(`sweep-${index}`, { command: ['sh', '-c', 'exit 0'] });
      const put = await call('PUT', `${deployments}/sweep`, apiVersion, { properties: { mode: 'Incremental', template, parameters: {} } });
      expect(put.status).toBe(201);
      expect((await rawRequest(emulator, 'GET', pathOf(put.headers['azure-asyncoperation']))).status).toBe(200);
      const provisioningState = async () =>
        ((await call('GET', `${deployments}/sweep`, apiVersion)).json as { properties: { provisioningState: string } }).properties.provisioningState;
      await waitFor(async () => (await provisioningState()) === 'Succeeded', 'the sweep deployment to succeed', { timeoutMs: 15_000 });
      expect((await call('HEAD', `${deployments}/sweep`, apiVersion)).status).toBe(204);
      expect((await call('HEAD', `${deployments}/absent`, apiVersion)).status).toBe(404);
      expect((await call('GET', `${deployments}/absent`, apiVersion)).status).toBe(404);
      expect((await call('GET', deployments, apiVersion)).status).toBe(200);
      expect((await call('POST', `${deployments}/sweep/exportTemplate`, apiVersion)).json).toEqual({ template });
      const operations = await call('GET', `${rg}/deployments/sweep/operations`, apiVersion);
      const operation = first((operations.json as { value: Array<{ operationId: string }> }).value);
      expect((await call('GET', `${rg}/deployments/sweep/operations/${operation.operationId}`, apiVersion)).status).toBe(200);
      expect((await call('POST', `${deployments}/sweep/cancel`, apiVersion)).status).toBe(409); // finished: nothing to cancel

      expect((await call('PUT', `${deployments}/cancelled`, apiVersion, { properties: { mode: 'Incremental', template: EMPTY_TEMPLATE } })).status).toBe(201);
      expect((await call('POST', `${deployments}/cancelled/cancel`, apiVersion)).status).toBe(204);

      const deleted = await call('DELETE', `${deployments}/sweep`, apiVersion);
      expect(deleted.status).toBe(202);
      expect((await rawRequest(emulator, 'GET', pathOf(deleted.headers.location))).status).toBe(204);
      expect((await call('DELETE', `${deployments}/sweep`, apiVersion)).status).toBe(204);

      const after = emulator.conformance();
      const checkedHere = Object.keys(after.checked).filter((operationId) => (after.checked[operationId] ?? 0) > (before.checked[operationId] ?? 0));
      expect(IMPLEMENTED.filter((operationId) => !checkedHere.includes(operationId))).toEqual([]);
      // each request at this version was checked against the file that publishes it
      expect(findOperation('GET', `${deployments}/sweep`, apiVersion)?.operation.apiVersion).toBe(apiVersion < '2024-03-01' ? apiVersion : '2024-03-01');
      expect(after.violations).toEqual([]);
    },
  );

  it('replays CreateResourceGroup.json: 201 for a new group, 200 for an existing one', async () => {
    const example = readExample('CreateResourceGroup.json');
    const urlPath = `/subscriptions/${String(example.parameters.subscriptionId)}/resourcegroups/${String(example.parameters.resourceGroupName)}`;
    for (const status of ['201', '200']) {
      const response = await call('PUT', urlPath, EXAMPLE_API_VERSION, example.parameters.parameters);
      expect(response.status).toBe(Number(status));
      expect(shapeDifferences(must(example.responses[status], `the example's ${status} response`).body, response.json)).toEqual([]);
    }
  });

  const putExamples =
    specOperations().find((operation) => operation.operationId === 'Deployments_CreateOrUpdate' && operation.apiVersion === EXAMPLE_API_VERSION)?.examples ??
    {};

  it('every x-ms-example of Deployments_CreateOrUpdate is vendored and replayed', () => {
    expect(
      Object.values(putExamples)
        .map((file) => path.basename(file))
        .sort(),
    ).toEqual([
      'PutDeploymentResourceGroup.json',
      'PutDeploymentResourceGroupTemplateSpecsWithId.json',
      'PutDeploymentWithOnErrorDeploymentLastSuccessful.json',
      'PutDeploymentWithOnErrorDeploymentSpecificDeployment.json',
    ]);
  });

  it.each(Object.values(putExamples).map((file, index) => [path.basename(file), index] as const))('replays %s', async (file, index) => {
    const example = readExample(file);
    const { subscriptionId, resourceGroupName, deploymentName } = example.parameters as Record<string, string>;
    expect(
      (await call('PUT', `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}`, EXAMPLE_API_VERSION, { location: 'eastus' })).status,
    ).toBeLessThan(300);
    const urlPath = `/subscriptions/${subscriptionId}/resourcegroups/${resourceGroupName}/providers/Microsoft.Resources/deployments/${deploymentName}-${index}`;
    const request = example.parameters.parameters as { properties: Record<string, unknown> };

    // as published: a linked template, which the emulator refuses with ARM's error shape
    const linked = await call('PUT', urlPath, EXAMPLE_API_VERSION, request);
    expect(linked.status).toBe(400);
    expect(linked.json).toMatchObject({ error: { code: 'InvalidTemplate', message: expect.stringContaining('templateLink') } });

    // the same request with a template inline (one container group, so `providers` has an entry to compare): the example's 201 shape
    const { templateLink: _linked, ...properties } = request.properties;
    const template = containerGroupTemplate(`replay-${index}`, { command: ['sh', '-c', 'exit 0'] });
    const response = await call('PUT', urlPath, EXAMPLE_API_VERSION, { ...request, properties: { ...properties, template } });
    expect(response.status).toBe(201);
    expect((response.json as { properties: { providers: unknown[] } }).properties.providers).toHaveLength(1);
    expect(shapeDifferences(must(example.responses['201'], "the example's 201 response").body, response.json, NOT_EMULATED)).toEqual([]);
  });

  it('the checker is not vacuous: a deployment, status or error body the specification forbids is a violation', () => {
    const report: ConformanceReport = { checked: {}, unchecked: 0, violations: [] };
    const deployment = `/subscriptions/${SUBSCRIPTION}/resourceGroups/demo/providers/Microsoft.Resources/deployments/d`;
    const exchange = (path: string, status: number, body: unknown, apiVersion = '2021-04-01') => ({
      method: 'GET',
      path,
      query: new URLSearchParams({ 'api-version': apiVersion }),
      status,
      headers: {},
      body,
    });
    const valid = { id: deployment, name: 'd', type: 'Microsoft.Resources/deployments', properties: { provisioningState: 'Succeeded', mode: 'Incremental' } };
    checkExchange(exchange(deployment, 200, valid), report);
    expect(report.violations).toEqual([]);
    checkExchange(exchange(deployment, 200, { ...valid, properties: { ...valid.properties, mode: 'Sideways' } }), report);
    checkExchange(exchange(deployment, 404, { error: { code: 'DeploymentNotFound', message: 'gone', stack: 'at …' } }), report);
    checkExchange(exchange(`${deployment}/operationStatuses/ABC`, 200, { id: 'ABC', status: 'Running' }, '2025-03-01'), report);
    checkExchange(exchange(deployment, 201, valid), report);
    expect(report.violations).toEqual([
      expect.stringContaining('/properties/mode: must be equal to one of the allowed values'),
      expect.stringContaining("/error: must NOT have unevaluated properties 'stack'"),
      expect.stringContaining('/id: must match format "arm-id"'),
      expect.stringContaining('status 201 is not a response of Deployments_Get'),
    ]);
  });

  it('checked every response against the specification, with no violation', () => {
    const report = emulator.conformance();
    expect(report.violations).toEqual([]);
    expect(report.unchecked).toBe(0);
  });
});
