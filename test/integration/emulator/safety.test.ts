/**
 * The emulator is safe to run on a laptop: each test sends what an attacker would, with raw
 * HTTPS where the SDK would refuse to, and shows it is turned away with an ARM-shaped error.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StaticTokenCredential } from '../../../src/azure/credentials';
import { isLoopbackHost, listenProblem, startEmulator, SUPPORTED_API_VERSIONS, type RunningEmulator } from '../../helpers/checkedEmulator';
import {
  ACI_API_VERSION,
  containerGroupTemplate,
  deploymentPath,
  groupPath,
  rawRequest,
  RESOURCE_GROUP,
  RESOURCES_API_VERSION,
  runCli,
  sdkClients,
  SUBSCRIPTION_ID,
  waitForOutput,
  type RawResponse,
} from './emulatorHarness';
import { waitFor } from '../../helpers/waitFor';
import { first } from '../../helpers/must';

interface ErrorBody {
  error: { code: string; message: string };
}

function expectArmError(response: RawResponse, status: number, code: string): string {
  expect({ status: response.status, code: (response.json as ErrorBody | undefined)?.error?.code }).toEqual({ status, code });
  return (response.json as ErrorBody).error.message;
}

const resourceGroupPath = (name: string, apiVersion = RESOURCES_API_VERSION) =>
  `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${name}?api-version=${apiVersion}`;
const deploymentIn = (resourceGroup: string, name: string) =>
  deploymentPath(name).replace(`/resourceGroups/${RESOURCE_GROUP}/`, `/resourceGroups/${resourceGroup}/`);
const deploymentBody = (template: Record<string, unknown>, parameters: Record<string, { value: unknown }> = {}) =>
  JSON.stringify({ properties: { mode: 'Incremental', template, parameters } });

/** A template whose one container group is named by `name` (an expression under test). */
function templateNamed(name: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const template = containerGroupTemplate('placeholder', { command: ['true'] });
  const resources = template.resources as Array<Record<string, unknown>>;
  return { ...template, ...extra, resources: [{ ...resources[0], name }] };
}

