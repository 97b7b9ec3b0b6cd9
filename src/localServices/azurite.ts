/**
 * The official Azurite emulator's Blob service as a child process, where the demo and the
 * test stack keep flow-run logs. In memory, on a port the OS picks, loopback only.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startLocalService } from './childService';

/** Azurite's well-known development account (public, documented by Microsoft; local use only). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_ACCOUNT_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function azuriteConnectionString(blobEndpoint: string): string {
  return `DefaultEndpointsProtocol=http;AccountName=${AZURITE_ACCOUNT};AccountKey=${AZURITE_ACCOUNT_KEY};BlobEndpoint=${blobEndpoint}/${AZURITE_ACCOUNT};`;
}

export interface RunningAzurite {
  /** http://127.0.0.1:<port> */
  blobEndpoint: string;
  connectionString: string;
  stop(): Promise<void>;
}

/** Starts `azurite-blob` and resolves once it listens. */
export async function startAzurite(options: { readyTimeoutMs?: number; skipApiVersionCheck?: boolean } = {}): Promise<RunningAzurite> {
  // Its working directory catches any file Azurite writes despite in-memory persistence.
  const workDir = mkdtempSync(join(tmpdir(), 'aci-flow-azurite-'));
  const main = require.resolve('azurite/dist/src/blob/main.js');
  // The Azure SDK speaks newer storage API versions than Azurite knows; without the flag Azurite refuses them all.
  // (Turned off only by the test of what the worker says about such an Azurite.)
  const apiVersionCheck = options.skipApiVersionCheck === false ? [] : ['--skipApiVersionCheck'];
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', ...apiVersionCheck, '--loose', '--silent', '--disableTelemetry'];
  const azurite = await startLocalService(process.execPath, [main, ...args], {
    name: 'Azurite',
    cwd: workDir,
    readyTimeoutMs: options.readyTimeoutMs ?? 30_000,
    readyPollMs: 50,
    // It picks its own port and says which.
    ready: async (output) => /successfully listens on (http:\/\/[^\s]+)/.exec(output)?.[1],
    afterStop: () => rmSync(workDir, { recursive: true, force: true }),
  });
  return { blobEndpoint: azurite.ready, connectionString: azuriteConnectionString(azurite.ready), stop: azurite.stop };
}
