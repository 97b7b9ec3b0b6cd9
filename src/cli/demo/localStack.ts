/**
 * What every demo runs on: the Temporal dev server (with its Web UI), the local ACI emulator,
 * Azurite for the logs (unless ACI_FLOW_LOG_BLOB_* names an account) and an in-process worker
 * for one work pool. Each piece registers its stop in `closers`, to be run in reverse order.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import type { ContainerClient } from '@azure/storage-blob';
import { createFlowRunLogSink } from '../../activities/logSink';
import { createGateway } from '../../azure/credentials';
import type { PoolSource } from '../../config/poolSource';
import { startEmulator } from '../../emulator';
import { codecFromEnv, encryptingDataConverter } from '../../common/codec';
import { createFlowRunWorker, WORKFLOW_BUNDLE_ENV } from '../../workerHost';
import { logContainerClient } from '../../logs/blobContainer';
import { type BlobLogSettings, blobLogSettingsFromEnv, DEFAULT_LOG_BLOB_CONTAINER } from '../../logs/blobLogs';
import { freePort, startAzurite, startDevServer, webUiUrl } from '../../localServices';

export type Closer = () => Promise<unknown>;

export interface LocalStackOptions {
  workPool: string;
  /** The pool the worker renders runs from. */
  pool: PoolSource;
  /** The emulator's resource groups: those the runs' job configuration names. */
  resourceGroups: string[];
  /** Preferred ports; taken ones are replaced by free ones. */
  port: number;
  uiPort: number;
  write: (line: string) => void;
}

export interface LocalStack {
  /** The Temporal Web UI. */
  uiUrl: string;
  client: Client;
  logContainer: ContainerClient;
  /** Where the worker records the runs' log lines (what `aci-flow logs` and the Prefect bridge read). */
  blobLogs: BlobLogSettings;
  /** The Temporal UI page of a workflow. */
  workflowUrl(workflowId: string): string;
}

/**
 * The demo owns Ctrl-C: it shuts the worker down itself, in order, instead of the SDK's default
 * handler. `ERROR` keeps the worker quiet about runs that fail or are cancelled on purpose.
 */
export function installDemoRuntime(level: 'WARN' | 'ERROR' = 'WARN'): void {
  Runtime.install({
    logger: new DefaultLogger(level),
    shutdownSignals: [],
    telemetryOptions: { logging: { filter: { core: level, other: 'ERROR' }, console: {} } },
  });
}

export async function startLocalStack(options: LocalStackOptions, closers: Closer[]): Promise<LocalStack> {
  const { write, workPool } = options;
  const port = await freePort(options.port);
  const uiPort = await freePort(options.uiPort, [port]);
  write(`Starting the Temporal dev server on 127.0.0.1:${port} ...`);
  const devServer = await startDevServer({ port, uiPort });
  closers.push(devServer.stop);
  const uiUrl = webUiUrl(uiPort);
  write(`Temporal Web UI: ${uiUrl}`);

  const emulator = await startEmulator({ resourceGroups: options.resourceGroups });
  closers.push(() => emulator.close());
  write(`ACI emulator: ${emulator.endpoint} (resource group ${options.resourceGroups.join(', ')}; containers run as local processes)`);

  let blobLogs: BlobLogSettings | undefined = blobLogSettingsFromEnv();
  if (!blobLogs) {
    const azurite = await startAzurite();
    closers.push(azurite.stop);
    blobLogs = { connectionString: azurite.connectionString, container: DEFAULT_LOG_BLOB_CONTAINER };
    write(`Azurite (Blob Storage emulator, holds the logs): ${azurite.blobEndpoint}`);
  }
  const logContainer = logContainerClient(blobLogs);
  // With a codec key (ACI_FLOW_CODEC_KEYS / ACI_FLOW_CODEC_KEYS_DIR) the demo encrypts its history like any deployment.
  const codec = codecFromEnv();
  const dataConverter = codec && encryptingDataConverter(codec);
  if (codec) write(`Encrypting payloads with codec key ${codec.currentKeyId} (aci-flow codec-server decodes them for the Web UI)`);
  const workerConnection = await NativeConnection.connect({ address: devServer.address });
  closers.push(() => workerConnection.close());
  write(`Starting a worker for work pool "${workPool}" (bundling the workflow code takes a few seconds) ...`);
  const worker = await createFlowRunWorker({
    workPool,
    pool: options.pool,
    connection: workerConnection,
    dataConverter,
    gateway: createGateway({ endpoint: emulator.endpoint, caCertPem: emulator.caCertPem }),
    // The demo prints the lines from the log blob, exactly as `aci-flow logs --follow` would.
    logSink: createFlowRunLogSink({ blob: { container: logContainer, workPool }, output: () => undefined }),
    // A prebuilt bundle (the worker image, the test suite) saves the few seconds of bundling.
    ...(process.env[WORKFLOW_BUNDLE_ENV] && !dataConverter ? { workflowBundle: { codePath: process.env[WORKFLOW_BUNDLE_ENV] } } : {}),
  });
  const workerRun = worker.run();
  closers.push(async () => {
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await workerRun;
  });

  const connection = await Connection.connect({ address: devServer.address });
  closers.push(() => connection.close());
  const client = new Client({ connection, dataConverter });
  return {
    uiUrl,
    client,
    logContainer,
    blobLogs,
    workflowUrl: (workflowId) => `${uiUrl}/namespaces/${client.options.namespace}/workflows/${workflowId}`,
  };
}

/** Runs the closers in reverse order, reporting (not throwing) what fails. */
export async function closeAll(closers: Closer[], write: (line: string) => void): Promise<void> {
  for (const close of closers.reverse()) {
    await close().catch((err) => write(`  (while shutting down: ${err instanceof Error ? err.message : String(err)})`));
  }
}