describe('emulator safety: names never become paths outside the data directory', () => {
  let root: string;
  let dataDir: string;
  let emulator: RunningEmulator;

  beforeAll(async () => {
    root = mkdtempSync(path.join(tmpdir(), 'aci-flow-safety-'));
    dataDir = path.join(root, 'data');
    emulator = await startEmulator({ dataDir, deploymentDelayMs: 50 });
  });
  afterAll(() => emulator?.close());

  const escapingResourceGroups = [
    '..%2F..%2Fescaped',
    '%2e%2e%2Fescaped',
    '..%5Cescaped',
    '%252e%252e%252Fescaped',
    'a%00b',
    'ends-with-a-period.',
    'x'.repeat(91),
  ];

  it.each(escapingResourceGroups)('refuses the resource group name %s with 400 InvalidResourceGroup on ARM and control routes', async (name) => {
    expectArmError(await rawRequest(emulator, 'PUT', resourceGroupPath(name)), 400, 'InvalidResourceGroup');
    expectArmError(await rawRequest(emulator, 'POST', `/_emulator/resourceGroups/${name}`), 400, 'InvalidResourceGroup');
    const template = containerGroupTemplate('escaper', { command: ['true'] });
    expectArmError(await rawRequest(emulator, 'PUT', deploymentIn(name, 'dep-escape'), { body: deploymentBody(template) }), 400, 'InvalidResourceGroup');
  });

  it('never routes a bare .. or %2e%2e segment to a handler, and wrote nothing outside the data directory', async () => {
    for (const dots of ['..', '%2e%2e', '.%2E']) {
      const response = await rawRequest(emulator, 'PUT', deploymentIn(dots, 'dep-dots'), {
        body: deploymentBody(containerGroupTemplate('dots', { command: ['true'] })),
      });
      expect(response.status).toBeGreaterThanOrEqual(400);
      expect(response.status).toBeLessThan(500);
    }
    expect(readdirSync(root)).toEqual(['data']);
    expect(existsSync(path.join(dataDir, 'escaped'))).toBe(false);
    expect(emulator.containerGroups()).toEqual([]);
  });

  it('accepts what ARM accepts — Unicode letters, parentheses, periods — and keeps the logs under the data directory', async () => {
    const name = 'Rg.(Test)_Ünïcode-1';
    expect((await rawRequest(emulator, 'PUT', resourceGroupPath(encodeURIComponent(name)))).status).toBe(201);
    const template = containerGroupTemplate('odd-rg-group', { command: ['sh', '-c', 'echo contained'] });
    expect((await rawRequest(emulator, 'PUT', deploymentIn(encodeURIComponent(name), 'dep-odd-rg'), { body: deploymentBody(template) })).status).toBe(201);
    const logFile = path.join(dataDir, 'containers', SUBSCRIPTION_ID, name.toLowerCase(), 'odd-rg-group', 'main.log');
    await waitFor(() => existsSync(logFile), 'the container log file', { timeoutMs: 15_000, intervalMs: 50 });
  });

  it('refuses deployment names outside ARM rule with 400 InvalidDeploymentName', async () => {
    for (const name of ['dep%2F..%2Fx', 'dep%5Cx', 'd'.repeat(65), 'dep%3Bx']) {
      expectArmError(
        await rawRequest(emulator, 'PUT', deploymentPath(name), { body: deploymentBody(containerGroupTemplate('never', { command: ['true'] })) }),
        400,
        'InvalidDeploymentName',
      );
      expectArmError(await rawRequest(emulator, 'GET', deploymentPath(name)), 400, 'InvalidDeploymentName');
    }
    expect(emulator.containerGroups()).toEqual([expect.objectContaining({ name: 'odd-rg-group' })]);
  });

  it('finds no container group or container whose name ACI could never give, as ACI answers', async () => {
    expectArmError(await rawRequest(emulator, 'GET', groupPath('..%2F..%2Fetc')), 404, 'ResourceNotFound');
    expectArmError(await rawRequest(emulator, 'DELETE', groupPath('..%2F..%2Fetc')), 404, 'ResourceNotFound');
    expectArmError(await rawRequest(emulator, 'GET', groupPath('odd-rg-group', '/containers/..%2F..%2Fpasswd/logs')), 404, 'ResourceNotFound');
  });

  it('refuses a template that names a group or container with path characters (ACI preflight)', async () => {
    const message = (response: RawResponse) => JSON.stringify(response.json);
    const badGroup = await rawRequest(emulator, 'PUT', deploymentPath('dep-bad-group'), { body: deploymentBody(templateNamed('../../escaped')) });
    expectArmError(badGroup, 400, 'InvalidTemplateDeployment');
    expect(message(badGroup)).toContain('InvalidContainerGroupName');
    const template = containerGroupTemplate('bad-container', { command: ['true'] });
    const resource = first(template.resources as Array<{ properties: { containers: Array<{ name: string }> } }>);
    first(resource.properties.containers).name = '../main';
    const badContainer = await rawRequest(emulator, 'PUT', deploymentPath('dep-bad-container'), { body: deploymentBody(template) });
    expectArmError(badContainer, 400, 'InvalidTemplateDeployment');
    expect(message(badContainer)).toContain('InvalidContainerName');
  });

  it('refuses an invalid resource group name in the options, naming the option', async () => {
    await expect(startEmulator({ resourceGroups: ['../up'] })).rejects.toThrow(
      /EmulatorOptions\.resourceGroups: '\.\.\/up' has these invalid characters: '\/'/,
    );
  });
});

