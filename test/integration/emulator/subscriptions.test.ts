/**
 * The subscription is part of every ARM scope: the emulator validates it, keeps each
 * subscription's groups and log files apart, and checks the caller before it reads a body.
 */
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { connect } from 'node:tls';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { startEmulator, type RunningEmulator } from '../../helpers/checkedEmulator';
import { containerGroupTemplate, rawRequest, RESOURCE_GROUP, RESOURCES_API_VERSION, type RawResponse } from './emulatorHarness';
import { waitFor } from '../../helpers/waitFor';
import { first } from '../../helpers/must';

const SUBSCRIPTIONS = ['aaaaaaaa-0000-4000-8000-000000000001', 'bbbbbbbb-0000-4000-8000-000000000002'];
const TOKEN = 'subscription-test-token-0123456789';

const deploymentUrl = (subscriptionId: string, name: string) =>
  `/subscriptions/${subscriptionId}/resourceGroups/${RESOURCE_GROUP}/providers/Microsoft.Resources/deployments/${name}?api-version=${RESOURCES_API_VERSION}`;
const body = (template: Record<string, unknown>) => JSON.stringify({ properties: { mode: 'Incremental', template, parameters: {} } });
const errorCode = (response: RawResponse) => (response.json as { error?: { code?: string } } | undefined)?.error?.code;

describe('emulator: subscriptions', () => {
  let emulator: RunningEmulator;
  let dataDir: string;

  beforeAll(async () => {
    dataDir = mkdtempSync(path.join(tmpdir(), 'aci-flow-subscriptions-'));
    emulator = await startEmulator({ dataDir, deploymentDelayMs: 50 });
  });
  afterAll(() => emulator?.close());

  it.each(['not-a-guid', 'x/../y', '11111111-2222-3333-4444-55555555555', '11111111-2222-3333-4444-555555555555x'])(
    'refuses the subscription id %s with 400 InvalidSubscriptionId, creating nothing',
    async (subscriptionId) => {
      const response = await rawRequest(emulator, 'PUT', deploymentUrl(encodeURIComponent(subscriptionId), 'dep-bad-sub'), {
        body: body(containerGroupTemplate('bad-sub', { command: ['true'] })),
      });
      expect({ status: response.status, code: errorCode(response) }).toEqual({ status: 400, code: 'InvalidSubscriptionId' });
      expect(emulator.containerGroups()).toEqual([]);
    },
  );

  it('keeps groups of the same name in two subscriptions apart: two groups, two log files', async () => {
    for (const [index, subscriptionId] of SUBSCRIPTIONS.entries()) {
      const template = containerGroupTemplate('same-name', { command: ['sh', '-c', `echo from-subscription-${index}`] });
      expect((await rawRequest(emulator, 'PUT', deploymentUrl(subscriptionId, 'dep-same'), { body: body(template) })).status).toBe(201);
    }
    expect(emulator.containerGroups().filter((group) => group.name === 'same-name')).toHaveLength(2);
    for (const [index, subscriptionId] of SUBSCRIPTIONS.entries()) {
      const logFile = path.join(dataDir, 'containers', subscriptionId, RESOURCE_GROUP, 'same-name', 'main.log');
      await waitFor(() => existsSync(logFile) && readFileSync(logFile, 'utf8').includes('from-subscription'), `the log of ${subscriptionId}`, {
        timeoutMs: 15_000,
        intervalMs: 50,
      });
      expect(readFileSync(logFile, 'utf8')).toMatch(new RegExp(`^\\S+ from-subscription-${index}\\n$`));
    }
  });
});

describe('emulator: the caller is checked before the body is read', () => {
  let emulator: RunningEmulator;
  beforeAll(async () => {
    emulator = await startEmulator({ requireToken: TOKEN, deploymentDelayMs: 50 });
  });
  afterAll(() => emulator?.close());

  /** Sends only the headers of a request announcing a 3 MB body, and resolves with the status line the server answers. */
  function headersOnly(authorization?: string): Promise<string> {
    const { hostname, port } = new URL(emulator.endpoint);
    return new Promise((resolve, reject) => {
      const socket = connect({ host: hostname, port: Number(port), ca: emulator.caCertPem, servername: 'localhost' }, () => {
        socket.write(
          `PUT ${deploymentUrl(first(SUBSCRIPTIONS), 'dep-unread')} HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\nContent-Length: 3000000\r\n` +
            (authorization ? `Authorization: ${authorization}\r\n` : '') +
            '\r\n{"properties":',
        );
      });
      let received = '';
      socket.on('data', (chunk: Buffer) => {
        received += chunk.toString('utf8');
        if (received.includes('\r\n')) {
          resolve(received.slice(0, received.indexOf('\r\n')));
          socket.destroy();
        }
      });
      socket.on('error', reject);
      // the body never comes: a server that read it first would never answer
      setTimeout(() => reject(new Error(`no answer without the body; received so far: ${received}`)), 10_000).unref();
    });
  }

  it('answers 401 without waiting for the body when the token is missing or wrong', async () => {
    await expect(headersOnly()).resolves.toBe('HTTP/1.1 401 Unauthorized');
    await expect(headersOnly('Bearer wrong-token-0123456789')).resolves.toBe('HTTP/1.1 401 Unauthorized');
    expect(emulator.containerGroups()).toEqual([]);
  });
});
