import { access, open, type FileHandle } from 'node:fs/promises';
import { type Client, type WorkflowExecutionDescription, WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { searchAttributes, workflowIdForFlowRun } from '../workflows/definitions';
import { blobLogSettingsFromEnv, type BlobLogSettings, describeLogAccount, logBlobName } from '../logs/blobLogs';
import { LineSplitter, type LogLineSource } from '../logs/lineSplitter';
import { logFilePath } from '../logs/logFiles';
import { asMissingBlobSdk, openBlobLogReader } from './blobLogSdk';
import { asNotFound, InvalidFlowRunOptionsError } from './errors';
import { sleep } from '../common/clock';

export interface FollowLogsOptions {
  client: Client;
  /**
   * The storage account the workers write logs to. Default: ACI_FLOW_LOG_BLOB_URL or
   * ACI_FLOW_LOG_BLOB_CONNECTION_STRING (+ ACI_FLOW_LOG_BLOB_CONTAINER); null or none
   * configured = the local log files.
   */
  blob?: BlobLogSettings | null;
  /** Directory of the worker's per-run log files, when logs are not in blobs (default ACI_FLOW_LOG_DIR, then .aci-flow/logs). */
  logDir?: string;
  /** Keep reading until the workflow closes, then read what is left and stop. */
  follow?: boolean;
  /** Stops following early (e.g. Ctrl-C). */
  signal?: AbortSignal;
  /** How often to look for new lines while following. */
  pollIntervalMs?: number;
}

/**
 * The container's log lines of one flow run: from its append blob (any machine that reaches
 * the storage account), or from the file the worker on this machine wrote. Only the run id is
 * needed: the pool that names the blob's folder comes from the workflow.
 * Throws FlowRunNotFoundError when no workflow exists for the id.
 */
export async function* followLogs(flowRunId: string, options: FollowLogsOptions): AsyncIterable<string> {
  const handle = options.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  const describe = async () => {
    try {
      return await handle.describe();
    } catch (err) {
      throw asNotFound(err, options.client, flowRunId);
    }
  };
  const description = await describe();
  const reader = await openLogSource(flowRunId, description, options);
  // One long poll on the run's close (handle.result()) instead of describing it at every read.
  const stopWaiting = new AbortController();
  let closed = !options.follow || description.status.name !== 'RUNNING';
  const closing = closed
    ? undefined
    : untilClosed(options.client, handle, describe, stopWaiting.signal).finally(() => {
        closed = true;
      });
  try {
    while (!options.signal?.aborted) {
      // Read before checking: lines written just before the workflow closed still come out.
      const wasRunning = !closed;
      yield* await reader.readLines();
      if (!wasRunning) break;
      // The next read comes after the interval, or at once when the run closes.
      await Promise.race([sleep(options.pollIntervalMs ?? 250, options.signal).catch(() => undefined), closing]);
    }
    if (!options.signal?.aborted) {
      const rest = reader.takeUnfinishedLine();
      if (rest !== undefined) yield rest;
    }
  } finally {
    stopWaiting.abort();
    await closing?.catch(() => undefined);
    await reader.close();
  }
}

/**
 * Resolves when the run closes: `result()` long-polls the server for the close event (one
 * request per long-poll period, not per read). A closed run's failure is a close too; any other
 * error (a dropped connection) is checked with one describe and the wait goes on.
 */
async function untilClosed(client: Client, handle: WorkflowHandle, describe: () => Promise<WorkflowExecutionDescription>, signal: AbortSignal): Promise<void> {
  while (!signal.aborted) {
    try {
      await client.withAbortSignal(signal, () => handle.result());
      return;
    } catch (err) {
      if (err instanceof WorkflowFailedError || signal.aborted) return;
      if ((await describe()).status.name !== 'RUNNING') return;
      await sleep(1_000, signal).catch(() => undefined);
    }
  }
}

/** Where followLogs reads a run's lines (the blob or the file), for messages; never a key. */
export async function logLocation(flowRunId: string, options: Pick<FollowLogsOptions, 'client' | 'blob' | 'logDir'>): Promise<string> {
  const blob = options.blob === undefined ? blobLogSettingsFromEnv() : options.blob;
  if (!blob) return logFilePath(flowRunId, options.logDir);
  const handle = options.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  const description = await handle.describe().catch((err: unknown) => {
    throw asNotFound(err, options.client, flowRunId);
  });
  return `blob ${blob.container}/${logBlobName(workPoolOf(description), flowRunId)} in ${describeLogAccount(blob)}`;
}

export interface StoredLogOptions {
  /** As for followLogs: default the ACI_FLOW_LOG_BLOB_* settings; null or none = the local log files. */
  blob?: BlobLogSettings | null;
  /** As for followLogs. */
  logDir?: string;
  /** The run's work pool, which names its blob's folder; default: the one folder of the container that holds the run's log. */
  workPool?: string;
}

/** A run's log as stored so far, or where readStoredLog looked when storage holds none. */
export type StoredLog = { found: true; location: string; lines: string[] } | { found: false; searched: string };

/**
 * A run's log lines as stored so far, read from storage alone — no Temporal: the worker's log
 * file, or the run's blob in the pool folder given or found. `found: false` when storage holds
 * no log of the run (not started, stream_output off, unknown id, or its workers write to another
 * account or container); then only Temporal can say which. Throws InvalidFlowRunOptionsError
 * when the run id has logs in more than one pool's folder and no pool was given.
 */
export async function readStoredLog(flowRunId: string, options: StoredLogOptions = {}): Promise<StoredLog> {
  const blob = options.blob === undefined ? blobLogSettingsFromEnv() : options.blob;
  if (!blob) {
    const path = logFilePath(flowRunId, options.logDir);
    const exists = await access(path).then(
      () => true,
      () => false,
    );
    return exists ? { found: true, location: path, lines: await readAll(new LogLineReader(path)) } : { found: false, searched: path };
  }
  const [{ logContainerClient }, { BlobLogLineReader }, { logSegments }, { runLogFolders }] = await Promise.all([
    import('../logs/blobContainer'),
    import('../logs/blobLogReader'),
    import('../logs/logSegments'),
    import('../logs/runLogFolders'),
  ]).catch((err: unknown) => {
    throw asMissingBlobSdk(err);
  });
  const container = logContainerClient(blob);
  let workPool = options.workPool;
  if (workPool === undefined) {
    const folders = await runLogFolders(container, flowRunId);
    if (folders.holding.length > 1) {
      throw new InvalidFlowRunOptionsError(
        'workPool',
        `flow run "${flowRunId}" has logs in the folders of pools ${folders.holding.join(' and ')} of container ${blob.container}; name the run's pool (aci-flow logs --pool)`,
      );
    }
    workPool = folders.holding[0];
    if (workPool === undefined) {
      const pools = folders.searched.length ? `pool folders ${folders.searched.join(', ')}` : 'no pool folders';
      return { found: false, searched: `container ${blob.container} in ${describeLogAccount(blob)} (${pools})` };
    }
  }
  const name = logBlobName(workPool, flowRunId);
  const location = `blob ${blob.container}/${name} in ${describeLogAccount(blob)}`;
  if (!(await container.getBlobClient(name).exists())) return { found: false, searched: location };
  return { found: true, location, lines: await readAll(new BlobLogLineReader(logSegments(container, name))) };
}

async function readAll(reader: LogLineSource): Promise<string[]> {
  try {
    const lines = await reader.readLines();
    const rest = reader.takeUnfinishedLine();
    return rest === undefined ? lines : [...lines, rest];
  } finally {
    await reader.close();
  }
}

/** The pool's task queue is named after the pool, for runs started before the search attribute was set. */
function workPoolOf(description: WorkflowExecutionDescription): string {
  return description.typedSearchAttributes.get(searchAttributes.workPool) ?? description.taskQueue;
}

async function openLogSource(flowRunId: string, description: WorkflowExecutionDescription, options: FollowLogsOptions): Promise<LogLineSource> {
  const blob = options.blob === undefined ? blobLogSettingsFromEnv() : options.blob;
  if (!blob) return new LogLineReader(logFilePath(flowRunId, options.logDir));
  // Loaded only when logs are in blobs, so the file path needs no Azure SDK installed.
  return openBlobLogReader(blob, logBlobName(workPoolOf(description), flowRunId));
}

/** Reads whole lines appended to a file that may not exist yet. */
export class LogLineReader implements LogLineSource {
  private file: FileHandle | undefined;
  private position = 0;
  private readonly lines = new LineSplitter();

  constructor(private readonly path: string) {}

  async readLines(): Promise<string[]> {
    if (!this.file) {
      try {
        this.file = await open(this.path, 'r');
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
        throw err;
      }
    }
    const chunks: Buffer[] = [];
    const buffer = Buffer.alloc(64 * 1024);
    for (;;) {
      const { bytesRead } = await this.file.read(buffer, 0, buffer.length, this.position);
      if (bytesRead === 0) break;
      this.position += bytesRead;
      chunks.push(Buffer.from(buffer.subarray(0, bytesRead)));
    }
    return this.lines.push(Buffer.concat(chunks));
  }

  takeUnfinishedLine(): string | undefined {
    return this.lines.takeUnfinishedLine();
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
