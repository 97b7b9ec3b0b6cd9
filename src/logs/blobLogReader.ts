import type { BlobClient } from '@azure/storage-blob';
import { LineSplitter, type LogLineSource } from './lineSplitter';
import { statusCodeOf } from './blobContainer';
import type { LogSegments } from './logSegments';

/** Reads whole lines appended to a run's log blobs, which may not exist yet, from any machine that reaches the account. */
export class BlobLogLineReader implements LogLineSource {
  private segment = 0;
  private position = 0;
  private readonly lines = new LineSplitter();

  constructor(private readonly segments: LogSegments) {}

  async readLines(): Promise<string[]> {
    const lines: string[] = [];
    for (;;) {
      const blob = this.segments(this.segment);
      lines.push(...this.readMore(await readFrom(blob, this.position)));
      if (!(await isSealed(blob))) return lines;
      // Sealed takes no more appends: what landed after the read above is its last.
      lines.push(...this.readMore(await readFrom(blob, this.position)));
      this.segment += 1;
      this.position = 0;
    }
  }

  private readMore(bytes: Buffer): string[] {
    this.position += bytes.length;
    return this.lines.push(bytes);
  }

  takeUnfinishedLine(): string | undefined {
    return this.lines.takeUnfinishedLine();
  }

  async close(): Promise<void> {}
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

async function isSealed(blob: BlobClient): Promise<boolean> {
  try {
    return (await blob.getProperties()).isSealed === true;
  } catch (err) {
    if (statusCodeOf(err) === 404) return false;
    throw err;
  }
}
