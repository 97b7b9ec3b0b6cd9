/**
 * Appends a run's log lines to its append blobs exactly once, however many writers (retries,
 * a worker killed mid-write, two workers at once) send them. Blob Storage is the arbiter:
 * every block is appended only at the length this writer last saw (the append-position
 * condition). When another writer got there first the append fails with 412, this writer
 * reads what was added, and skips the lines already there — line i is the same line
 * whichever writer sends it, since every writer reads the same container log. A full blob
 * (Azure's block limit) continues in the next segment of the chain (logSegments.ts).
 */
import { readToOpenSegment } from './blobLogReader';
import { errorCodeOf, statusCodeOf } from './blobContainer';
import { type LogSegments, MAX_BLOCKS_PER_APPEND_BLOB } from './logSegments';

/** Azure's limit on one appended block (4 MiB for every service version). */
export const MAX_APPEND_BLOCK_BYTES = 4 * 1024 * 1024;
const NEWLINE = 0x0a;
const BLOB_HEADERS = { blobHTTPHeaders: { blobContentType: 'text/plain; charset=utf-8' } };

export interface LogBlobWriter {
  /** Complete lines in the log as this writer last saw it. */
  linesRecorded(): number;
  /**
   * `lines[0]` has index `firstIndex`. Appends the lines not in the log yet and returns
   * them; throws when lines before `firstIndex` are missing.
   */
  append(lines: readonly string[], firstIndex: number): Promise<string[]>;
}

export interface LogBlobWriterOptions {
  maxBlockBytes?: number;
  /** When a segment counts as full (default Azure's limit); every writer of one log must agree on it. */
  maxBlocksPerSegment?: number;
}

/** Creates the first segment if missing and counts the log's lines once; appends then track the count locally. */
export async function openLogBlob(segments: LogSegments, options: LogBlobWriterOptions = {}): Promise<LogBlobWriter> {
  const maxBlockBytes = options.maxBlockBytes ?? MAX_APPEND_BLOCK_BYTES;
  const maxBlocksPerSegment = options.maxBlocksPerSegment ?? MAX_BLOCKS_PER_APPEND_BLOB;
  // IfNotExists: never truncate what another writer already appended.
  await segments(0).createIfNotExists(BLOB_HEADERS);
  const seen = { lines: 0, tail: Buffer.alloc(0) };
  const segment = { index: 0, length: 0, blocks: 0 };
  /** Counts the complete lines in bytes that follow what was seen, and keeps the unfinished one. */
  const see = (bytes: Buffer) => {
    const lastNewline = bytes.lastIndexOf(NEWLINE);
    for (const byte of bytes) if (byte === NEWLINE) seen.lines += 1;
    seen.tail = lastNewline === -1 ? Buffer.concat([seen.tail, bytes]) : Buffer.from(bytes.subarray(lastNewline + 1));
  };
  /** Reads what others appended, following the chain past every sealed segment to the open one. */
  const refresh = async () => {
    const blocks = await readToOpenSegment(segments, segment, see, async (index) => {
      segment.blocks = 0;
      // The writer that sealed it may have died before creating the next one.
      await segments(index).createIfNotExists(BLOB_HEADERS);
    });
    segment.blocks = blocks ?? segment.blocks;
  };
  // Sealing before moving on: a writer whose view of the full segment is behind then gets
  // BlobIsSealed, never an append that lands after lines of the next segment.
  const startNextSegment = async () => {
    await segments(segment.index).seal();
    await refresh();
  };
  await refresh();

  return {
    linesRecorded: () => seen.lines,
    async append(lines, firstIndex) {
      const appended: string[] = [];
      for (;;) {
        if (segment.blocks >= maxBlocksPerSegment) await startNextSegment();
        if (firstIndex > seen.lines) {
          throw new Error(
            `Log blob ${segments(segment.index).name} holds ${seen.lines} lines but the next line has index ${firstIndex}; ` +
              'the watch activity must re-read the log from the start (was the blob deleted?).',
          );
        }
        const fresh = lines.slice(seen.lines - firstIndex);
        if (fresh.length === 0) return appended;
        try {
          for (const block of toBlocks(fresh, seen.tail, maxBlockBytes)) {
            if (segment.blocks >= maxBlocksPerSegment) break;
            const response = await segments(segment.index).appendBlock(block.bytes, block.bytes.length, {
              conditions: { appendPosition: segment.length },
            });
            segment.length += block.bytes.length;
            see(block.bytes);
            segment.blocks = response.blobCommittedBlockCount ?? segment.blocks + 1;
            appended.push(...block.lines);
          }
        } catch (err) {
          const code = errorCodeOf(err);
          // Full or sealed by another writer (this writer's view was behind): on to the next segment.
          if (code === 'BlockCountExceedsLimit' || code === 'BlobIsSealed') await startNextSegment();
          // Someone else appended (or our own append's response was lost): look, then skip what is there.
          else if (statusCodeOf(err) === 412) await refresh();
          else throw err;
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
