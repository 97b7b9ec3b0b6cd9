/**
 * A Temporal dev server that keeps its state in a database file, so a test can SIGKILL it
 * and start it again on the same port and file — what a crashed self-hosted cluster does.
 * TestWorkflowEnvironment cannot: it owns an in-memory server and picks its own port.
 */
import { join } from 'node:path';
import { type DevServer, freePort, startDevServer } from '../../src/localServices';

export interface PersistentServer {
  /** host:port of the gRPC frontend; the same across restarts. */
  address: string;
  dbFile: string;
  /** Starts the server and waits until it answers. */
  start(): Promise<void>;
  /** SIGKILL, no shutdown: resolves once the process is gone. */
  kill(): Promise<void>;
  /** What the server printed since it was last started (last few kB). */
  output(): string;
}

/** A Temporal dev server on a free loopback port with its database in `dir`; call start(). */
export async function createPersistentServer(dir: string, readyTimeoutMs = 60_000): Promise<PersistentServer> {
  const port = await freePort();
  const dbFile = join(dir, 'temporal.db');
  let last: DevServer | undefined;
  let running = false;
  return {
    address: `127.0.0.1:${port}`,
    dbFile,
    output: () => last?.output() ?? '',
    async kill() {
      running = false;
      await last?.kill();
    },
    async start() {
      if (running) throw new Error(`the Temporal server at 127.0.0.1:${port} is already running`);
      last = await startDevServer({ port, dbFile, readyTimeoutMs });
      running = true;
    },
  };
}
