/**
 * What the emulator tests share: the real Azure SDK clients pointed at a running emulator,
 * a raw HTTPS client for status codes and headers the SDKs hide, and template builders.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { request } from 'node:https';
import path from 'node:path';
import { ContainerInstanceManagementClient } from '@azure/arm-containerinstance';
import { ResourceManagementClient } from '@azure/arm-resources';
import { StaticTokenCredential } from '../../../src/azure/credentials';
import type { RunningEmulator } from '../../../src/emulator';
import { waitFor } from '../../helpers/waitFor';
import { first } from '../../helpers/must';

export const SUBSCRIPTION_ID = '11111111-2222-3333-4444-555555555555';
export const RESOURCE_GROUP = 'aci-flow-test';
export const ACI_API_VERSION = '2023-05-01';
export const RESOURCES_API_VERSION = '2025-03-01';

/** Any token works against the emulator; the SDK's bearer policy only needs one. */
const emulatorCredential = new StaticTokenCredential('emulator-test-token');

export interface SdkClients {
  resources: ResourceManagementClient;
  aci: ContainerInstanceManagementClient;
}

export function sdkClients(emulator: RunningEmulator, retryOptions?: { maxRetries?: number }): SdkClients {
  const options = { endpoint: emulator.endpoint, tlsOptions: { ca: emulator.caCertPem }, retryOptions };
  return {
    resources: new ResourceManagementClient(emulatorCredential, SUBSCRIPTION_ID, options),
    aci: new ContainerInstanceManagementClient(emulatorCredential, SUBSCRIPTION_ID, options),
  };
}

export interface ContainerOptions {
  image?: string;
  command?: string[];
  env?: Record<string, string>;
  secureEnv?: Record<string, string>;
}

/** A deployment template with one container group of one container named `main`. */
export function containerGroupTemplate(groupName: string, container: ContainerOptions = {}): Record<string, unknown> {
  return {
    $schema: 'https://schema.management.azure.com/schemas/2019-04-01/deploymentTemplate.json#',
    contentVersion: '1.0.0.0',
    resources: [
      {
        type: 'Microsoft.ContainerInstance/containerGroups',
        apiVersion: ACI_API_VERSION,
        name: groupName,
        location: '[resourceGroup().location]',
        tags: { 'managed-by': 'aci-flow' },
        properties: {
          osType: 'Linux',
          restartPolicy: 'Never',
          containers: [
            {
              name: 'main',
              properties: {
                image: container.image ?? 'docker.io/library/busybox:latest',
                ...(container.command ? { command: container.command } : {}),
                environmentVariables: [
                  ...Object.entries(container.env ?? {}).map(([name, value]) => ({ name, value })),
                  ...Object.entries(container.secureEnv ?? {}).map(([name, secureValue]) => ({ name, secureValue })),
                ],
                resources: { requests: { cpu: 1, memoryInGB: 1 } },
              },
            },
          ],
        },
      },
    ],
  };
}

export async function deploy(
  clients: SdkClients,
  deploymentName: string,
  template: Record<string, unknown>,
  parameters: Record<string, { value: unknown }> = {},
) {
  return clients.resources.deployments.beginCreateOrUpdateAndWait(
    RESOURCE_GROUP,
    deploymentName,
    { properties: { mode: 'Incremental', template, parameters } },
    { updateIntervalInMs: 50 },
  );
}

/** Polls the group until its only container reaches `state` (or the timeout passes). */
export async function waitForContainerState(clients: SdkClients, groupName: string, state: string, timeoutMs = 10_000) {
  let last: string | undefined;
  return waitFor(
    async () => {
      const group = await clients.aci.containerGroups.get(RESOURCE_GROUP, groupName);
      last = first(group.containers).instanceView?.currentState?.state;
      return last === state ? group : undefined;
    },
    `the container of ${groupName} to be ${state}`,
    { timeoutMs, intervalMs: 50, lastSeen: () => last ?? 'no state' },
  );
}

/** Polls until GET on the group answers 404, as after a delete or a vanish. */
export async function waitForGroupGone(clients: SdkClients, groupName: string, timeoutMs = 10_000): Promise<void> {
  await waitFor(
    () =>
      clients.aci.containerGroups.get(RESOURCE_GROUP, groupName).then(
        () => false,
        (error: { statusCode?: number }) => {
          if (error.statusCode === 404) return true;
          throw error;
        },
      ),
    `GET ${groupName} to answer 404`,
    { timeoutMs, intervalMs: 50 },
  );
}

/** The pid a container wrote with `echo $$ > pidFile`, once it has written it. */
export async function waitForPid(pidFile: string, timeoutMs = 10_000): Promise<number> {
  return waitFor(
    () => {
      try {
        const pid = Number(readFileSync(pidFile, 'utf8'));
        return pid > 0 ? pid : undefined;
      } catch {
        return undefined; // the shell has not written it yet
      }
    },
    `a pid in ${pidFile}`,
    { timeoutMs, intervalMs: 50 },
  );
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  text: string;
  json: unknown;
}

/**
 * One HTTPS request with the emulator's CA trusted; `auth: false` omits the bearer token. The
 * path is sent as written — no URL normalization — so tests can send what an attacker would.
 */
export function rawRequest(
  emulator: Pick<RunningEmulator, 'endpoint' | 'caCertPem'>,
  method: string,
  path: string,
  options: { body?: string | Buffer; auth?: boolean; headers?: Record<string, string> } = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(emulator.endpoint);
  return new Promise((resolve, reject) => {
    const req = request(
      {
        hostname: hostname.replace(/^\[(.*)\]$/, '$1'),
        port,
        path,
        method,
        ca: emulator.caCertPem,
        headers: {
          ...(options.auth === false ? {} : { Authorization: 'Bearer raw-test-token' }),
          ...(options.body !== undefined ? { 'Content-Type': 'application/json' } : {}),
          ...options.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let json: unknown;
          try {
            json = text ? JSON.parse(text) : undefined;
          } catch {
            json = undefined;
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json });
        });
      },
    );
    req.on('error', reject);
    if (options.body !== undefined) req.write(options.body);
    req.end();
  });
}

export function armPath(suffix: string, apiVersion = ACI_API_VERSION): string {
  return `/subscriptions/${SUBSCRIPTION_ID}/resourceGroups/${RESOURCE_GROUP}/providers/${suffix}?api-version=${apiVersion}`;
}

export function groupPath(groupName: string, suffix = ''): string {
  return armPath(`Microsoft.ContainerInstance/containerGroups/${groupName}${suffix}`);
}

export function deploymentPath(deploymentName: string, suffix = ''): string {
  return armPath(`Microsoft.Resources/deployments/${deploymentName}${suffix}`, RESOURCES_API_VERSION);
}

const CLI = path.resolve(__dirname, '..', '..', '..', 'bin', 'aci-flow.js');

export interface CliRun {
  child: ChildProcess;
  output: () => string;
  /** The exit code, or the signal that ended the process. */
  exited: Promise<number | NodeJS.Signals | null>;
}

/** `aci-flow <args>` as a child process; `env` is added to this process's environment. */
export function runCli(args: string[], env: Record<string, string> = {}): CliRun {
  const child = spawn(process.execPath, [CLI, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | NodeJS.Signals | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? signal)));
  return { child, output: () => output, exited };
}

export async function waitForOutput(run: CliRun, pattern: RegExp, timeoutMs = 20_000): Promise<RegExpMatchArray> {
  return waitFor(() => run.output().match(pattern), `the CLI to print ${pattern}`, { timeoutMs, intervalMs: 50, lastSeen: run.output });
}
