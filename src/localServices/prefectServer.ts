/**
 * A local Prefect server for `aci-flow demo --prefect` and the tests: `prefect server start`
 * from tools/prefect-venv (provisioned by scripts/setup.mjs), on loopback, with SQLite in a
 * temporary PREFECT_HOME that goes away with it.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { startLocalService } from './childService';
import { freePort } from './ports';

export interface PrefectServer {
  /** What PREFECT_API_URL is set to: `http://127.0.0.1:<port>/api`. */
  apiUrl: string;
  /** `http://127.0.0.1:<port>` (the Prefect UI, when started with `ui: true`). */
  uiUrl: string;
  /** The folder holding the `prefect` CLI and the venv's python (put it on PATH for `prefect flow-run execute`). */
  binDir: string;
  /** The server's temporary PREFECT_HOME (database, settings). */
  home: string;
  /** What the server printed lately. */
  output(): string;
  stop(): Promise<void>;
}

export interface PrefectServerOptions {
  /** Serve the Prefect UI too (default false: the tests only need the API). */
  ui?: boolean;
  /** Preferred port; taken, or not given, means any free port. */
  port?: number;
  readyTimeoutMs?: number;
}

/**
 * The `prefect` CLI of tools/prefect-venv: scripts/setup.mjs (its `ensurePrefect`, the one place
 * that knows how) finds it, or installs it on first use.
 */
export function prefectCliPath(): string {
  if (process.env.ACI_FLOW_PREFECT_CLI) return process.env.ACI_FLOW_PREFECT_CLI;
  const setup = join(__dirname, '..', '..', 'scripts', 'setup.mjs');
  let path: string;
  try {
    path = execFileSync(process.execPath, [setup, '--print-prefect-path'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  } catch {
    // setup.mjs has printed why on stderr.
    throw new Error("cannot provision Prefect into tools/prefect-venv (see the [setup] lines above); run 'node scripts/setup.mjs --test'");
  }
  process.env.ACI_FLOW_PREFECT_CLI = path;
  return path;
}

/** Environment for the server and for Prefect commands run against it: quiet, offline, this home. */
export function prefectEnvironment(home: string, options: { apiUrl?: string; ui?: boolean } = {}): NodeJS.ProcessEnv {
  return {
    ...process.env,
    PREFECT_HOME: home,
    PREFECT_SERVER_ANALYTICS_ENABLED: 'false',
    PREFECT_UI_ENABLED: options.ui ? 'true' : 'false',
    PREFECT_SERVER_LOGGING_LEVEL: 'WARNING',
    // SQLite on a loaded machine: wait longer for a lock before answering 503.
    PREFECT_SERVER_DATABASE_TIMEOUT: '60',
    // Runs are created on demand here; the server's own services would only add load.
    PREFECT_SERVER_SERVICES_SCHEDULER_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_LATE_RUNS_ENABLED: 'false',
    PREFECT_SERVER_SERVICES_FOREMAN_ENABLED: 'false',
    ...(options.apiUrl ? { PREFECT_API_URL: options.apiUrl, PREFECT_UI_API_URL: options.apiUrl } : {}),
  };
}

/** Starts `prefect server start` and resolves once it answers /health. */
export async function startPrefectServer(options: PrefectServerOptions = {}): Promise<PrefectServer> {
  const prefect = prefectCliPath();
  const home = mkdtempSync(join(tmpdir(), 'aci-flow-prefect-'));
  const port = await freePort(options.port);
  const uiUrl = `http://127.0.0.1:${port}`;
  const apiUrl = `${uiUrl}/api`;
  const server = await startLocalService(prefect, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    name: `the Prefect server at ${apiUrl}`,
    env: prefectEnvironment(home, { apiUrl, ui: options.ui }),
    readyTimeoutMs: options.readyTimeoutMs ?? 120_000,
    ready: async () => ((await fetch(`${apiUrl}/health`)).ok ? true : undefined),
    // Its own process group, so stopping it also ends the uvicorn processes it starts.
    processGroup: true,
    afterStop: () => rmSync(home, { recursive: true, force: true }),
  });
  return { apiUrl, uiUrl, binDir: dirname(prefect), home, output: server.output, stop: server.stop };
}
