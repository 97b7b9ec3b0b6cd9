/** The worker's metrics endpoint against real loopback sockets, with a stand-in for the SDK core's exporter. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Registry } from 'prom-client';
import { createPromMetrics } from '../../../src/common/metrics';
import { type MetricsServer, startMetricsServer } from '../../../src/workerHost/metricsServer';

const CORE_TEXT = '# HELP temporal_worker_task_slots_available x\n# TYPE temporal_worker_task_slots_available gauge\ntemporal_worker_task_slots_available 5\n';

async function fakeCoreExporter(status = 200): Promise<{ url: string; close(): void }> {
  const server: Server = createServer((_request, response) => response.writeHead(status).end(CORE_TEXT));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/metrics`, close: () => server.close() };
}

describe('metrics server', () => {
  const opened: Array<{ close(): unknown }> = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((handle) => handle.close()));
  });

  async function start(sdkMetricsUrl: string | undefined, onError?: (message: string) => void): Promise<{ server: MetricsServer; registry: Registry }> {
    const registry = new Registry();
    createPromMetrics(registry).armRequest('read', 'ok');
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry, sdkMetricsUrl, onError });
    opened.push(server);
    return { server, registry };
  }

  const scrape = (server: MetricsServer, path = '/metrics') => fetch(`http://127.0.0.1:${server.address.port}${path}`);

  it('answers /healthz while the process is up, and /readyz 503 until the worker says it is ready', async () => {
    const registry = new Registry();
    let readiness = { ready: false, detail: 'worker initialized' };
    const server = await startMetricsServer({ address: { host: '127.0.0.1', port: 0 }, registry, readiness: () => readiness });
    opened.push(server);
    expect((await scrape(server, '/healthz')).status).toBe(200);
    const notReady = await scrape(server, '/readyz');
    expect(notReady.status).toBe(503);
    expect(await notReady.text()).toBe('worker initialized\n');
    readiness = { ready: true, detail: 'ready: polling Temporal' };
    expect((await scrape(server, '/readyz')).status).toBe(200);
  });

  it('answers /readyz 503 "starting" when no worker has reported yet', async () => {
    const { server } = await start(undefined);
    const response = await scrape(server, '/readyz');
    expect(response.status).toBe(503);
    expect(await response.text()).toBe('starting\n');
  });

  it("serves aci-flow's metrics followed by the SDK core's on /metrics", async () => {
    const core = await fakeCoreExporter();
    opened.push(core);
    const { server, registry } = await start(core.url);
    const response = await scrape(server);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe(registry.contentType);
    const text = await response.text();
    expect(text).toContain('aci_flow_arm_requests_total{class="read",outcome="ok",purpose="other"} 1');
    expect(text).toContain('temporal_worker_task_slots_available 5');
  });

  it("still serves aci-flow's metrics when the core exporter fails, and says why", async () => {
    const core = await fakeCoreExporter(500);
    opened.push(core);
    const errors: string[] = [];
    const { server } = await start(core.url, (message) => errors.push(message));
    const text = await (await scrape(server)).text();
    expect(text).toContain('aci_flow_arm_requests_total');
    expect(text).not.toContain('temporal_');
    expect(errors).toEqual([`Temporal SDK metrics at ${core.url} could not be read: HTTP 500`]);
  });

  it('answers 404 elsewhere', async () => {
    const { server } = await start(undefined);
    expect((await scrape(server, '/')).status).toBe(404);
  });

  it('names the setting to change when the port is taken', async () => {
    const { server } = await start(undefined);
    await expect(startMetricsServer({ address: { host: '127.0.0.1', port: server.address.port }, registry: new Registry() })).rejects.toThrow(
      /ACI_FLOW_METRICS_ADDRESS: cannot listen on 127\.0\.0\.1:\d+ \(.*EADDRINUSE.*\); choose a free port/,
    );
  });
});
