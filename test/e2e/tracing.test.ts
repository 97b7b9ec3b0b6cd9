/**
 * `aci-flow worker` with OTEL_EXPORTER_OTLP_ENDPOINT: workflow and activity spans of a real
 * run reach an OTLP/HTTP collector (a loopback server that records what it receives).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { startTestFlowRun } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(180_000);

describe('worker tracing', () => {
  let stack: Stack;
  let collector: Server;
  const received: string[] = [];

  beforeAll(async () => {
    collector = createServer((request, response) => {
      let body = '';
      request.on('data', (chunk) => (body += chunk));
      request.on('end', () => {
        if (request.method === 'POST' && request.url === '/v1/traces') received.push(body);
        response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
      });
    });
    await new Promise<void>((resolve) => collector.listen(0, '127.0.0.1', resolve));
    stack = await startStack({ workPool: 'e2e-tracing' });
  });

  afterAll(async () => {
    await stack?.close();
    await new Promise((resolve) => collector?.close(resolve));
  });

  it('exports the workflow and activity spans of a run over OTLP', async () => {
    const worker = stack.spawnWorkerProcess({
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(collector.address() as AddressInfo).port}`,
        OTEL_SERVICE_NAME: 'aci-flow-e2e',
        // Export every half second instead of every 5 s.
        OTEL_BSP_SCHEDULE_DELAY: '500',
      },
    });
    const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo traced'" } });
    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    const spans = () => received.join('\n');
    await waitFor(
      () => ['RunWorkflow:flowRunWorkflow', 'RunActivity:deploy', 'RunActivity:watch'].every((name) => spans().includes(name)),
      'the workflow and activity spans at the collector',
      { timeoutMs: 60_000, lastSeen: () => `${spans().slice(-500)}\nworker: ${worker.output().slice(-1000)}` },
    );
    expect(spans()).toContain('aci-flow-e2e');
    expect(spans()).toContain(run.flowRunId);
    expect(worker.output()).toContain('Tracing with OpenTelemetry');
  });
});
