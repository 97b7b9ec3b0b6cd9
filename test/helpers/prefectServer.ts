/**
 * A real Prefect server for tests: `prefect server start` from tools/prefect-venv (provisioned
 * by scripts/setup.mjs), on loopback, with SQLite in a temporary PREFECT_HOME.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { waitFor } from './waitFor';

const REPO_ROOT = resolve(__dirname, '..', '..');

export interface PrefectServer {
  /** What PREFECT_API_URL is set to: `http://127.0.0.1:<port>/api`. */
  apiUrl: string;
  /** The folder holding the `prefect` CLI and the venv's python (put it on PATH for `prefect flow-run execute`). */
  binDir: string;
  /** The server's temporary PREFECT_HOME (database, settings). */
  home: string;
  /** Everything the server printed so far. */
  output(): string;
  stop(): Promise<void>;
}

/** The `prefect` CLI scripts/setup.mjs provisions, installing it on first use. */
export function prefectCliPath(): string {
  const found = spawnSync(process.execPath, [join(REPO_ROOT, 'scripts', 'setup.mjs'), '--print-prefect-path'], { encoding: 'utf8' });
  if (found.status !== 0) throw new Error(`cannot provision Prefect: ${found.stderr.trim()}; run 'node scripts/setup.mjs --test'`);
  return found.stdout.trim();
}

export async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolvePort(port));
    });
  });
}

/** Environment for the server and for Prefect commands run against it: quiet, offline, this home. */
export function prefectEnvironment(home: string, apiUrl?: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PREFECT_HOME: home,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_UI_ENABLED: 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    // SQLite on a loaded machine: wait longer for a lock before answering 503.
    PREFECT_SERVER_DATABASE_TIMEOUT: '60',
    // The tests schedule their own runs; the server's own services would only add load.
    PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_FOREMAN_ENABLED: 'false',
    ...(apiUrl ? { PREFECT_API_URL: apiUrl } : {}),
  };
}

export async function startPrefectServer(): Promise<PrefectServer> {
  const prefect = prefectCliPath();
  const home = mkdtempSync(join(tmpdir(), 'aci-flow-prefect-'));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const child: ChildProcess = spawn(prefect, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: prefectEnvironment(home),
    stdio: ['ignore', 'pipe', 'pipe'],
    // its own process group, so stop() also ends the uvicorn processes it starts
    detached: true,
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolveExit) => child.once('exit', () => resolveExit()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) {
      process.kill(-child.pid, 'SIGTERM');
      const force = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), 10_000);
      await exited;
      clearTimeout(force);
    }
    rmSync(home, { recursive: true, force: true });
  };
  try {
    await waitFor(
      async () => {
        if (child.exitCode !== null) throw new Error(`prefect server exited with code ${child.exitCode}: ${output}`);
        const response = await fetch(`${apiUrl}/health`).catch(() => undefined);
        return response?.ok;
      },
      `the Prefect server at ${apiUrl} to answer /health`,
      { timeoutMs: 120_000, intervalMs: 250, lastSeen: () => output.slice(-2000) },
    );
  } catch (err) {
    await stop();
    throw err;
  }
  return { apiUrl, binDir: dirname(prefect), home, output: () => output, stop };
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}
