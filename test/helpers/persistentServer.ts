/**
 * A Temporal dev server that keeps its state in a database file, so a test can SIGKILL it
 * and start it again on the same port and file — what a crashed self-hosted cluster does.
 * TestWorkflowEnvironment cannot: it owns an in-memory server and picks its own port.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Connection } from '@temporalio/client';
import { searchAttributeArgs } from '../../src/cli/demo/devServer';
import { temporalCliPath } from '../../src/cli/demo/temporalCli';
import { waitFor } from './waitFor';

export interface PersistentServer {
  /** host:port of the gRPC frontend; the same across restarts. */
  address: string;
  dbFile: string;
  /** Starts the server (registering aci-flow's search attributes the first time) and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL, no shutdown: resolves once the process is gone. */
  kill(): Promise<void>;
  /** What the server printed since it was last started (last few kB). */
  output(): string;
}

/** A Temporal dev server on a free loopback port with its database in `dir`; call start(). */
export async function createPersistentServer(dir: string, readyTimeoutMs = 60_000): Promise<PersistentServer> {
  const port = await freePort();
  const address = `127.0.0.1:${port}`;
  const dbFile = join(dir, 'temporal.db');
  let child: ChildProcess | undefined;
  let exited: Promise<void> = Promise.resolve();
  let output = '';
  let started = false;
  const killOnExit = () => child?.kill('SIGKILL');

  const kill = async () => {
    if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await exited;
    process.off('exit', killOnExit);
  };

  return {
    address,
    dbFile,
    output: () => output,
    kill,
    async start() {
      if (child && child.exitCode === null && child.signalCode === null) throw new Error(`the Temporal server at ${address} is already running`);
      const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--headless', '--log-level', 'error'];
      // Search attributes live in the database: a restart finds them there.
      const firstStart = !started;
      const server = spawn(temporalCliPath(), [...args, '--db-filename', dbFile, ...(firstStart ? searchAttributeArgs() : [])], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = server;
      started = true;
      output = '';
      const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
      server.stdout?.on('data', collect);
      server.stderr?.on('data', collect);
      exited = new Promise((resolve) => server.once('exit', () => resolve()));
      process.once('exit', killOnExit);
      try {
        await waitFor(
          async () => {
            if (server.exitCode !== null) {
              throw new Error(`the Temporal server exited with code ${server.exitCode} before it answered: ${output.trim() || '(no output)'}`);
            }
            return answers(address);
          },
          `the Temporal server at ${address} (database ${dbFile}) to answer`,
          { timeoutMs: readyTimeoutMs, intervalMs: 250, lastSeen: () => output.trim() || '(no output)' },
        );
      } catch (err) {
        await kill();
        throw err;
      }
    },
  };
}

/** True once the frontend serves the default namespace (which the dev server creates at its first start). */
async function answers(address: string): Promise<boolean> {
  const connection = await Connection.connect({ address, connectTimeout: 1_000 }).catch(() => undefined);
  if (!connection) return false;
  try {
    await connection.withDeadline(Date.now() + 2_000, () => connection.workflowService.describeNamespace({ namespace: 'default' }));
    return true;
  } catch {
    return false;
  } finally {
    await connection.close();
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const bound = server.address();
      const port = typeof bound === 'object' && bound ? bound.port : 0;
      server.close(() => resolve(port));
    });
  });
}
