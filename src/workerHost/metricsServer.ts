/**
 * The worker's one Prometheus endpoint. aci-flow's own metrics live in a prom-client registry;
 * the Temporal SDK's runtime metrics (Rust core) are served by the core's own exporter on a
 * private loopback port, and each scrape of `/metrics` appends that exporter's text to the
 * registry's. Why not record ours through the SDK's metric meter instead: that API is
 * experimental, its values cannot be read in-process (tests would have to scrape), and the
 * core prefixes every name it exports (`temporal_`), ours included. docs/operations.md#metrics.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type Logger, Runtime } from '@temporalio/worker';
import { collectDefaultMetrics, Registry } from 'prom-client';
import { ConfigError } from '../config/errors';
import { METRICS_ADDRESS_ENV, METRICS_PORT_HOST } from './settings';

export interface MetricsAddress {
  host: string;
  port: number;
}

/** How long a scrape waits for the SDK core's exporter before answering with aci-flow's metrics alone. */
const CORE_SCRAPE_TIMEOUT_MS = 2000;

/** `--metrics-port` wins over ACI_FLOW_METRICS_ADDRESS; neither set means no endpoint. */
export function metricsAddressFrom(port: number | undefined, env: NodeJS.ProcessEnv = process.env): MetricsAddress | undefined {
  if (port !== undefined) return { host: METRICS_PORT_HOST, port };
  const raw = env[METRICS_ADDRESS_ENV]?.trim();
  if (!raw) return undefined;
  const colon = raw.lastIndexOf(':');
  const host = raw.slice(0, colon).replace(/^\[(.*)\]$/, '$1');
  const portText = raw.slice(colon + 1);
  const parsed = Number(portText);
  if (colon < 1 || !host || !/^\d+$/.test(portText) || parsed < 1 || parsed > 65535) {
    throw new ConfigError(METRICS_ADDRESS_ENV, `must be host:port, e.g. 127.0.0.1:9464 or 0.0.0.0:9464, got '${raw}'; unset it to serve no metrics`);
  }
  return { host, port: parsed };
}

/** A registry with Node's process metrics (memory, CPU, event-loop lag) besides aci-flow's own. */
export function createWorkerRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * Installs the SDK Runtime with its Prometheus exporter on a free loopback port and returns
 * that exporter's URL. Must run before the worker's first connection (which installs a default Runtime).
 */
export async function installSdkMetrics(options: { logger?: Logger } = {}): Promise<string> {
  const port = await freeLoopbackPort();
  const bindAddress = `127.0.0.1:${port}`;
  Runtime.install({ logger: options.logger, telemetryOptions: { metrics: { prometheus: { bindAddress } } } });
  return `http://${bindAddress}/metrics`;
}

/** `/readyz`: 200 when ready, 503 otherwise, with `detail` as the body. */
export interface Readiness {
  ready: boolean;
  detail: string;
}

export interface MetricsServer {
  /** The address it listens on (the real port when 0 was asked for). */
  address: MetricsAddress;
  close(): Promise<void>;
}

export async function startMetricsServer(options: {
  address: MetricsAddress;
  registry: Registry;
  /** The SDK core's exporter, appended to every scrape. */
  sdkMetricsUrl?: string;
  onError?: (message: string) => void;
  /** Answers `/readyz`; until the worker sets one, the process is up but not ready. */
  readiness?: () => Readiness;
}): Promise<MetricsServer> {
  const { registry, sdkMetricsUrl } = options;
  const server = createServer((request, response) => {
    const path = (request.url ?? '').split('?')[0];
    if (request.method === 'GET' && path === '/healthz') {
      // The process is up and its event loop answers: a liveness probe restarts it otherwise.
      response.writeHead(200, { 'content-type': 'text/plain' }).end('ok\n');
      return;
    }
    if (request.method === 'GET' && path === '/readyz') {
      const readiness = options.readiness?.() ?? { ready: false, detail: 'starting' };
      response.writeHead(readiness.ready ? 200 : 503, { 'content-type': 'text/plain' }).end(`${readiness.detail}\n`);
      return;
    }
    if (request.method !== 'GET' || path !== '/metrics') {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('Not found; metrics are at /metrics, probes at /healthz and /readyz\n');
      return;
    }
    void scrape(registry, sdkMetricsUrl, options.onError).then(
      (text) => response.writeHead(200, { 'content-type': registry.contentType }).end(text),
      (err: unknown) => response.writeHead(500, { 'content-type': 'text/plain' }).end(`${(err as Error).message}\n`),
    );
  });
  await listen(server, options.address).catch((err: Error) => {
    throw new ConfigError(
      METRICS_ADDRESS_ENV,
      `cannot listen on ${options.address.host}:${options.address.port} (${err.message}); choose a free port with --metrics-port or ${METRICS_ADDRESS_ENV}`,
    );
  });
  const bound = server.address() as AddressInfo;
  return {
    address: { host: options.address.host, port: bound.port },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

async function scrape(registry: Registry, sdkMetricsUrl: string | undefined, onError?: (message: string) => void): Promise<string> {
  const own = await registry.metrics();
  if (!sdkMetricsUrl) return own;
  try {
    const response = await fetch(sdkMetricsUrl, { signal: AbortSignal.timeout(CORE_SCRAPE_TIMEOUT_MS) });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    return `${own}\n${await response.text()}`;
  } catch (err) {
    // aci-flow's metrics are still worth a scrape when the core's exporter does not answer.
    onError?.(`Temporal SDK metrics at ${sdkMetricsUrl} could not be read: ${(err as Error).message}`);
    return own;
  }
}

function listen(server: Server, address: MetricsAddress): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(address.port, address.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}

async function freeLoopbackPort(): Promise<number> {
  const probe = createServer();
  await listen(probe, { host: '127.0.0.1', port: 0 });
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}
