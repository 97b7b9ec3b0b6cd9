/**
 * What the emulator answers is valid ARM, and the gateway understands what ARM answers:
 * - each vendored `x-ms-examples` request of an operation the emulator implements is replayed
 *   against it; the response has the example's status and shape (keys and JSON types; values
 *   may differ), and the checked emulator validates it against the operation's schema;
 * - the checker is not vacuous: it reports a body the specification forbids;
 * - the spec's example responses, served by a small HTTPS replay server, go through the real
 *   SDK inside the gateway and come out as the right phase, event text and log lines.
 */
import { mkdtempSync, readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createGateway } from '../../../src/azure/credentials';
import { describeLastEvent, describeState, findContainer } from '../../../src/activities/containerState';
import { parseTimestampedLog } from '../../../src/activities/logCursor';
import { createCertificates } from '../../../src/emulator/certificates';
import { checkExchange, startEmulator, type CheckedEmulator, type ConformanceReport } from '../../helpers/checkedEmulator';
import { shapeDifferences } from '../../helpers/exampleShape';
import { findOperation, SPEC_ROOT, specOperations } from '../../helpers/restSpecs';
import { rawRequest } from '../emulator/emulatorHarness';
import { first, must } from '../../helpers/must';

const SPEC_DIR = path.join(SPEC_ROOT, 'containerinstance', 'resource-manager', 'Microsoft.ContainerInstance', 'stable');
const SERVED_API_VERSION = '2023-05-01';
const SUBSCRIPTION = '00000000-0000-4000-8000-0000000e4a31';
/** Added to the API after 2023-05-01; the 2025-09-01 examples show it, the served version has no such field. */
const NEWER_THAN_SERVED = new Set(['isCreatedFromStandbyPool']);
/**
 * Deliberate differences from an example, each documented in docs/emulator.md: Azure's list
 * calls return no instance views, although the spec's list example shows one.
 */
const ALLOWED_EXAMPLE_DIFFERENCES: Record<string, string[]> = {
  'ContainerGroupsList.json': ['/value/0/properties/containers/0/properties/instanceView: in the example, missing from the emulator'],
};

interface Example {
  parameters: Record<string, string | number>;
  responses: Record<string, { body?: unknown }>;
}

/** The vendored example of each operation the emulator implements (the 2025-09-01 ones where 2023-05-01's are not vendored). */
const EXAMPLES: Array<{ operationId: string; file: string }> = [
  { operationId: 'ContainerGroups_List', file: '2023-05-01/examples/ContainerGroupsList.json' },
  { operationId: 'ContainerGroups_Stop', file: '2023-05-01/examples/ContainerGroupsStop.json' },
  { operationId: 'ContainerGroups_Get', file: '2025-09-01/examples/ContainerGroupsGet_Succeeded.json' },
  { operationId: 'ContainerGroups_Get', file: '2025-09-01/examples/ContainerGroupsGet_Failed.json' },
  { operationId: 'Containers_ListLogs', file: '2025-09-01/examples/ContainerListLogs.json' },
];

const readExample = (file: string) => JSON.parse(readFileSync(path.join(SPEC_DIR, file), 'utf8')) as Example;

/** The example's group as a create request: what it shows, without what only a response carries. */
function createBodyFrom(groupExample: Record<string, unknown>): Record<string, unknown> {
  const {
    id: _id,
    name: _name,
    type: _type,
    properties,
    ...rest
  } = groupExample as { id: unknown; name: unknown; type: unknown; properties: Record<string, unknown> };
  const {
    provisioningState: _state,
    instanceView: _view,
    isCreatedFromStandbyPool: _standby,
    containers,
    ...groupProperties
  } = properties as { containers: Array<{ name: string; properties: Record<string, unknown> }> } & Record<string, unknown>;
  return {
    ...rest,
    location: 'eastus',
    properties: {
      ...groupProperties,
      containers: containers.map((container) => {
        const { instanceView: _containerView, ...containerProperties } = container.properties;
        return { name: container.name, properties: { ...containerProperties, command: ['sh', '-c', 'echo log content; sleep 30'] } };
      }),
    },
  };
}

const groupUrl = (resourceGroup: string, group: string, suffix = '') =>
  `/subscriptions/${SUBSCRIPTION}/resourceGroups/${resourceGroup}/providers/Microsoft.ContainerInstance/containerGroups/${group}${suffix}?api-version=${SERVED_API_VERSION}`;

