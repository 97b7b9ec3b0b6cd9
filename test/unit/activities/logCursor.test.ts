import { compareTimestamps, EMPTY_LOG_CURSOR, linesAfterCursor, parseTimestampedLog } from '../../../src/activities/logCursor';

describe('parseTimestampedLog', () => {
  it('splits ACI timestamped log text into timestamp and line, dropping the trailing newline', () => {
    expect(parseTimestampedLog('2024-05-01T10:00:00.1234567Z hello world\n2024-05-01T10:00:01Z \n')).toEqual([
      { timestamp: '2024-05-01T10:00:00.1234567Z', text: 'hello world' },
      { timestamp: '2024-05-01T10:00:01Z', text: '' },
    ]);
  });

  it('gives a line without timestamp the timestamp of the line before it', () => {
    expect(parseTimestampedLog('2024-05-01T10:00:00Z a\ncontinued\n')).toEqual([
      { timestamp: '2024-05-01T10:00:00Z', text: 'a' },
      { timestamp: '2024-05-01T10:00:00Z', text: 'continued' },
    ]);
  });
});

describe('compareTimestamps', () => {
  it('orders by sub-millisecond fractions that Date.parse would lose', () => {
    expect(compareTimestamps('2024-05-01T10:00:00.0000001Z', '2024-05-01T10:00:00.0000002Z')).toBeLessThan(0);
    expect(compareTimestamps('2024-05-01T10:00:01Z', '2024-05-01T10:00:00.999999999Z')).toBeGreaterThan(0);
    expect(compareTimestamps('2024-05-01T10:00:00.5Z', '2024-05-01T10:00:00.500Z')).toBe(0);
  });
});

describe('linesAfterCursor', () => {
  const line = (second: number, text: string) => ({ timestamp: `2024-05-01T10:00:0${second}Z`, text });

  it('returns every line from an empty cursor and moves the cursor past them', () => {
    const update = linesAfterCursor([line(1, 'a'), line(2, 'b')], EMPTY_LOG_CURSOR);
    expect(update).toMatchObject({ lines: ['a', 'b'], firstIndex: 0, possibleGap: false });
    expect(update.cursor).toEqual({ linesEmitted: 2, lastTimestamp: '2024-05-01T10:00:02Z', linesAtLastTimestamp: 1 });
  });

  it('skips lines already seen, counting repeated timestamps so equal-stamped new lines are kept', () => {
    const first = linesAfterCursor([line(1, 'a'), line(2, 'b')], EMPTY_LOG_CURSOR);
    const second = linesAfterCursor([line(1, 'a'), line(2, 'b'), line(2, 'c'), line(3, 'd')], first.cursor);
    expect(second).toMatchObject({ lines: ['c', 'd'], firstIndex: 2 });
    expect(second.cursor).toEqual({ linesEmitted: 4, lastTimestamp: '2024-05-01T10:00:03Z', linesAtLastTimestamp: 1 });
    const third = linesAfterCursor([line(2, 'b'), line(2, 'c'), line(3, 'd'), line(3, 'e')], second.cursor);
    expect(third.lines).toEqual(['e']);
    expect(third.cursor.linesAtLastTimestamp).toBe(2);
  });

  it('reports a possible gap when a full tail window starts with a line newer than the cursor', () => {
    const cursor = linesAfterCursor([line(1, 'a')], EMPTY_LOG_CURSOR).cursor;
    expect(linesAfterCursor([line(3, 'c'), line(4, 'd')], cursor, 2).possibleGap).toBe(true);
    expect(linesAfterCursor([line(1, 'a'), line(2, 'b')], cursor, 2).possibleGap).toBe(false);
    expect(linesAfterCursor([line(3, 'c')], cursor, 2).possibleGap).toBe(false);
  });
});
