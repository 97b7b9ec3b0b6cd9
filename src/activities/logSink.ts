/**
 * Where a flow run's container log lines go: the worker's own output, tagged with the run
 * id, and optionally a durable record read by `aci-flow logs` — an append blob per run
 * (`<container>/<pool>/<flowRunId>.log`, readable from anywhere) or a local file per run
 * (`<logDir>/<flowRunId>.log`).
 *
 * Exactly once: every line has an index in the run's log (the watch activity's cursor).
 * The record decides — a line is appended only when the record holds exactly the lines
 * before it — so a retried or resumed watch, whose heartbeat cursor may lag behind what a
 * killed worker already wrote, re-sends lines that are skipped here.
 */
import { appendFileSync, mkdirSync, readFileSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { logBlobName } from '../logs/blobLogs';
import { openLogBlob } from '../logs/blobLogWriter';
import { logFilePath } from '../logs/logFiles';

export interface FlowRunLogWriter {
  /**
   * Lines of this run durably recorded so far, or undefined when nothing is recorded durably
   * (output only). A watch whose cursor is ahead of this re-reads the log from the start.
   */
  linesRecorded(): number | undefined;
  /** `lines[0]` has index `firstIndex` in the run's log; lines already recorded are skipped. */
  write(lines: readonly string[], firstIndex: number): Promise<void>;
}

export interface FlowRunLogSink {
  /** Called at the start of every watch attempt, so the sink can look at what is already recorded. */
  open(flowRunId: string): Promise<FlowRunLogWriter>;
}

export interface FlowRunLogSinkOptions {
  /** Directory of per-run log files; undefined = no files. */
  logDir?: string;
  /** Append blobs instead of files: the container (created if missing) and the worker's pool, which names the folder. */
  blob?: { container: ContainerClient; workPool: string };
  /** The worker's log output (default: stdout); receives lines already tagged with the run id. */
  output?: (taggedLine: string) => void;
}

export function createFlowRunLogSink(options: FlowRunLogSinkOptions = {}): FlowRunLogSink {
  const output = options.output ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Without a file, the highest index printed per run dedupes retries within this process.
  const printedUpTo = new Map<string, number>();
  const { blob } = options;
  let containerReady: Promise<unknown> | undefined;
  const openRecord = async (flowRunId: string): Promise<LogRecord | undefined> => {
    if (blob) {
      // Once per worker; a failure is not cached, so the next watch attempt tries again.
      containerReady ??= blob.container.createIfNotExists().catch((err: unknown) => {
        containerReady = undefined;
        throw err;
      });
      await containerReady;
      const name = logBlobName(blob.workPool, flowRunId);
      const writer = await openLogBlob(blob.container.getAppendBlobClient(name));
      return { linesRecorded: writer.linesRecorded, append: writer.append };
    }
    return options.logDir === undefined ? undefined : openLogFile(logFilePath(flowRunId, options.logDir));
  };
  return {
    async open(flowRunId) {
      const tag = (line: string) => `[flow-run ${flowRunId}] ${line}`;
      const record = await openRecord(flowRunId);
      return {
        linesRecorded: () => record?.linesRecorded(),
        async write(lines, firstIndex) {
          if (record) {
            for (const line of await record.append(lines, firstIndex)) output(tag(line));
            return;
          }
          const fresh = lines.slice(Math.max(0, (printedUpTo.get(flowRunId) ?? 0) - firstIndex));
          printedUpTo.set(flowRunId, Math.max(printedUpTo.get(flowRunId) ?? 0, firstIndex + lines.length));
          for (const line of fresh) output(tag(line));
        },
      };
    },
  };
}

/** A durable record of a run's lines: appends the ones it lacks and returns them. */
interface LogRecord {
  linesRecorded(): number;
  append(lines: readonly string[], firstIndex: number): Promise<string[]>;
}

/** Counts the file's complete lines once, dropping a torn last line left by a crash mid-write. */
function openLogFile(path: string): LogRecord {
  mkdirSync(dirname(path), { recursive: true });
  let content = '';
  try {
    content = readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  const completeLength = content.lastIndexOf('\n') + 1;
  if (completeLength < content.length) truncateSync(path, Buffer.byteLength(content.slice(0, completeLength)));
  let count = completeLength === 0 ? 0 : content.slice(0, completeLength).split('\n').length - 1;
  return {
    linesRecorded: () => count,
    async append(lines, firstIndex) {
      if (firstIndex > count) {
        throw new Error(
          `Log file ${path} holds ${count} lines but the next line has index ${firstIndex}; ` +
            'the watch activity must re-read the log from the start (was the file removed?).',
        );
      }
      const fresh = lines.slice(count - firstIndex);
      if (fresh.length === 0) return [];
      appendFileSync(path, fresh.map((line) => `${line}\n`).join(''));
      count += fresh.length;
      return fresh;
    },
  };
}
