/**
 * `aci-flow demo`: everything aci-flow does, on one laptop, with no Azure account. Starts
 * the Temporal dev server (with its Web UI), the local ACI emulator, Azurite for the logs
 * (unless ACI_FLOW_LOG_BLOB_* names an account) and a worker, runs one sample flow run whose
 * container prints a few lines, streams them from the log blob, prints the final status,
 * and keeps the UI up until Ctrl-C.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { createFlowRunLogSink } from '../../activities/logSink';
import { createGateway } from '../../azure/credentials';
import { loadPoolConfig, renderJobConfiguration } from '../../config';
import { startEmulator } from '../../emulator';
import type { FlowRunStatus } from '../../workflows/definitions';
import { createFlowRunWorker, WORKFLOW_BUNDLE_ENV } from '../../worker';
import { BlobLogLineReader } from '../../logs/blobLogReader';
import { logContainerClient } from '../../logs/blobContainer';
import { type BlobLogSettings, blobLogSettingsFromEnv, DEFAULT_LOG_BLOB_CONTAINER, logBlobName } from '../../logs/blobLogs';
import { logSegments } from '../../logs/logSegments';
import type { LogLineSource } from '../../logs/lineSplitter';
import { getFlowRunStatus, startFlowRun } from '../../client';
import { formatStatus } from '../flowRunText';
import { startAzurite } from './azurite';
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

    let blobLogs: BlobLogSettings | undefined = blobLogSettingsFromEnv();
    if (!blobLogs) {
      const azurite = await startAzurite();
      closers.push(azurite.stop);
      blobLogs = { connectionString: azurite.connectionString, container: DEFAULT_LOG_BLOB_CONTAINER };
      write(`Azurite (Blob Storage emulator, holds the logs): ${azurite.blobEndpoint}`);
    }
    const logContainer = logContainerClient(blobLogs);
    const workerConnection = await NativeConnection.connect({ address: devServer.address });
    closers.push(() => workerConnection.close());
    write(`Starting a worker for work pool "${workPool}" (bundling the workflow code takes a few seconds) ...`);
    const worker = await createFlowRunWorker({
      workPool,
      connection: workerConnection,
      gateway: createGateway({ endpoint: emulator.endpoint, caCertPem: emulator.caCertPem }),
      // The demo prints the lines from the log blob, exactly as `aci-flow logs --follow` would.
      logSink: createFlowRunLogSink({ blob: { container: logContainer, workPool }, output: () => undefined }),
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
    const logSegmentsOfRun = logSegments(logContainer, logBlobName(workPool, started.flowRunId));
    write(`  container logs (${logSegmentsOfRun(0).url}) and phases:`);

    await printProgress(client, started.handle, new BlobLogLineReader(logSegmentsOfRun), signal, write);
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

/**
 * Log lines and phases as they happen, until the run has finished. Phases come from the
 * history, so none is missed however short; the history is read before the log blob, so
 * lines written before the run left Running are printed before the phases that follow.
 */
async function printProgress(
  client: Client,
  handle: WorkflowHandle,
  logs: LogLineSource,
  signal: AbortSignal,
  write: (line: string) => void,
): Promise<void> {
  let finished = false;
  // The long poll for the result must end with Ctrl-C, before the connection closes under it.
  const settled = client.withAbortSignal(signal, () => handle.result()).then(
    () => (finished = true),
    () => (finished = true),
  );
  let phasesPrinted = 0;
  try {
    for (;;) {
      const lastRound = finished;
      const phases = await phasesInHistory(handle);
      const lines = await logs.readLines();
      // Container lines belong to the Running phase: phases up to it come first, later ones after.
      const running = phases.indexOf('Running');
      const splitAt = running === -1 ? phases.length : Math.max(phasesPrinted, running + 1);
      for (const phase of phases.slice(phasesPrinted, splitAt)) write(`  phase: ${phase}`);
      for (const line of lines) write(`    | ${line}`);
      for (const phase of phases.slice(splitAt)) write(`  phase: ${phase}`);
      phasesPrinted = phases.length;
      if (lastRound || signal.aborted) break;
      await Promise.race([settled, sleep(250, undefined, { signal }).catch(() => undefined)]);
    }
    const unfinishedLine = logs.takeUnfinishedLine();
    if (unfinishedLine !== undefined) write(`    | ${unfinishedLine}`);
  } finally {
    await logs.close();
  }
}
