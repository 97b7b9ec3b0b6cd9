/**
 * The worker under test, as its own process (`node bin/aci-flow.js worker`), so its memory
 * and CPU are its own and can be read from /proc/<pid>.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, createWriteStream, openSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import type { PollStrategy } from '../src/polling/pollScheduler';
import { taskQueueForPool } from '../src/workflows/definitions';
import { readProcessUsage, type ProcessUsage } from './procStats';

const REPO_ROOT = resolve(__dirname, '..');
/** temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY */
const ACTIVITY_TASK_QUEUE = 2;
/**
 * Not SIGUSR2 (the Temporal runtime shuts the worker down on it) nor SIGUSR1 (Node's
 * inspector): SIGWINCH is ignored by default, so nothing else reacts to it.
 */
const HEAP_SNAPSHOT_SIGNAL = 'SIGWINCH';

export interface WorkerProcessOptions {
  workPool: string;
  /** The pool file the worker renders every run from (ACI_FLOW_POOL_CONFIG). */
  poolConfigFile: string;
  strategy: PollStrategy;
  temporalAddress: string;
  armEndpoint: string;
  armCaFile: string;
  logDir: string;
  workflowBundlePath: string;
  /** Where the worker's stdout and stderr go. */
  outputFile: string;
  /** Extra environment, e.g. ARM limits. */
  env?: NodeJS.ProcessEnv;
  /**
   * Sees every stdout line the moment the benchmark reads it (then it goes to `outputFile`):
   * stdout becomes a pipe instead of the file, so a line's arrival time is when it was written.
   */
  onStdoutLine?: (line: string, at: number) => void;
  /** Node writes a heap snapshot into this directory on HEAP_SNAPSHOT_SIGNAL (`--heapsnapshot-signal`); see BenchWorker.heapSnapshot. */
  heapSnapshotDir?: string;
  /** `--max-concurrent-runs` of the worker; unset: the worker's default (DEFAULT_MAX_CONCURRENT_ACTIVITIES). */
  maxConcurrentRuns?: number;
}

export interface BenchWorker {
  pid: number;
  usage(): ProcessUsage;
  /** Asks for a heap snapshot of the main thread (needs `heapSnapshotDir`) and resolves with its path once written. */
  heapSnapshot(): Promise<string>;
  /** SIGTERM (graceful shutdown), SIGKILL after `graceMs`; resolves with the exit code. */
  stop(graceMs?: number): Promise<number | null>;
}

export async function startWorkerProcess(client: Client, options: WorkerProcessOptions): Promise<BenchWorker> {
  // Append mode for every writer, so the worker's stderr and the copied stdout interleave instead of overwriting each other.
  writeFileSync(options.outputFile, '');
  const output = openSync(options.outputFile, 'a');
  const onStdoutLine = options.onStdoutLine;
  const maxConcurrentRuns = options.maxConcurrentRuns === undefined ? [] : ['--max-concurrent-runs', String(options.maxConcurrentRuns)];
  const child: ChildProcess = spawn(process.execPath, ['bin/aci-flow.js', 'worker', '--pool', options.workPool, ...maxConcurrentRuns], {
    cwd: REPO_ROOT,
    stdio: ['ignore', onStdoutLine ? 'pipe' : output, output],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: options.temporalAddress,
      ACI_FLOW_ARM_ENDPOINT: options.armEndpoint,
      ACI_FLOW_ARM_CA_FILE: options.armCaFile,
      ACI_FLOW_POLL_STRATEGY: options.strategy,
      ACI_FLOW_LOG_DIR: options.logDir,
      ACI_FLOW_WORKFLOW_BUNDLE: options.workflowBundlePath,
      ACI_FLOW_POOL_CONFIG: options.poolConfigFile,
      ...(options.heapSnapshotDir === undefined
        ? {}
        : {
            NODE_OPTIONS: `${process.env.NODE_OPTIONS ?? ''} --heapsnapshot-signal=${HEAP_SNAPSHOT_SIGNAL} --diagnostic-dir=${options.heapSnapshotDir}`.trim(),
          }),
      ...options.env,
    },
  });
  if (onStdoutLine && child.stdout) {
    const copy = createWriteStream(options.outputFile, { flags: 'a' });
    createInterface({ input: child.stdout, crlfDelay: Infinity }).on('line', (line) => {
      onStdoutLine(line, Date.now());
      copy.write(`${line}\n`);
    });
    child.stdout.once('close', () => copy.end());
  }
  closeSync(output);
  const exited = new Promise<number | null>((resolveExit) => child.once('exit', (code) => resolveExit(code)));
  const killOnExit = () => child.kill('SIGKILL');
  process.once('exit', killOnExit);
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start the worker process (node bin/aci-flow.js worker --pool ${options.workPool})`);

  const worker: BenchWorker = {
    pid,
    usage: () => readProcessUsage(pid),
    heapSnapshot: async () => {
      const dir = options.heapSnapshotDir;
      if (dir === undefined) throw new Error('heapSnapshot() needs the worker started with heapSnapshotDir');
      const before = new Set(readdirSync(dir));
      child.kill(HEAP_SNAPSHOT_SIGNAL);
      // Node names it Heap.<date>.<pid>...heapsnapshot and writes it in place: done when its size stops changing.
      let lastSize = -1;
      for (let waited = 0; waited < 300_000; waited += 2_000) {
        await sleep(2_000);
        const name = readdirSync(dir).find((file) => !before.has(file) && file.includes(`.${pid}.`) && file.endsWith('.heapsnapshot'));
        if (name === undefined) continue;
        const size = statSync(join(dir, name)).size;
        if (size > 0 && size === lastSize) return join(dir, name);
        lastSize = size;
      }
      throw new Error(`worker ${pid} wrote no heap snapshot into ${dir} within 5 min of ${HEAP_SNAPSHOT_SIGNAL}`);
    },
    stop: async (graceMs = 30_000) => {
      process.off('exit', killOnExit);
      if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
      child.kill('SIGTERM');
      const stopped = await Promise.race([exited.then(() => true), sleep(graceMs).then(() => false)]);
      if (!stopped) child.kill('SIGKILL');
      return exited;
    },
  };
  try {
    await waitUntilPolling(client, options.workPool, pid, exited, options.outputFile);
  } catch (err) {
    await worker.stop(1_000);
    throw err;
  }
  return worker;
}

/** The worker is ready once Temporal lists it (by its pid@host identity) as a poller of the pool's queue. */
async function waitUntilPolling(client: Client, workPool: string, pid: number, exited: Promise<number | null>, outputFile: string): Promise<void> {
  let exitCode: number | null | undefined;
  void exited.then((code) => {
    exitCode = code;
  });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (exitCode !== undefined) throw new Error(`the worker exited with code ${exitCode} before polling; see ${outputFile}`);
    const description = await client.workflowService.describeTaskQueue({
      namespace: client.options.namespace,
      taskQueue: { name: taskQueueForPool(workPool) },
      taskQueueType: ACTIVITY_TASK_QUEUE,
    });
    if (description.pollers?.some((poller) => poller.identity?.startsWith(`${pid}@`))) return;
    await sleep(250);
  }
  throw new Error(`the worker (pid ${pid}) did not poll task queue ${taskQueueForPool(workPool)} within 120 s; see ${outputFile}`);
}
