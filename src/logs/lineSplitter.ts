/** Turns bytes read in pieces into whole lines; a character or line split between reads stays whole. */
export class LineSplitter {
  private pending = '';
  private readonly decoder = new TextDecoder('utf-8');

  push(bytes: Uint8Array): string[] {
    const text = this.pending + this.decoder.decode(bytes, { stream: true });
    const lines = text.split('\n');
    this.pending = lines.pop() ?? '';
    return lines.map((line) => line.replace(/\r$/, ''));
  }

  /** What is left after the last newline, once no more bytes will come. */
  takeUnfinishedLine(): string | undefined {
    const rest = this.pending + this.decoder.decode();
    this.pending = '';
    return rest === '' ? undefined : rest;
  }
}

/** What a reader of a growing log offers, whether a local file or a blob. */
export interface LogLineSource {
  /** Whole lines appended since the last call (none while the log does not exist yet). */
  readLines(): Promise<string[]>;
  takeUnfinishedLine(): string | undefined;
  close(): Promise<void>;
}
