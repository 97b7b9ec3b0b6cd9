/**
 * Reading ACI container logs incrementally. The logs API has no "since": every poll reads
 * the last N lines with timestamps and keeps only the lines after the cursor. The cursor
 * is small and JSON, because it travels in activity heartbeat details to the next attempt.
 */

export interface LogCursor {
  /** Lines handed to the log sink so far: the index the next new line gets. */
  linesEmitted: number;
  /** Timestamp of the newest line seen, as ACI wrote it. */
  lastTimestamp?: string;
  /** How many lines carried exactly `lastTimestamp` (ACI timestamps can repeat). */
  linesAtLastTimestamp: number;
}

export const EMPTY_LOG_CURSOR: LogCursor = { linesEmitted: 0, linesAtLastTimestamp: 0 };

export interface TimestampedLine {
  timestamp?: string;
  text: string;
}

const TIMESTAMPED = /^(\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2}))(?: (.*))?$/;

/** Splits raw `timestamps=true` log text into lines; a line without a timestamp inherits the previous one's. */
export function parseTimestampedLog(raw: string): TimestampedLine[] {
  const pieces = raw.split(/\r?\n/);
  if (pieces.at(-1) === '') pieces.pop();
  let previous: string | undefined;
  return pieces.map((piece) => {
    const match = TIMESTAMPED.exec(piece);
    if (!match) return { timestamp: previous, text: piece };
    previous = match[1];
    return { timestamp: match[1], text: match[2] ?? '' };
  });
}

const FRACTION = /\.(\d+)/;

/** Orders RFC 3339 timestamps with sub-millisecond precision (ACI writes up to nanoseconds). */
export function compareTimestamps(a: string, b: string): number {
  const wholeSeconds = (value: string) => Date.parse(value.replace(FRACTION, ''));
  const nanos = (value: string) => Number((FRACTION.exec(value)?.[1] ?? '').padEnd(9, '0').slice(0, 9));
  return wholeSeconds(a) - wholeSeconds(b) || nanos(a) - nanos(b);
}

export interface NewLines {
  lines: string[];
  /** Index (in the run's whole log) of `lines[0]`. */
  firstIndex: number;
  cursor: LogCursor;
  /**
   * True when the fetched window may have skipped lines after the cursor: it was full
   * (as long as the tail asked for) and its oldest line is already new. Fetch without a tail then.
   */
  possibleGap: boolean;
}

/** The lines of `fetched` that come after `cursor`, and the cursor after them. */
export function linesAfterCursor(fetched: TimestampedLine[], cursor: LogCursor, tail?: number): NewLines {
  const lines: string[] = [];
  let { lastTimestamp, linesAtLastTimestamp } = cursor;
  let seenAtCursorTimestamp = 0;
  let oldestIsNew: boolean | undefined;
  for (const line of fetched) {
    const order = orderAgainstCursor(line.timestamp, cursor.lastTimestamp);
    let isNew = order > 0;
    if (order === 0) {
      seenAtCursorTimestamp += 1;
      isNew = seenAtCursorTimestamp > cursor.linesAtLastTimestamp;
    }
    oldestIsNew ??= isNew;
    if (!isNew) continue;
    lines.push(line.text);
    if (line.timestamp !== undefined && line.timestamp === lastTimestamp) {
      linesAtLastTimestamp += 1;
    } else if (line.timestamp !== undefined) {
      lastTimestamp = line.timestamp;
      linesAtLastTimestamp = 1;
    }
  }
  const windowWasFull = tail !== undefined && fetched.length >= tail;
  return {
    lines,
    firstIndex: cursor.linesEmitted,
    cursor: { linesEmitted: cursor.linesEmitted + lines.length, lastTimestamp, linesAtLastTimestamp },
    possibleGap: windowWasFull && oldestIsNew === true,
  };
}

/** ACI timestamps every line; an untimestamped line can only precede the first one, so it is old once the cursor has moved. */
function orderAgainstCursor(timestamp: string | undefined, cursorTimestamp: string | undefined): number {
  if (cursorTimestamp === undefined) return 1;
  if (timestamp === undefined) return -1;
  return compareTimestamps(timestamp, cursorTimestamp);
}
