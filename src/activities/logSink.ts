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
import { appendFileSync, mkdirSync, readFileSync, statSync, truncateSync } from 'node:fs';
import { dirname } from 'node:path';
import type { ContainerClient } from '@azure/storage-blob';
import { logBlobName } from '../logs/blobLogs';
import { openLogBlob } from '../logs/blobLogWriter';
import { logSegments } from '../logs/logSegments';
import { logFilePath } from '../logs/logFiles';
import { type AciFlowMetrics, noopMetrics } from '../common/metrics';

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
  /** Counts the lines written (those skipped as already recorded do not count). */
  metrics?: AciFlowMetrics;
}

export function createFlowRunLogSink(options: FlowRunLogSinkOptions = {}): FlowRunLogSink {
  const output = options.output ?? ((line: string) => process.stdout.write(`${line}\n`));
  // Without a file, the highest index printed per run dedupes retries within this process.
  const printedUpTo = new Map<string, number>();
  const metrics = options.metrics ?? noopMetrics;
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
      const writer = await openLogBlob(logSegments(blob.container, name));
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
            const fresh = await record.append(lines, firstIndex);
            for (const line of fresh) output(tag(line));
            metrics.logLinesWritten(fresh.length);
            return;
          }
          const fresh = lines.slice(Math.max(0, (printedUpTo.get(flowRunId) ?? 0) - firstIndex));
          printedUpTo.set(flowRunId, Math.max(printedUpTo.get(flowRunId) ?? 0, firstIndex + lines.length));
          for (const line of fresh) output(tag(line));
          metrics.logLinesWritten(fresh.length);
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

/**
 * Counts the file's complete lines, dropping a torn last line left by a crash mid-write.
 * The count is re-read whenever the file's size is not what this writer left: an attempt
 * that Temporal timed out (e.g. while the server was down) can still be running in this
 * process next to its retry, and both must see the lines the other one appended.
 */
function openLogFile(path: string): LogRecord {
  mkdirSync(dirname(path), { recursive: true });
  const content = readContent(path);
  const completeLength = content.lastIndexOf('\n') + 1;
  if (completeLength < content.length) truncateSync(path, Buffer.byteLength(content.slice(0, completeLength)));
  let count = countLines(content.slice(0, completeLength));
  let size = Buffer.byteLength(content.slice(0, completeLength));
  const refresh = () => {
    const current = fileSize(path);
    if (current === size) return;
    const latest = readContent(path);
    count = countLines(latest.slice(0, latest.lastIndexOf('\n') + 1));
    size = current;
  };
  return {
    linesRecorded: () => {
      refresh();
      return count;
    },
    async append(lines, firstIndex) {
      refresh();
      if (firstIndex > count) {
        throw new Error(
          `Log file ${path} holds ${count} lines but the next line has index ${firstIndex}; ` +
            'the watch activity must re-read the log from the start (was the file removed?).',
        );
      }
      const fresh = lines.slice(count - firstIndex);
      if (fresh.length === 0) return [];
      const data = fresh.map((line) => `${line}\n`).join('');
      appendFileSync(path, data);
      count += fresh.length;
      size += Buffer.byteLength(data);
      return fresh;
    },
  };
}

function countLines(complete: string): number {
  return complete === '' ? 0 : complete.split('\n').length - 1;
}

function readContent(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return '';
  }
}

function fileSize(path: string): number {
  try {
    return statSync(path).size;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    return 0;
  }
}
