/**
 * Appends a run's log lines to its append blob exactly once, however many writers (retries,
 * a worker killed mid-write, two workers at once) send them. Blob Storage is the arbiter:
 * every block is appended only at the length this writer last saw (the append-position
 * condition). When another writer got there first the append fails with 412, this writer
 * reads what was added, and skips the lines already there — line i is the same line
 * whichever writer sends it, since every writer reads the same container log.
 */
import type { AppendBlobClient } from '@azure/storage-blob';
import { readFrom } from './blobLogReader';
import { statusCodeOf } from './blobContainer';

/** Azure's limit on one appended block (4 MiB for every service version). */
export const MAX_APPEND_BLOCK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;

export interface LogBlobWriter {
  /** Complete lines in the blob as this writer last saw it. */
  linesRecorded(): number;
  /**
   * `lines[0]` has index `firstIndex`. Appends the lines not in the blob yet and returns
   * them; throws when lines before `firstIndex` are missing.
   */
  append(lines: readonly string[], firstIndex: number): Promise<string[]>;
}

/** Creates the blob if missing and counts its lines once; appends then track the count locally. */
export async function openLogBlob(blob: AppendBlobClient, options: { maxBlockBytes?: number } = {}): Promise<LogBlobWriter> {
  const maxBlockBytes = options.maxBlockBytes ?? MAX_APPEND_BLOCK_BYTES;
  // IfNotExists: never truncate what another writer already appended.
  await blob.createIfNotExists({ blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } });
  const seen = { length: 0, lines: 0, tail: Buffer.alloc(0) };
  const see = (bytes: Buffer) => {
    seen.length += bytes.length;
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    for (const byte of bytes) if (byte === NEWLINE) seen.lines += 1;
    seen.tail = lastNewline === -1 ? Buffer.concat([seen.tail, bytes]) : Buffer.from(bytes.subarray(lastNewline + 1));
  };
  const refresh = async () => see(await readFrom(blob, seen.length));
  await refresh();

  return {
    linesRecorded: () => seen.lines,
    async append(lines, firstIndex) {
      const appended: string[] = [];
      for (;;) {
        if (firstIndex > seen.lines) {
          throw new Error(
            `Log blob ${blob.name} holds ${seen.lines} lines but the next line has index ${firstIndex}; ` +
              'the watch activity must re-read the log from the start (was the blob deleted?).',
          );
        }
        const fresh = lines.slice(seen.lines - firstIndex);
        if (fresh.length === 0) return appended;
        const blocks = toBlocks(fresh, seen.tail, maxBlockBytes);
        try {
          for (const block of blocks) {
            await blob.appendBlock(block.bytes, block.bytes.length, { conditions: { appendPosition: seen.length } });
            see(block.bytes);
            appended.push(...block.lines);
          }
          return appended;
        } catch (err) {
          // Someone else appended (or our own append's response was lost): look, then skip what is there.
          if (statusCodeOf(err) !== 412) throw err;
          await refresh();
        }
      }
    },
  };
}

interface Block {
  bytes: Buffer;
  /** The lines this block completes. */
  lines: string[];
}

/**
 * Whole lines per block, so a crash between blocks leaves whole lines; only a line longer
 * than a block spans several, and a later writer finishes it (the blob's torn tail is that
 * line's start, which the next write of it must continue).
 */
function toBlocks(lines: readonly string[], tail: Buffer, maxBlockBytes: number): Block[] {
  const blocks: Block[] = [];
  let current: Buffer[] = [];
  let currentBytes = 0;
  let currentLines: string[] = [];
  const flush = () => {
    if (currentBytes === 0) return;
    blocks.push({ bytes: Buffer.concat(current), lines: currentLines });
    current = [];
    currentBytes = 0;
    currentLines = [];
  };
  lines.forEach((line, position) => {
    let bytes = Buffer.from(`${line}\n`, 'utf8');
    if (position === 0 && tail.length > 0) {
      if (!bytes.subarray(0, tail.length).equals(tail)) {
        throw new Error('The log blob ends with part of a line that differs from the line being written; the container log changed under the cursor.');
      }
      bytes = bytes.subarray(tail.length);
    }
    if (currentBytes + bytes.length > maxBlockBytes) flush();
    for (let start = 0; start < bytes.length; start += maxBlockBytes) {
      const piece = bytes.subarray(start, start + maxBlockBytes);
      if (piece.length === maxBlockBytes) {
        blocks.push({ bytes: Buffer.from(piece), lines: start + piece.length === bytes.length ? [line] : [] });
      } else {
        current.push(piece);
        currentBytes += piece.length;
        if (start + piece.length === bytes.length) currentLines.push(line);
      }
    }
  });
  flush();
  return blocks;
}
