/**
 * The official Azurite emulator's Blob service as a child process, where the demo and the
 * test stack keep flow-run logs. In memory, on a port the OS picks, loopback only.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { stopProcess } from './devServer';

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
export async function startAzurite(options: { readyTimeoutMs?: number } = {}): Promise<RunningAzurite> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 30_000;
  // Its working directory catches any file Azurite writes despite in-memory persistence.
  const workDir = mkdtempSync(join(tmpdir(), 'aci-flow-azurite-'));
  const main = require.resolve('azurite/dist/src/blob/main.js');
  const args = ['--blobHost', '127.0.0.1', '--blobPort', '0', '--inMemoryPersistence', '--skipApiVersionCheck', '--loose', '--silent', '--disableTelemetry'];
  const child = spawn(process.execPath, [main, ...args], { cwd: workDir, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopProcess(child, exited);
    process.off('exit', killOnExit);
    rmSync(workDir, { recursive: true, force: true });
  };

  let output = '';
  const listening = new Promise<string>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output = (output + chunk.toString()).slice(-4000);
      const match = /successfully listens on (http:\/\/[^\s]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', onData);
    void exited.then((code) => reject(new Error(`Azurite exited with code ${code} before it listened: ${output.trim() || '(no output)'}`)));
  });
  let timer: NodeJS.Timeout | undefined;
  const timedOut = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Azurite did not listen within ${readyTimeoutMs / 1000} s: ${output.trim() || '(no output)'}`)), readyTimeoutMs);
  });
  try {
    const blobEndpoint = await Promise.race([listening, timedOut]);
    return { blobEndpoint, connectionString: azuriteConnectionString(blobEndpoint), stop };
  } catch (err) {
    await stop();
    throw err;
  } finally {
    clearTimeout(timer);
  }
}
