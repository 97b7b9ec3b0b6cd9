/**
 * The whole system for e2e tests: a real Temporal dev server, the ACI emulator and flow-run
 * workers — in-process (fast) or as `aci-flow worker` child processes (for SIGKILL tests).
 * Logs go to per-run files, or with `logs: 'blob'` to append blobs in an Azurite child process.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client } from '@temporalio/client';
import type { DataConverter } from '@temporalio/common';
import { DefaultLogger, Runtime, type Worker } from '@temporalio/worker';
import { createFlowRunLogSink, type FlowRunLogSink } from '../../src/activities/logSink';
import { createGateway } from '../../src/azure/credentials';
import { type RunningAzurite, startAzurite } from '../../src/localServices';
import { logContainerClient } from '../../src/logs/blobContainer';
import { type BlobLogSettings, DEFAULT_LOG_BLOB_CONTAINER, LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV } from '../../src/logs/blobLogs';
import type { AciGateway } from '../../src/azure/gateway';
import { defaultBaseJobTemplate, type PoolConfig } from '../../src/config';
import { fixedPoolSource } from '../../src/config/poolSource';
import type { SecretResolver } from '../../src/config/secrets';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from './checkedEmulator';
import { LOG_DIR_ENV } from '../../src/logs/logFiles';
import { createFlowRunWorker, type SweeperSettings, WORKFLOW_BUNDLE_ENV, type WorkflowBundle } from '../../src/workerHost';
import { POLL_HEARTBEAT_TIMEOUT_ENV, POOL_ENV } from '../../src/workerHost/settings';
import { VERSIONING_ENV } from '../../src/workerHost/versioning';
import { startDevServer, type TestDevServer } from './temporal';

export const TEST_SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';
export const TEST_RESOURCE_GROUP = 'aci-flow-test';
/**
 * Tests kill workers and wait for their runs to resume, which takes one heartbeat timeout:
 * theirs is short (production's default is 4 minutes, to spend few heartbeat Actions). Heartbeats
 * go out every 80 % of it (6.4 s), recorded every second, so a loaded machine still has 1.6 s to spare.
 */
export const TEST_HEARTBEAT_TIMEOUT = '8s';
export const TEST_HEARTBEAT_TIMEOUT_MS = 8_000;
const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * The pool e2e runs use: aci-flow's default base job template, with `job_configuration`
 * additions for the pool's policy (e.g. run_secret_names) and variable defaults (e.g.
 * aci_credentials) when a test needs them.
 */
export function testPool(name: string, jobConfiguration: Record<string, unknown> = {}, variableDefaults: Record<string, unknown> = {}): PoolConfig {
  const template = defaultBaseJobTemplate();
  Object.assign(template.job_configuration, jobConfiguration);
  for (const [variable, value] of Object.entries(variableDefaults)) (template.variables.properties[variable] as Record<string, unknown>).default = value;
  return { name, base_job_template: template, source: 'test' };
}

export interface StackOptions {
  /** Task queue of the workers (default 'e2e-pool'). */
  workPool?: string;
  emulator?: EmulatorOptions;
  /** Where workers record log lines: per-run files in `logDir` (default) or append blobs in Azurite. */
  logs?: 'files' | 'blob';
  /**
   * The client's and the in-process worker's data converter, e.g. the payload codec's
   * (encryptingDataConverter); the worker then bundles the workflow code itself.
   */
  dataConverter?: DataConverter;
  /** The pool workers render runs from and tests start runs with (default testPool(workPool)). */
  pool?: PoolConfig;
}

export interface InProcessWorkerOptions {
  workPool?: string;
  /** Default: the stack's pool. */
  pool?: PoolConfig;
  logSink?: FlowRunLogSink;
  resolveSecret?: SecretResolver;
  /** Schedule the pool's orphan sweeper (default: none, as a worker without sweep scopes). */
  sweeper?: SweeperSettings;
  /** Default: the worker's own (DEFAULT_MAX_CACHED_WORKFLOWS). */
  maxCachedWorkflows?: number;
  /** Default: TEST_HEARTBEAT_TIMEOUT_MS. */
  pollHeartbeatTimeoutMs?: number;
}

export interface WorkerProcess {
  child: ChildProcess;
  /** Everything the worker printed so far (stdout and stderr). */
  output(): string;
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<number | null>;
}