describe('emulator safety: a token is required off loopback', () => {
  const TOKEN = 'a-long-enough-emulator-token-0123456789';

  it('treats only 127.0.0.0/8, ::1 and localhost as loopback', () => {
    for (const host of ['127.0.0.1', '127.4.5.6', 'localhost', 'LOCALHOST', '::1', '[::1]', '0:0:0:0:0:0:0:1', '::ffff:127.0.0.1']) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: true });
      expect(listenProblem(host, undefined)).toBeUndefined();
    }
    for (const host of ['0.0.0.0', '::', '192.168.1.10', '10.0.0.1', 'example.com', '127.0.0.1.nip.io', '::ffff:10.0.0.1', '::2', '']) {
      expect({ host, loopback: isLoopbackHost(host) }).toEqual({ host, loopback: false });
      expect(listenProblem(host, undefined)).toMatch(/refusing to listen on .* without a token/);
      expect(listenProblem(host, TOKEN)).toBeUndefined();
    }
    expect(listenProblem('0.0.0.0', 'short')).toMatch(/at least 16 characters/);
    expect(listenProblem('127.0.0.1', 'has spaces in it, sixteen+')).toMatch(/at least 16 characters/);
  });

  it('refuses to start on 0.0.0.0 without a token', async () => {
    await expect(startEmulator({ host: '0.0.0.0' })).rejects.toThrow(/refusing to listen on '0\.0\.0\.0' without a token/);
  });

  describe('with a required token', () => {
    let emulator: RunningEmulator;
    beforeAll(async () => {
      emulator = await startEmulator({ requireToken: TOKEN, deploymentDelayMs: 50 });
    });
    afterAll(() => emulator?.close());

    const bearer = (token: string) => ({ headers: { Authorization: `Bearer ${token}` } });

    it('refuses ARM calls without the token, with a wrong one, or with one that only shares a prefix', async () => {
      expectArmError(await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP), { auth: false }), 401, 'AuthenticationFailed');
      expectArmError(await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP)), 401, 'InvalidAuthenticationToken');
      expectArmError(await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP), bearer(TOKEN.slice(0, -1))), 401, 'InvalidAuthenticationToken');
      expectArmError(await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP), bearer(`${TOKEN}x`)), 401, 'InvalidAuthenticationToken');
      expect((await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP), bearer(TOKEN))).status).toBe(200);
    });

    it('refuses /_emulator control calls without the token, so faults cannot be changed', async () => {
      expectArmError(await rawRequest(emulator, 'GET', '/_emulator/counters', { auth: false }), 401, 'AuthenticationFailed');
      expectArmError(await rawRequest(emulator, 'PUT', '/_emulator/faults', { body: '{"serverErrors":{"count":5}}' }), 401, 'InvalidAuthenticationToken');
      expectArmError(await rawRequest(emulator, 'POST', '/_emulator/resourceGroups/sneaky', { auth: false }), 401, 'AuthenticationFailed');
      const faults = await rawRequest(emulator, 'GET', '/_emulator/faults', bearer(TOKEN));
      expect(faults).toMatchObject({ status: 200, json: {} });
      expect((await rawRequest(emulator, 'GET', resourceGroupPath('sneaky'), bearer(TOKEN))).status).toBe(404);
    });

    it('serves the Azure SDK when it sends the token, and refuses it with another', async () => {
      const options = { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.caCertPem }, retryOptions: { maxRetries: 0 } };
      const resources = new ResourceManagementClient(new StaticTokenCredential(TOKEN), SUBSCRIPTION_ID, options);
      expect((await resources.resourceGroups.get(RESOURCE_GROUP)).name).toBe(RESOURCE_GROUP);
      await expect(sdkClients(emulator, { maxRetries: 0 }).resources.resourceGroups.get(RESOURCE_GROUP)).rejects.toMatchObject({
        statusCode: 401,
        code: 'InvalidAuthenticationToken',
      });
    });
  });

  it('aci-flow emulator exits 2 with the reason when asked to listen on 0.0.0.0 without a token', async () => {
    const run = runCli(['emulator', '--host', '0.0.0.0', '--port', '0'], { ACI_FLOW_EMULATOR_TOKEN: '' });
    expect(await run.exited).toBe(2);
    expect(run.output()).toMatch(/refusing to listen on '0\.0\.0\.0' without a token.*--require-token or ACI_FLOW_EMULATOR_TOKEN/s);
  });

  it('aci-flow emulator enforces the token from ACI_FLOW_EMULATOR_TOKEN', async () => {
    const dataDir = mkdtempSync(path.join(tmpdir(), 'aci-flow-safety-cli-'));
    const run = runCli(['emulator', '--port', '0', '--json', '--data-dir', dataDir], { ACI_FLOW_EMULATOR_TOKEN: TOKEN });
    try {
      const printed = JSON.parse((await waitForOutput(run, /^\{.*\}\n/m))[0]) as { endpoint: string; caCertPath: string };
      const cli = { endpoint: printed.endpoint, caCertPem: readFileSync(printed.caCertPath, 'utf8') };
      expectArmError(await rawRequest(cli, 'GET', '/_emulator/counters', { auth: false }), 401, 'AuthenticationFailed');
      expect((await rawRequest(cli, 'GET', '/_emulator/counters', { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
      run.child.kill('SIGTERM');
      expect(await run.exited).toBe(0);
    } finally {
      run.child.kill('SIGKILL');
    }
  });
});

describe('emulator safety: api-versions, active deployments, template limits', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ deploymentDelayMs: 1500 });
  });
  afterAll(() => emulator?.close());

  it('serves the api-versions the Azure SDKs for JS send (the Python SDK sends the same), and the published deployment versions since 2021-04-01', () => {
    const options = { endpoint: emulator.endpoint };
    const credential = new StaticTokenCredential();
    expect(SUPPORTED_API_VERSIONS['Microsoft.Resources'][0]).toEqual(new ResourceManagementClient(credential, SUBSCRIPTION_ID, options).apiVersion);
    expect(SUPPORTED_API_VERSIONS['Microsoft.Resources']).toEqual(expect.arrayContaining(['2021-04-01', '2022-09-01', '2024-03-01', '2025-03-01']));
    expect(SUPPORTED_API_VERSIONS['Microsoft.ContainerInstance']).toEqual([
      new ContainerInstanceManagementClient(credential, SUBSCRIPTION_ID, options).apiVersion,
    ]);
    expect([RESOURCES_API_VERSION, ACI_API_VERSION]).toEqual([
      SUPPORTED_API_VERSIONS['Microsoft.Resources'][0],
      SUPPORTED_API_VERSIONS['Microsoft.ContainerInstance'][0],
    ]);
  });

  it('answers an unsupported api-version as ARM does, and does nothing', async () => {
    const aci = expectArmError(
      await rawRequest(emulator, 'GET', groupPath('any-group').replace(ACI_API_VERSION, '2099-01-01')),
      400,
      'NoRegisteredProviderFound',
    );
    expect(aci).toBe(
      "No registered resource provider found for location 'eastus' and API version '2099-01-01' for type 'containerGroups'. The supported api-versions are '2023-05-01'. The supported locations are 'eastus'.",
    );
    const body = deploymentBody(containerGroupTemplate('old-version-group', { command: ['true'] }));
    const resources = expectArmError(
      await rawRequest(emulator, 'PUT', deploymentPath('dep-old-version').replace(RESOURCES_API_VERSION, '2015-11-01'), { body }),
      400,
      'InvalidApiVersionParameter',
    );
    expect(resources).toBe(`The api-version '2015-11-01' is invalid. The supported versions are '${SUPPORTED_API_VERSIONS['Microsoft.Resources'].join(',')}'.`);
    expectArmError(await rawRequest(emulator, 'GET', resourceGroupPath(RESOURCE_GROUP, ACI_API_VERSION)), 400, 'InvalidApiVersionParameter');
    expectArmError(await rawRequest(emulator, 'GET', deploymentPath('dep-old-version')), 404, 'DeploymentNotFound');
  });

  it('answers a second PUT of a deployment that is still running with 409 DeploymentActive, and adopts it once finished', async () => {
    const template = containerGroupTemplate('active-group', { command: ['sleep', '5'] });
    expect((await rawRequest(emulator, 'PUT', deploymentPath('dep-active'), { body: deploymentBody(template) })).status).toBe(201);
    expectArmError(await rawRequest(emulator, 'PUT', deploymentPath('dep-active'), { body: deploymentBody(template) }), 409, 'DeploymentActive');
    const changed = containerGroupTemplate('active-group-2', { command: ['true'] });
    const message = expectArmError(await rawRequest(emulator, 'PUT', deploymentPath('dep-active'), { body: deploymentBody(changed) }), 409, 'DeploymentActive');
    expect(message).toMatch(/^Unable to edit or replace deployment 'dep-active': previous deployment from '.+' is still active/);
    await waitFor(
      async () =>
        ((await rawRequest(emulator, 'GET', deploymentPath('dep-active'))).json as { properties: { provisioningState: string } }).properties
          .provisioningState === 'Succeeded',
      'the deployment to succeed',
      { timeoutMs: 15_000, intervalMs: 50 },
    );
    expect((await rawRequest(emulator, 'PUT', deploymentPath('dep-active'), { body: deploymentBody(template) })).status).toBe(200);
    expect(emulator.containerGroups().map((group) => group.name)).toEqual(['active-group']);
  });

  const invalidTemplates: Array<[string, Record<string, unknown>, Record<string, { value: unknown }>, RegExp]> = [
    ['calls nested 3000 deep', templateNamed(`[${'concat('.repeat(3000)}'a'${')'.repeat(3000)}]`), {}, /more than 32 levels deep/],
    ['a member chain 8000 long', templateNamed(`[resourceGroup()${'.id'.repeat(8000)}]`), {}, /more than 32 levels deep/],
    ['an expression over 24,576 characters', templateNamed(`[concat(${"'x',".repeat(9000)}'x')]`), {}, /can't exceed 24576 characters/],
    [
      'variables that refer to each other',
      templateNamed("[variables('a')]", { variables: { a: "[variables('b')]", b: "[concat('x', variables('a'))]" } }),
      {},
      /refers to itself: variable 'a' -> variable 'b' -> variable 'a'/,
    ],
    [
      'a value doubled through a chain of variables',
      templateNamed("[variables('v11')]", {
        variables: Object.fromEntries([
          ['v0', 'x'.repeat(1000)],
          ...Array.from({ length: 11 }, (_, i) => [`v${i + 1}`, `[concat(variables('v${i}'), variables('v${i}'))]`]),
        ]),
      }),
      {},
      /can't exceed 1048576 characters/,
    ],
    [
      'a format that repeats a large parameter thousands of times',
      templateNamed(`[format('${'{0}'.repeat(3000)}', parameters('big'))]`, { parameters: { big: { type: 'string' } } }),
      { big: { value: 'x'.repeat(500_000) } },
      /can't exceed 1048576 characters/,
    ],
    ['a member that only JavaScript objects have', templateNamed('[resourceGroup().constructor]'), {}, /property 'constructor' doesn't exist/],
  ];

  it.each(invalidTemplates)('answers %s with 400 InvalidTemplate, never a 500', async (_what, template, parameters, message) => {
    const response = await rawRequest(emulator, 'PUT', deploymentPath('dep-hostile'), { body: deploymentBody(template, parameters) });
    expect(expectArmError(response, 400, 'InvalidTemplate')).toMatch(message);
  });

  it('refuses JSON nested 100 000 deep with 400 InvalidRequestContent and keeps serving', async () => {
    const body = `{"properties":{"template":${'['.repeat(100_000)}${']'.repeat(100_000)}}}`;
    expect(expectArmError(await rawRequest(emulator, 'PUT', deploymentPath('dep-deep-json'), { body }), 400, 'InvalidRequestContent')).toMatch(
      /nested more than 64 levels/,
    );
    expect((await rawRequest(emulator, 'GET', '/_emulator/counters')).status).toBe(200);
  });
});
