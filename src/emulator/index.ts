/**
 * The local HTTPS ARM/ACI emulator: the real Azure SDK clients (JS and Python) run against
 * it unchanged. See docs/emulator.md for the API subset, image conventions and faults.
 */
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listenProblem } from './access';
import { armRoutes } from './armRoutes';
import { groupState } from './containerGroup';
import type { RegistryCredentialView } from './containerGroupSpec';
import { createCertificates } from './certificates';
import { controlRoutes } from './controlRoutes';
import { Counters, type EmulatorCounters } from './counters';
import { applyFaultPatch, parseFaultConfig, type ActiveFaults, type FaultConfig } from './faults';
import { resourceGroupNameProblem } from './names';
import type { EmulatorExchange } from './http';
import { createRequestHandler } from './server';
import { EmulatorState } from './state';
import { Throttler } from './throttling';
import { DEFAULT_RESOURCE_GROUPS } from './defaults';

export { DEFAULT_RESOURCE_GROUPS } from './defaults';

export type { ActiveFaults, FaultConfig, GroupMatcher, TokenBucketConfig } from './faults';
export { ARM_DEFAULT_BUCKETS, FaultConfigSchema, parseFaultConfig } from './faults';
export type { EmulatorCounters } from './counters';
export type { EmulatorExchange } from './http';
export { EMULATOR_TOKEN_ENV, isLoopbackHost, listenProblem } from './access';
export { SUPPORTED_API_VERSIONS } from './apiVersions';
export { resourceGroupNameProblem } from './names';

export interface EmulatorOptions {
  /** 0 (default) = random free port. */
  port?: number;
  /**
   * Default '127.0.0.1'; the certificate covers localhost, 127.0.0.1, ::1 and this host. Any
   * address outside 127.0.0.0/8, ::1 and localhost needs `requireToken`.
   */
  host?: string;
  /** When set, every call (ARM and /_emulator) must send `Authorization: Bearer <requireToken>`; at least 16 characters. */
  requireToken?: string;
  /** Where the CA and container output go; default a fresh temp dir. */
  dataDir?: string;
  /** Resource groups that exist (default ['aci-flow-demo', 'aci-flow-test']); others → 404 ResourceGroupNotFound. */
  resourceGroups?: string[];
  /** Default 'eastus'. */
  location?: string;
  /** Initial fault injection. */
  faults?: FaultConfig;
  /** How long a deployment stays Running before Succeeded (default 300 ms). */
  deploymentDelayMs?: number;
  /** Working directory of container processes (default: the emulator's own). */
  workingDirectory?: string;
  /** Sees every response the emulator sends; the tests check each against Microsoft's published API. */
  onResponse?: (exchange: EmulatorExchange) => void;
}

export interface ContainerGroupSnapshot {
  resourceGroup: string;
  name: string;
  state: string;
  stopped: boolean;
  deleted: boolean;
  /** Its registry credentials as deployed, a password only as its SHA-256. */
  registryCredentials: RegistryCredentialView[];
}

export interface RunningEmulator {
  /** e.g. 'https://127.0.0.1:41234' */
  endpoint: string;
  /** The CA certificate clients trust (tlsOptions.ca). */
  caCertPem: string;
  /** Same, on disk (`<dataDir>/ca.pem`). */
  caCertPath: string;
  setFaults(faults: Partial<FaultConfig>): void;
  /** Calls by kind, e.g. { 'deployments.put': 3, 'containerGroups.get': 40, reads: 43, throttled: 2, serverErrors: 1 }. */
  counters(): EmulatorCounters;
  resetCounters(): void;
  /** Every group ever created, deleted ones included. */
  containerGroups(): ContainerGroupSnapshot[];
  /** Stops the server and kills every container process. */
  close(): Promise<void>;
}

export async function startEmulator(options: EmulatorOptions = {}): Promise<RunningEmulator> {
  const host = options.host ?? '127.0.0.1';
  const refused = listenProblem(host, options.requireToken);
  if (refused) throw new Error(`EmulatorOptions: ${refused}`);
  for (const name of options.resourceGroups ?? []) {
    const problem = resourceGroupNameProblem(name);
    if (problem) throw new Error(`EmulatorOptions.resourceGroups: '${name}' ${problem}`);
  }
  const dataDir = path.resolve(options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'aci-flow-emulator-')));
  let faults = parseFaultConfig(options.faults ?? {}, 'EmulatorOptions.faults');
  const counters = new Counters();
  const throttler = new Throttler();
  const state = new EmulatorState({
    dataDir,
    location: options.location ?? 'eastus',
    resourceGroups: options.resourceGroups ?? DEFAULT_RESOURCE_GROUPS,
    deploymentDelayMs: options.deploymentDelayMs ?? 300,
    faults: () => faults,
    workingDirectory: options.workingDirectory ?? process.cwd(),
  });

  const replaceFaults = (next: ActiveFaults): ActiveFaults => {
    if (JSON.stringify(next.throttling) !== JSON.stringify(faults.throttling)) throttler.reset();
    const vanishChanged = JSON.stringify(next.vanish) !== JSON.stringify(faults.vanish);
    faults = next;
    if (vanishChanged) state.applyVanishToLiveGroups(next.vanish);
    return faults;
  };
  const containerGroups = (): ContainerGroupSnapshot[] => {
    const now = Date.now();
    return state.allGroups().map((record) => ({
      resourceGroup: record.resourceGroup,
      name: record.name,
      state: record.deleted ? 'Deleted' : groupState(record, now),
      stopped: record.stopped,
      deleted: record.deleted,
      registryCredentials: record.spec.registryCredentials,
    }));
  };

  const certificates = await createCertificates(dataDir, host);
  const server = createServer(
    { key: certificates.serverKeyPem, cert: certificates.serverCertPem },
    createRequestHandler({
      armRoutes: armRoutes(state),
      controlRoutes: controlRoutes({
        counters: () => counters.snapshot(),
        resetCounters: () => counters.reset(),
        faults: () => faults,
        replaceFaults: (body) => replaceFaults(parseFaultConfig(body, 'PUT /_emulator/faults')),
        patchFaults: (body) => replaceFaults(applyFaultPatch(faults, body, 'PATCH /_emulator/faults')),
        containerGroups,
        createResourceGroup: (name) => state.createResourceGroup(name),
      }),
      counters,
      throttler,
      faults: () => faults,
      consumeServerError: () => {
        if (faults.serverErrors) faults = { ...faults, serverErrors: { ...faults.serverErrors, count: faults.serverErrors.count - 1 } };
      },
      requiredToken: options.requireToken,
      location: state.location,
      onResponse: options.onResponse,
    }),
  );
  // a client that disconnects mid-request must not take the emulator down
  server.on('clientError', (_error, socket) => socket.destroy());
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    // a deep backlog, so a burst of new connections from a benchmark is queued rather than reset
    server.listen({ port: options.port ?? 0, host, backlog: 4096 }, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const endpointHost = host.includes(':') ? `[${host}]` : host;

  return {
    endpoint: `https://${endpointHost}:${port}`,
    caCertPem: certificates.caCertPem,
    caCertPath: certificates.caCertPath,
    setFaults: (partial) => {
      replaceFaults(parseFaultConfig({ ...faults, ...partial }, 'setFaults'));
    },
    counters: () => counters.snapshot(),
    resetCounters: () => counters.reset(),
    containerGroups,
    close: async () => {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await state.close();
      await closed;
    },
  };
}