export interface Stack {
  env: TestDevServer;
  client: Client;
  emulator: RunningEmulator;
  /** A gateway to the emulator, for tests that look at Azure state themselves. */
  gateway: AciGateway;
  workPool: string;
  /** The pool every worker of the stack renders from (in-process, and child processes through ACI_FLOW_POOL_CONFIG). */
  pool: PoolConfig;
  /** Per-run log files of every worker of this stack (empty when logs go to blobs). */
  logDir: string;
  /** The Azurite account the workers write logs to, with `logs: 'blob'`. */
  blobLogs?: BlobLogSettings;
  /** Starts the in-process worker (one at a time); it runs until stopWorker() or close(). */
  startWorker(options?: InProcessWorkerOptions): Promise<Worker>;
  stopWorker(): Promise<void>;
  /** `node bin/aci-flow.js worker --pool <workPool>` (or `args`, or `node dist/worker.js` with `entryPoint`) against this stack, rendering from `pool` (default: the stack's). */
  spawnWorkerProcess(options?: { workPool?: string; pool?: PoolConfig; env?: NodeJS.ProcessEnv; args?: string[]; entryPoint?: boolean }): WorkerProcess;
  close(): Promise<void>;
}

/** The bundle globalSetup made; without it (a single file run outside jest's setup) workers bundle themselves. */
export function sharedWorkflowBundle(): WorkflowBundle | undefined {
  const codePath = process.env[WORKFLOW_BUNDLE_ENV];
  return codePath ? { codePath } : undefined;
}

/** Worker state changes at INFO drown test output; keep warnings and errors. */
export function quietRuntimeLogs(): void {
  try {
    Runtime.install({ logger: new DefaultLogger('WARN') });
  } catch {
    // Already installed by an earlier stack in this test process.
  }
}

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  quietRuntimeLogs();
  const workPool = options.workPool ?? 'e2e-pool';
  const stackPool = options.pool ?? testPool(workPool);
  const logDir = mkdtempSync(join(tmpdir(), 'aci-flow-logs-'));
  // Side by side: each takes a second or two, in every test file.
  const [devServer, checkedEmulator, blobStore] = await Promise.allSettled([
    startDevServer(),
    // every deployment a flow run sends is checked against ARM's published template schemas too
    startEmulator({ ...options.emulator, checkDeploymentBodies: true }),
    options.logs === 'blob' ? startAzurite() : Promise.resolve(undefined),
  ]);
  if (devServer.status === 'rejected' || checkedEmulator.status === 'rejected' || blobStore.status === 'rejected') {
    await Promise.all([
      devServer.status === 'fulfilled' && devServer.value.teardown(),
      checkedEmulator.status === 'fulfilled' && checkedEmulator.value.close(),
      blobStore.status === 'fulfilled' && blobStore.value?.stop(),
    ]);
    throw [devServer, checkedEmulator, blobStore].flatMap((started) => (started.status === 'rejected' ? [started.reason] : []))[0];
  }
  const env = devServer.value;
  const emulator: RunningEmulator = checkedEmulator.value;
  const azurite: RunningAzurite | undefined = blobStore.value;
  const blobLogs: BlobLogSettings | undefined = azurite && { connectionString: azurite.connectionString, container: DEFAULT_LOG_BLOB_CONTAINER };
  const gateway = createGateway({ endpoint: emulator.endpoint, caCertPem: emulator.caCertPem, pollIntervalMs: 200 });
  const defaultLogSink = (pool: string): FlowRunLogSink =>
    createFlowRunLogSink({
      ...(blobLogs ? { blob: { container: logContainerClient(blobLogs), workPool: pool } } : { logDir }),
      output: () => undefined,
    });
  const blobLogsEnv: NodeJS.ProcessEnv = blobLogs
    ? { [LOG_BLOB_CONNECTION_STRING_ENV]: azurite?.connectionString, [LOG_BLOB_CONTAINER_ENV]: blobLogs.container }
    : {};

  let running: { worker: Worker; done: Promise<void> } | undefined;
  const children = new Set<WorkerProcess>();

  const stopWorker = async () => {
    if (!running) return;
    const { worker, done } = running;
    running = undefined;
    if (worker.getState() === 'RUNNING') worker.shutdown();
    await done;
  };

  return {
    env,
    client: options.dataConverter ? new Client({ connection: env.connection, namespace: env.namespace, dataConverter: options.dataConverter }) : env.client,
    emulator,
    gateway,
    workPool,
    pool: stackPool,
    logDir,
    blobLogs,
    async startWorker(workerOptions = {}) {
      if (running) throw new Error('An in-process worker is already running; call stopWorker() first.');
      const pool = workerOptions.workPool ?? workPool;
      const worker = await createFlowRunWorker({
        workPool: pool,
        pool: fixedPoolSource(workerOptions.pool ?? stackPool),
        connection: env.nativeConnection,
        gateway,
        logSink: workerOptions.logSink ?? defaultLogSink(pool),
        resolveSecret: workerOptions.resolveSecret,
        sweeper: workerOptions.sweeper,
        maxCachedWorkflows: workerOptions.maxCachedWorkflows,
        pollHeartbeatTimeoutMs: workerOptions.pollHeartbeatTimeoutMs ?? TEST_HEARTBEAT_TIMEOUT_MS,
        ...(options.dataConverter ? { dataConverter: options.dataConverter } : { workflowBundle: sharedWorkflowBundle() }),
        shutdownGraceTime: '1 second',
      });
      running = { worker, done: worker.run() };
      return worker;
    },
    stopWorker,
    spawnWorkerProcess(spawnOptions = {}) {
      const handle = spawnWorkerProcess({
        temporalAddress: env.address,
        emulator,
        logDir,
        workPool: spawnOptions.workPool ?? workPool,
        pool: spawnOptions.pool ?? stackPool,
        env: { ...blobLogsEnv, ...spawnOptions.env },
        args: spawnOptions.args,
        entryPoint: spawnOptions.entryPoint,
      });
      children.add(handle);
      void handle.exited.then(() => children.delete(handle));
      return handle;
    },
    async close() {
      await stopWorker();
      await Promise.all([...children].map((child) => child.kill('SIGKILL')));
      await Promise.all([emulator.close(), azurite?.stop(), env.teardown()]);
    },
  };
}