describe('conformance: the emulator answers the published examples', () => {
  let emulator: CheckedEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ resourceGroups: ['demo'], deploymentDelayMs: 50 });
    // the groups the examples talk about, created from the examples' own bodies
    const getExample = readExample('2025-09-01/examples/ContainerGroupsGet_Succeeded.json').responses['200']?.body as Record<string, unknown>;
    const created = await rawRequest(emulator, 'PUT', groupUrl('demo', 'demo1'), { body: JSON.stringify(createBodyFrom(getExample)) });
    expect(created.status).toBe(201);
    const logsGroup = createBodyFrom(getExample) as { properties: { containers: Array<{ name: string }> } };
    first(logsGroup.properties.containers).name = 'container1';
    expect((await rawRequest(emulator, 'PUT', groupUrl('demo', 'demo1-logs'), { body: JSON.stringify(logsGroup) })).status).toBe(201);
  });
  afterAll(() => emulator?.close());

  it.each(EXAMPLES.map((example) => [example.file, example] as const))('replays %s', async (_file, { operationId, file }) => {
    const example = readExample(file);
    const operation = specOperations().find((candidate) => candidate.operationId === operationId && candidate.apiVersion === SERVED_API_VERSION);
    if (!operation) throw new Error(`${operationId} is not in the vendored ${SERVED_API_VERSION} specification`);
    const parameters: Record<string, string> = {
      ...Object.fromEntries(Object.entries(example.parameters).map(([key, value]) => [key, String(value)])),
      subscriptionId: SUBSCRIPTION,
    };
    // the logs example reads container1, which lives in its own group here
    if (operationId === 'Containers_ListLogs') parameters.containerGroupName = 'demo1-logs';
    const urlPath = operation.pathTemplate.replace(/\{([^}]+)\}/g, (_match, name: string) =>
      encodeURIComponent(must(parameters[name], `example parameter ${name}`)),
    );
    const query = new URLSearchParams({ 'api-version': SERVED_API_VERSION });
    if (parameters.tail) query.set('tail', parameters.tail);
    const response = await rawRequest(emulator, operation.method.toUpperCase(), `${urlPath}?${query}`);

    const [status, expected] = first(Object.entries(example.responses));
    expect(response.status).toBe(Number(status));
    const allowed = ALLOWED_EXAMPLE_DIFFERENCES[path.basename(file)] ?? [];
    expect(shapeDifferences(expected.body, response.json, NEWER_THAN_SERVED).filter((difference) => !allowed.includes(difference))).toEqual([]);
  });

  it('checked every replayed response against the specification, with no violation', () => {
    const report = emulator.conformance();
    expect(Object.keys(report.checked).sort()).toEqual(
      expect.arrayContaining(['ContainerGroups_CreateOrUpdate', 'ContainerGroups_Get', 'ContainerGroups_List', 'ContainerGroups_Stop', 'Containers_ListLogs']),
    );
    expect(report.violations).toEqual([]);
  });

  it('the checker is not vacuous: a body or status the specification forbids is a violation', () => {
    const report: ConformanceReport = { checked: {}, unchecked: 0, violations: [] };
    const exchange = (status: number, body: unknown, headers: Record<string, string> = {}) => ({
      method: 'GET',
      path: `/subscriptions/${SUBSCRIPTION}/resourceGroups/demo/providers/Microsoft.ContainerInstance/containerGroups/demo1`,
      query: new URLSearchParams({ 'api-version': SERVED_API_VERSION }),
      status,
      headers,
      body,
    });
    const group = readExample('2025-09-01/examples/ContainerGroupsGet_Failed.json').responses['200']?.body as { properties: Record<string, unknown> };
    const { isCreatedFromStandbyPool: _newer, ...servedProperties } = group.properties;
    checkExchange(exchange(200, { ...group, properties: servedProperties }), report);
    expect(report.violations).toEqual([]);
    checkExchange(exchange(200, { ...group, properties: { ...servedProperties, osType: 'Linux', notInTheSpec: true } }), report);
    checkExchange(exchange(200, { ...group, properties: { ...servedProperties, containers: 'one' } }), report);
    checkExchange(exchange(200, group), report); // isCreatedFromStandbyPool is not a 2023-05-01 field
    checkExchange(exchange(201, group), report); // GET never answers 201
    expect(report.violations).toEqual([
      expect.stringContaining("must NOT have unevaluated properties 'notInTheSpec'"),
      expect.stringContaining('/properties/containers: must be array'),
      expect.stringContaining("'isCreatedFromStandbyPool'"),
      expect.stringContaining('status 201 is not a response of ContainerGroups_Get'),
    ]);
    // a request at a version no vendored file describes is not checked at all
    expect(
      findOperation('GET', `/subscriptions/${SUBSCRIPTION}/resourceGroups/demo/providers/Microsoft.ContainerInstance/containerGroups/demo1`, '2021-09-01'),
    ).toBeUndefined();
  });
});

