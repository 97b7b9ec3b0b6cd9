import { type ChildProcess, spawn } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';
import { Connection } from '@temporalio/client';
import type { SearchAttributeType } from '@temporalio/common';
import { ALL_SEARCH_ATTRIBUTES } from '../../workflows/definitions';
import { temporalCliPath } from './temporalCli';

export interface DevServer {
  /** host:port of the gRPC frontend. */
  address: string;
  uiUrl: string;
  stop(): Promise<void>;
}

const CLI_TYPE_NAMES: Record<SearchAttributeType, string> = {
  TEXT: 'Text',
  KEYWORD: 'Keyword',
  INT: 'Int',
  DOUBLE: 'Double',
  BOOL: 'Bool',
  DATETIME: 'Datetime',
  KEYWORD_LIST: 'KeywordList',
};

/** `temporal server start-dev` arguments: in-memory, loopback only, with aci-flow's search attributes. */
export function devServerArgs(port: number, uiPort: number): string[] {
  return [
    'server',
    'start-dev',
    '--ip',
    '127.0.0.1',
    '--port',
    String(port),
    '--ui-port',
    String(uiPort),
    '--log-level',
    'error',
    ...searchAttributeArgs(),
  ];
}

/** `--search-attribute` arguments that register aci-flow's search attributes on a dev server. */
export function searchAttributeArgs(): string[] {
  return ALL_SEARCH_ATTRIBUTES.flatMap((key) => ['--search-attribute', `${key.name}=${CLI_TYPE_NAMES[key.type]}`]);
}

/** Starts the Temporal dev server with its Web UI and resolves once it accepts connections. */
export async function startDevServer(port: number, uiPort: number, readyTimeoutMs = 60_000): Promise<DevServer> {
  const address = `127.0.0.1:${port}`;
  const child = spawn(temporalCliPath(), devServerArgs(port, uiPort), { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  // If this process dies without stopping the server (a crash, a closed stdout), don't leave it orphaned.
  const killOnExit = () => child.kill('SIGTERM');
  process.once('exit', killOnExit);
  const stop = async () => {
    await stopProcess(child, exited);
    process.off('exit', killOnExit);
  };

  const deadline = Date.now() + readyTimeoutMs;
  for (;;) {
    if (child.exitCode !== null) {
      throw new Error(`the Temporal dev server exited with code ${child.exitCode} before it was ready: ${stderr.trim() || '(no output)'}`);
    }
    try {
      const connection = await Connection.connect({ address, connectTimeout: 1_000 });
      await connection.close();
      return { address, uiUrl: `http://localhost:${uiPort}`, stop };
    } catch (err) {
      if (Date.now() > deadline) {
        await stop();
        throw new Error(`the Temporal dev server did not accept connections on ${address} within ${readyTimeoutMs / 1000} s: ${String(err)}`);
      }
      await sleep(250);
    }
  }
}

/** SIGTERM, then SIGKILL when it has not exited within 10 s. */
export async function stopProcess(child: ChildProcess, exited: Promise<number | null>): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGTERM');
  // The grace timer is cancelled once the process exits, so it does not keep this process alive.
  const grace = new AbortController();
  const killed = await Promise.race([
    exited.then(() => true),
    sleep(10_000, undefined, { signal: grace.signal }).then(() => false, () => true),
  ]);
  grace.abort();
  if (!killed) {
    child.kill('SIGKILL');
    await exited;
  }
}