export interface SpawnWorkerOptions {
  temporalAddress: string;
  emulator: RunningEmulator;
  logDir: string;
  workPool: string;
  /** Written to a file the worker gets as ACI_FLOW_POOL_CONFIG (default testPool(workPool)). */
  pool?: PoolConfig;
  env?: NodeJS.ProcessEnv;
  /** Another command that runs an aci-flow worker, e.g. `prefect-worker --pool <pool>` (default `worker --pool <workPool>`). */
  args?: string[];
  /** Run the worker's entry point as the image does, `node dist/worker.js` with the pool in ACI_FLOW_POOL, instead of the CLI. */
  entryPoint?: boolean;
}

/** `node bin/aci-flow.js worker --pool <workPool>` (or `args`, or `node dist/worker.js` with `entryPoint`) against a Temporal server and the emulator; the caller kills it. */
export function spawnWorkerProcess(options: SpawnWorkerOptions): WorkerProcess {
  const poolConfigFile = join(mkdtempSync(join(tmpdir(), 'aci-flow-pool-')), 'pool.json');
  writeFileSync(poolConfigFile, JSON.stringify((options.pool ?? testPool(options.workPool)).base_job_template));
  const argv = options.entryPoint
    ? [join(REPO_ROOT, 'dist', 'worker.js')]
    : [join(REPO_ROOT, 'bin', 'aci-flow.js'), ...(options.args ?? ['worker', '--pool', options.workPool])];
  const child = spawn(process.execPath, argv, {
    cwd: REPO_ROOT,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_NAMESPACE: 'default',
      ACI_FLOW_ARM_ENDPOINT: options.emulator.endpoint,
      ACI_FLOW_ARM_CA_FILE: options.emulator.caCertPath,
      [LOG_DIR_ENV]: options.logDir,
      ACI_FLOW_POOL_CONFIG: poolConfigFile,
      ...(options.entryPoint ? { [POOL_ENV]: options.workPool } : {}),
      [POLL_HEARTBEAT_TIMEOUT_ENV]: TEST_HEARTBEAT_TIMEOUT,
      // Unversioned like the in-process workers, so a test may mix both; workerVersioning.test.ts turns it on.
      [VERSIONING_ENV]: 'off',
      ...options.env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  return {
    child,
    output: () => output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}
