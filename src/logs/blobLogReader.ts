import type { BlobClient, BlobGetPropertiesResponse } from '@azure/storage-blob';
import { LineSplitter, type LogLineSource } from './lineSplitter';
import { statusCodeOf } from './blobContainer';
import type { LogSegments } from './logSegments';

/** Reads whole lines appended to a run's log blobs, which may not exist yet, from any machine that reaches the account. */
export class BlobLogLineReader implements LogLineSource {
  private readonly position: SegmentPosition = { index: 0, length: 0 };
  private readonly lines = new LineSplitter();

  constructor(private readonly segments: LogSegments) {}

  async readLines(): Promise<string[]> {
    const lines: string[] = [];
    await readToOpenSegment(this.segments, this.position, (bytes) => lines.push(...this.lines.push(bytes)));
    return lines;
  }

  takeUnfinishedLine(): string | undefined {
    return this.lines.takeUnfinishedLine();
  }

  async close(): Promise<void> {}
}

/** Where a reader of a segment chain is: segment `index`, its first `length` bytes read. */
export interface SegmentPosition {
  index: number;
  length: number;
}

/**
 * Reads a log's segments from `position` to the end of the open (unsealed) one, handing every
 * read to `see` and moving `position` on; returns the open segment's committed block count
 * (undefined when it does not exist yet). `enterNext` runs as a sealed segment is left.
 */
export async function readToOpenSegment(
  segments: LogSegments,
  position: SegmentPosition,
  see: (bytes: Buffer) => void,
  enterNext?: (index: number) => Promise<void>,
): Promise<number | undefined> {
  for (;;) {
    const blob = segments(position.index);
    const readMore = async () => {
      const bytes = await readFrom(blob, position.length);
      position.length += bytes.length;
      see(bytes);
    };
    await readMore();
    const properties = await propertiesOf(blob);
    if (!properties?.isSealed) return properties?.blobCommittedBlockCount;
    // Sealed takes no more appends: what landed after the read above is its last.
    await readMore();
    position.index += 1;
    position.length = 0;
    await enterNext?.(position.index);
  }
}

/** The blob's bytes from `offset` on; none when it does not exist yet or has nothing past the offset. */
export async function readFrom(blob: BlobClient, offset: number): Promise<Buffer> {
  try {
    const response = await blob.download(offset);
    const chunks: Buffer[] = [];
    for await (const chunk of response.readableStreamBody ?? []) chunks.push(Buffer.from(chunk as Buffer));
    return Buffer.concat(chunks);
  } catch (err) {
    // 404: not written yet (or no container yet); 416: nothing past the offset.
    if (statusCodeOf(err) === 404 || statusCodeOf(err) === 416) return Buffer.alloc(0);
    throw err;
  }
}

/** The blob's properties; undefined when it does not exist yet. */
async function propertiesOf(blob: BlobClient): Promise<BlobGetPropertiesResponse | undefined> {
  try {
    return await blob.getProperties();
  } catch (err) {
    if (statusCodeOf(err) === 404) return undefined;
    throw err;
  }
}
