/**
 * `aci-flow demo`: everything aci-flow does, on one laptop, with no Azure account. Starts
 * the Temporal dev server (with its Web UI), the local ACI emulator and a worker, runs one
 * sample flow run whose container prints a few lines, streams them, prints the final
 * status, and keeps the UI up until Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createFlowRunLogSink } from '../../activities/logSink';
import { createGateway } from '../../azure/credentials';
import { loadPoolConfig, renderJobConfiguration } from '../../config';
import { startEmulator } from '../../emulator';
import type { FlowRunStatus } from '../../workflows/definitions';
import { createFlowRunWorker, WORKFLOW_BUNDLE_ENV } from '../../worker';
import { DEFAULT_LOG_DIR } from '../flowRunLogs';
import { followLogs, getFlowRunStatus, startFlowRun } from '../flowRuns';
import { formatStatus } from '../flowRunText';
import { startDevServer } from './devServer';
import { phasesInHistory } from './phases';
import { freePort } from './ports';

export const DEMO_FLOW_NAME = 'hello-aci';
/** Prints over a few seconds and exits 0, so every phase is visible in the UI. */
export const DEMO_COMMAND = `sh -c 'for i in 1 2 3 4 5; do echo "step $i of 5"; sleep 1; done; echo "done"'`;

export interface DemoOptions {
  poolConfigPath: string;
  /** Stop everything once the run has finished instead of keeping the UI up (CI, tests). */
  exitWhenDone: boolean;
  /** Preferred ports; taken ones are replaced by free ones. */
  port: number;
  uiPort: number;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  write: (line: string) => void;
}

type Closer = () => Promise<unknown>;

/** Runs the demo and resolves with the sample run's final status once everything is shut down. */
export async function runDemo(options: DemoOptions): Promise<FlowRunStatus | undefined> {
  const { write, signal } = options;
  const closers: Closer[] = [];
  // The demo owns Ctrl-C: it shuts the worker down itself, in order, instead of the SDK's default handler.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  try {
    const pool = await loadPoolConfig(options.poolConfigPath);
    const workPool = pool.name ?? 'demo-pool';
    const values = { command: DEMO_COMMAND, stream_output: true };
    const { resource_group_name: resourceGroup } = renderJobConfiguration(pool.base_job_template, values);

    const port = await freePort(options.port);
    const uiPort = await freePort(options.uiPort, [port]);
    write(`Starting the Temporal dev server on 127.0.0.1:${port} ...`);
    const devServer = await startDevServer(port, uiPort);
    closers.push(devServer.stop);
    write(`Temporal Web UI: ${devServer.uiUrl}`);

    const emulator = await startEmulator({ resourceGroups: [resourceGroup] });
    closers.push(() => emulator.close());
    write(`ACI emulator: ${emulator.endpoint} (resource group ${resourceGroup}; containers run as local processes)`);

    const logDir = process.env.ACI_FLOW_LOG_DIR || DEFAULT_LOG_DIR;
    const workerConnection = await NativeConnection.connect({ address: devServer.address });
    closers.push(() => workerConnection.close());
    write(`Starting a worker for work pool "${workPool}" (bundling the workflow code takes a few seconds) ...`);
    const worker = await createFlowRunWorker({
      workPool,
      connection: workerConnection,
      gateway: createGateway({ endpoint: emulator.endpoint, caCertPem: emulator.caCertPem }),
      // The demo prints the lines from the log file, exactly as `aci-flow logs --follow` would.
      logSink: createFlowRunLogSink({ logDir, output: () => undefined }),
      // A prebuilt bundle (the worker image, the test suite) saves the few seconds of bundling.
      ...(process.env[WORKFLOW_BUNDLE_ENV] ? { workflowBundle: { codePath: process.env[WORKFLOW_BUNDLE_ENV] } } : {}),
    });
    const workerRun = worker.run();
    closers.push(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
    });

    const connection = await Connection.connect({ address: devServer.address });
    closers.push(() => connection.close());
    const client = new Client({ connection });
    if (signal.aborted) return undefined;

    const started = await startFlowRun(client, {
      workPool,
      flowName: DEMO_FLOW_NAME,
      flowRunId: `demo-${randomUUID().slice(0, 8)}`,
      pool,
      values,
    });
    write('');
    write(`Started flow run ${started.flowRunId}`);
    write(`  in the UI: ${devServer.uiUrl}/namespaces/${client.options.namespace}/workflows/${started.workflowId}`);
    write(`  container logs (${logDir}/${started.flowRunId}.log):`);

    const finished = started.handle.result().then(
      () => undefined,
      () => undefined,
    );
    await Promise.all([
      printPhaseChanges(client, started.flowRunId, finished, signal, write),
      (async () => {
        for await (const line of followLogs(started.flowRunId, { client, logDir, follow: true, signal })) write(`    | ${line}`);
      })(),
    ]);
    if (signal.aborted) return undefined;

    const status = await getFlowRunStatus(client, started.flowRunId);
    write('');
    write(`Phases: ${(await phasesInHistory(started.handle)).join(' → ')}`);
    write(formatStatus(status));
    write('');
    if (!options.exitWhenDone) {
      write(`The Temporal UI stays up at ${devServer.uiUrl} — press Ctrl-C to stop everything.`);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return status;
  } finally {
    write('Shutting down the worker, the emulator and the dev server ...');
    for (const close of closers.reverse()) {
      await close().catch((err) => write(`  (while shutting down: ${err instanceof Error ? err.message : String(err)})`));
    }
  }
}

/** Live phase changes from the status query, until the run has finished. */
async function printPhaseChanges(
  client: Client,
  flowRunId: string,
  finished: Promise<void>,
  signal: AbortSignal,
  write: (line: string) => void,
): Promise<void> {
  let done = false;
  void finished.then(() => (done = true));
  let last: string | undefined;
  while (!done && !signal.aborted) {
    const { phase } = await getFlowRunStatus(client, flowRunId);
    if (phase !== last) write(`  phase: ${phase}`);
    last = phase;
    await Promise.race([finished, sleep(200)]);
  }
}
