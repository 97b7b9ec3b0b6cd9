import { open, type FileHandle } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Client } from '@temporalio/client';
import { workflowIdForFlowRun } from '../workflows/definitions';
import { logFilePath } from '../logs/logFiles';
import { asNotFound } from './errors';

export interface FollowLogsOptions {
  client: Client;
  /** Directory of the worker's per-run log files (default ACI_FLOW_LOG_DIR, then .aci-flow/logs). */
  logDir?: string;
  /** Keep reading until the workflow closes, then read what is left and stop. */
  follow?: boolean;
  /** Stops following early (e.g. Ctrl-C). */
  signal?: AbortSignal;
  /** How often to look for new lines while following. */
  pollIntervalMs?: number;
}

/**
 * The container's log lines of one flow run, as the worker on this machine recorded them.
 * Throws FlowRunNotFoundError when no workflow exists for the id.
 */
export async function* followLogs(flowRunId: string, options: FollowLogsOptions): AsyncIterable<string> {
  const handle = options.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  const isRunning = async () => {
    try {
      return (await handle.describe()).status.name === 'RUNNING';
    } catch (err) {
      throw asNotFound(err, options.client, flowRunId);
    }
  };
  let running = await isRunning();
  const reader = new LogLineReader(logFilePath(flowRunId, options.logDir));
  try {
    while (!options.signal?.aborted) {
      // Read before checking: lines written just before the workflow closed still come out.
      const wasRunning = options.follow && running;
      yield* await reader.readLines();
      if (!wasRunning) break;
      await sleep(options.pollIntervalMs ?? 250, undefined, { signal: options.signal }).catch(() => undefined);
      running = await isRunning();
    }
    if (!options.signal?.aborted) {
      const rest = reader.takeUnfinishedLine();
      if (rest !== undefined) yield rest;
    }
  } finally {
    await reader.close();
  }
}

/** Reads whole lines appended to a file that may not exist yet. */
export class LogLineReader {
  private file: FileHandle | undefined;
  private position = 0;
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

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
    // Decode once per read so a multi-byte character split across chunks stays whole.
    const text = this.pending + this.decoder.decode(Buffer.concat(chunks), { stream: true });
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  takeUnfinishedLine(): string | undefined {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    return rest === '' ? undefined : rest;
  }

  async close(): Promise<void> {
    await this.file?.close();
  }
}