describe('conformance: the gateway understands the published example responses', () => {
  let server: Server;
  let endpoint: string;
  let caCertPem: string;
  const served = new Map<string, unknown>();

  beforeAll(async () => {
    const certificates = await createCertificates(mkdtempSync(path.join(tmpdir(), 'aci-flow-replay-')));
    caCertPem = certificates.caCertPem;
    // the replay server: the example body registered for a path, whatever the query
    server = createServer({ key: certificates.serverKeyPem, cert: certificates.serverCertPem }, (req, res) => {
      const body = served.get(new URL(req.url ?? '/', 'https://replay.invalid').pathname.toLowerCase());
      res.writeHead(body === undefined ? 404 : 200, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(body ?? { error: { code: 'ResourceNotFound', message: 'not replayed' } }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    endpoint = `https://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

  const ref = (group: string) => ({ subscriptionId: SUBSCRIPTION, resourceGroupName: 'demo', containerGroupName: group });
  const serve = (group: string, suffix: string, body: unknown) => served.set(first(groupUrl('demo', group, suffix).split('?')).toLowerCase(), body);
  const gateway = () => createGateway({ endpoint, caCertPem, pollIntervalMs: 50 }, { retryOptions: { maxRetries: 0 } });

  it('Failed with events, Pending: the group event and the waiting container', async () => {
    serve('failed', '', readExample('2025-09-01/examples/ContainerGroupsGet_Failed.json').responses['200']?.body);
    const view = await gateway().getContainerGroup(ref('failed'));
    expect(view).toMatchObject({ provisioningState: 'Failed', state: 'Pending' });
    const container = findContainer(view!, 'demo1');
    expect(describeState(container)).toBe('Waiting');
    expect(container?.currentState?.exitCode).toBeUndefined();
    expect(container?.events.map((event) => event.name)).toEqual(['Pulling', 'Pulled']);
    expect(describeLastEvent(view, container)).toBe('Normal: FailedMount: Output: mount error(2): Permission denied');
  });

  it('Succeeded without an instance view: provisioned, no container state yet', async () => {
    serve('succeeded', '', readExample('2025-09-01/examples/ContainerGroupsGet_Succeeded.json').responses['200']?.body);
    const view = await gateway().getContainerGroup(ref('succeeded'));
    expect(view).toMatchObject({ provisioningState: 'Succeeded', state: undefined, name: 'demo1' });
    expect(describeState(findContainer(view!, 'demo1'))).toBe('unknown (no instance view yet)');
  });

  it('Running, from the list example: state, start time and restart count', async () => {
    const listed = readExample('2023-05-01/examples/ContainerGroupsList.json').responses['200']?.body as { value: unknown[] };
    serve('running', '', listed.value[0]);
    const view = await gateway().getContainerGroup(ref('running'));
    expect(findContainer(view!, 'demo1')?.currentState).toEqual({
      state: 'Running',
      detailStatus: '',
      startTime: '2017-10-17T17:27:21.000Z',
      exitCode: undefined,
      finishTime: undefined,
    });
    expect(findContainer(view!, 'demo1')?.restartCount).toBe(0);
  });

  it('logs: the example content becomes its log lines', async () => {
    serve('logs', '/containers/container1/logs', readExample('2025-09-01/examples/ContainerListLogs.json').responses['200']?.body);
    const content = await gateway().getLogs({ ...ref('logs'), containerName: 'container1', tail: 10, timestamps: true });
    expect(content).toBe('log content');
    expect(parseTimestampedLog(content)).toEqual([{ timestamp: undefined, text: 'log content' }]);
  });
});
