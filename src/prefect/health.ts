/**
 * `--with-healthcheck`: Prefect's worker health endpoint. `GET /health` answers 200
 * `{"message":"OK"}` while the worker polled for scheduled runs within 30 poll intervals
 * (counted from start until the first poll), else 503 `{"message":"Worker may be unresponsive
 * at this time"}`, on PREFECT_WORKER_WEBSERVER_HOST:PORT, as `prefect worker start
 * --with-healthcheck` serves it.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Prefect's window: a worker is healthy while its last poll is at most this many poll intervals old. */
export const POLL_WINDOW_INTERVALS = 30;

export class PollClock {
  private lastPolled: number;

  constructor(
    private readonly querySeconds: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastPolled = now();
  }

  polled(): void {
    this.lastPolled = this.now();
  }

  healthy(): boolean {
    return this.now() - this.lastPolled <= this.querySeconds * POLL_WINDOW_INTERVALS * 1000;
  }
}

export interface HealthServer {
  /** The port it listens on (the one asked for, or the one the OS chose for 0). */
  port: number;
  close(): Promise<void>;
}

export async function startHealthServer(clock: PollClock, host: string, port: number): Promise<HealthServer> {
  const server: Server = createServer((request, response) => {
    const path = new URL(request.url ?? '/', 'http://health').pathname;
    if (request.method !== 'GET' || path !== '/health') {
      response.writeHead(404, { 'content-type': 'application/json' }).end(JSON.stringify({ detail: 'Not Found' }));
      return;
    }
    const healthy = clock.healthy();
    response
      .writeHead(healthy ? 200 : 503, { 'content-type': 'application/json' })
      .end(JSON.stringify({ message: healthy ? 'OK' : 'Worker may be unresponsive at this time' }));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  return {
    port: (server.address() as AddressInfo).port,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
