/**
 * The Temporal dev server (`temporal server start-dev` from the provisioned CLI) with aci-flow's
 * search attributes, on loopback: in memory, or with its state in a database file, so that it
 * can be killed and started again on the same port and file, as a crashed cluster comes back.
 */
import { Connection } from '@temporalio/client';
import { ALL_SEARCH_ATTRIBUTES, SEARCH_ATTRIBUTE_CLI_TYPES } from '../workflows/definitions';
import { ServiceExitedError, startLocalService } from './childService';
import { freePort } from './ports';
import { temporalCliPath } from './temporalCli';

export interface DevServerOptions {
  /** The gRPC port (default: one the OS picks). */
  port?: number;
  /** Serve the Web UI on this port (default: none, headless). */
  uiPort?: number;
  /** Keep the server's state in this SQLite file (default: in memory, gone when it stops). */
  dbFile?: string;
  /** Search attributes to register (default: all of aci-flow's). A restart on the same file finds them again. */
  searchAttributes?: typeof ALL_SEARCH_ATTRIBUTES;
  readyTimeoutMs?: number;
}

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  /** The Web UI, when started with `uiPort`. */
  uiUrl?: string;
  /** What it printed lately, for error messages. */
  output(): string;
  stop(): Promise<void>;
  /** SIGKILL, no shutdown; with a `dbFile`, starting again on the same port and file finds its state. */
  kill(): Promise<void>;
}

/** `temporal server start-dev` arguments: loopback only, quiet, with the search attributes. */
export function devServerArgs(port: number, options: Omit<DevServerOptions, 'port' | 'readyTimeoutMs'> = {}): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    ...(options.uiPort === undefined ? ['--headless'] : ['--ui-port', String(options.uiPort)]),
    ...(options.dbFile === undefined ? [] : ['--db-filename', options.dbFile]),
    '--log-level',
    'error',
    ...searchAttributeArgs(options.searchAttributes ?? ALL_SEARCH_ATTRIBUTES),
  ];
}

/** `--search-attribute` arguments that register search attributes on a dev server. */
function searchAttributeArgs(keys: typeof ALL_SEARCH_ATTRIBUTES): string[] {
  return keys.flatMap((key) => ['--search-attribute', `${key.name}=${SEARCH_ATTRIBUTE_CLI_TYPES[key.type]}`]);
}

export function webUiUrl(uiPort: number): string {
  return `http://localhost:${uiPort}`;
}

/**
 * Tries again when the server exits at start: it picks free ports for its internal services
 * itself, and loses that race now and then to another process doing the same (two dev servers
 * starting at once, in tests side by side). Each try picks them anew; the frontend port is a
 * fresh one too unless the caller chose it (a server restarted on its own port and database).
 */
const START_ATTEMPTS = 3;

/** Starts the dev server and resolves once it serves the default namespace. */
export async function startDevServer(options: DevServerOptions = {}): Promise<DevServer> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await startDevServerOnce(options.port ?? (await freePort()), options);
    } catch (err) {
      if (attempt >= START_ATTEMPTS || !(err instanceof ServiceExitedError)) throw err;
    }
  }
}

async function startDevServerOnce(port: number, options: DevServerOptions): Promise<DevServer> {
  const address = `127.0.0.1:${port}`;
  const server = await startLocalService(temporalCliPath(), devServerArgs(port, options), {
    name: `the Temporal dev server on ${address}${options.dbFile === undefined ? '' : ` (database ${options.dbFile})`}`,
    readyTimeoutMs: options.readyTimeoutMs ?? 60_000,
    ready: async () => ((await servesDefaultNamespace(address)) ? true : undefined),
  });
  return {
    address,
    ...(options.uiPort === undefined ? {} : { uiUrl: webUiUrl(options.uiPort) }),
    output: server.output,
    stop: server.stop,
    kill: server.kill,
  };
}

/** The frontend accepting connections is not enough: the dev server creates the default namespace after. */
async function servesDefaultNamespace(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 });
  try {
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.describeNamespace({ namespace: 'default' }));
    return true;
  } finally {
    await connection.close();
  }
}
