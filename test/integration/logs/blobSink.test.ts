/**
 * The blob log sink against a real Azurite: every line exactly once, in order, whatever
 * retries, crashes mid-write and concurrent writers do — Blob Storage's append-position
 * condition decides, not a counter in the worker.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { createFlowRunLogSink } from '../../../src/activities/logSink';
import { type RunningAzurite, startAzurite } from '../../../src/localServices';
import { BlobLogLineReader, readFrom } from '../../../src/logs/blobLogReader';
import { logContainerClient } from '../../../src/logs/blobContainer';
import { logBlobName } from '../../../src/logs/blobLogs';
import { openLogBlob } from '../../../src/logs/blobLogWriter';
import { logSegments } from '../../../src/logs/logSegments';
import { waitFor } from '../../helpers/waitFor';

const POOL = 'blob-pool';

function numbered(prefix: string, from: number, to: number): string[] {
  return Array.from({ length: to - from }, (_, offset) => `${prefix}-${from + offset}`);
}

describe('blob log sink (Azurite)', () => {
  let azurite: RunningAzurite;
  let container: ContainerClient;
  let runs = 0;
  const nextRunId = () => `run-${++runs}`;
  const blobText = async (flowRunId: string) => (await readFrom(container.getBlobClient(logBlobName(POOL, flowRunId)), 0)).toString('utf8');
  const sink = (output: string[] = []) => createFlowRunLogSink({ blob: { container, workPool: POOL }, output: (line) => output.push(line) });

  beforeAll(async () => {
    azurite = await startAzurite();
    container = logContainerClient({ connectionString: azurite.connectionString, container: 'aci-flow-logs' });
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it('creates the container and writes each line to <container>/<pool>/<flowRunId>.log and to the worker output', async () => {
    const flowRunId = nextRunId();
    const output: string[] = [];
    const writer = await sink(output).open(flowRunId);
    expect(writer.linesRecorded()).toBe(0);
    await writer.write(['hello', 'wörld ✓'], 0);
    expect(await blobText(flowRunId)).toBe('hello\nwörld ✓\n');
    expect(output).toEqual([`[flow-run ${flowRunId}] hello`, `[flow-run ${flowRunId}] wörld ✓`]);
    expect(writer.linesRecorded()).toBe(2);
  });

  it('a retried attempt that re-sends lines (its cursor lagged behind the blob) adds only the new ones', async () => {
    const flowRunId = nextRunId();
    const first = await sink().open(flowRunId);
    await first.write(numbered('line', 0, 5), 0);
    await first.write(numbered('line', 5, 7), 5);

    const output: string[] = [];
    const retry = await sink(output).open(flowRunId);
    expect(retry.linesRecorded()).toBe(7);
    await retry.write(numbered('line', 3, 10), 3);
    await retry.write(numbered('line', 3, 10), 3);
    expect(await blobText(flowRunId)).toBe(
      numbered('line', 0, 10)
        .map((line) => `${line}\n`)
        .join(''),
    );
    expect(output).toEqual(numbered('line', 7, 10).map((line) => `[flow-run ${flowRunId}] ${line}`));
  });

  it('two writers racing on the same run: each line once, in order, and each printed by exactly one of them', async () => {
    const flowRunId = nextRunId();
    const outputs: string[][] = [[], []];
    const writers = await Promise.all(outputs.map((output) => sink(output).open(flowRunId)));
    // Both send every line in batches of different sizes, at the same time.
    const send = async (writerIndex: number, batch: number) => {
      for (let from = 0; from < 200; from += batch) {
        await writers[writerIndex]!.write(numbered('race', from, Math.min(200, from + batch)), from);
      }
    };
    await Promise.all([send(0, 7), send(1, 13)]);
    expect(await blobText(flowRunId)).toBe(
      numbered('race', 0, 200)
        .map((line) => `${line}\n`)
        .join(''),
    );
    const printed = [...outputs[0]!, ...outputs[1]!].map((line) => line.replace(`[flow-run ${flowRunId}] `, ''));
    expect(printed.sort()).toEqual(numbered('race', 0, 200).sort());
  });

  it('refuses to leave a hole when the next line is past the end of the blob', async () => {
    const flowRunId = nextRunId();
    const writer = await sink().open(flowRunId);
    await writer.write(['a'], 0);
    await expect(writer.write(['c'], 2)).rejects.toThrow(/holds 1 lines but the next line has index 2; the watch activity must re-read/);
    expect(await blobText(flowRunId)).toBe('a\n');
  });

  it('a line longer than one block, torn by a crash between its blocks, is finished once by the next writer', async () => {
    const segments = logSegments(container, logBlobName(POOL, nextRunId()));
    const blob = segments(0);
    const longLine = 'x'.repeat(20) + '-end';
    const crashed = await openLogBlob(segments, { maxBlockBytes: 8 });
    await crashed.append(['short'], 0);
    // What a writer killed after the first block of the long line leaves behind.
    await blob.appendBlock(longLine.slice(0, 8), 8, { conditions: { appendPosition: 6 } });

    const next = await openLogBlob(segments, { maxBlockBytes: 8 });
    expect(next.linesRecorded()).toBe(1);
    expect(await next.append(['short', longLine, 'after'], 0)).toEqual([longLine, 'after']);
    expect((await readFrom(blob, 0)).toString()).toBe(`short\n${longLine}\nafter\n`);
    await expect(next.append(['different line'], 3)).resolves.toEqual(['different line']);
  });

  it('a reader following the blob sees every line once while a writer appends, including before the blob exists', async () => {
    const flowRunId = nextRunId();
    const reader = new BlobLogLineReader(logSegments(container, logBlobName(POOL, flowRunId)));
    expect(await reader.readLines()).toEqual([]);
    const writer = await sink().open(flowRunId);
    const seen: string[] = [];
    const expected = numbered('follow', 0, 50);
    const writing = (async () => {
      for (let from = 0; from < 50; from += 5) await writer.write(expected.slice(from, from + 5), from);
    })();
    await waitFor(
      async () => {
        seen.push(...(await reader.readLines()));
        return seen.length >= 50;
      },
      'the reader to see 50 lines',
      { intervalMs: 20, lastSeen: () => `${seen.length} lines` },
    );
    await writing;
    expect(seen).toEqual(expected);
    expect(reader.takeUnfinishedLine()).toBeUndefined();
  });

  describe('a log longer than one append blob holds (Azure: 50,000 blocks) continues in <name>.1, <name>.2, …', () => {
    /** Three blocks a segment here, so a few writes cross several segments. */
    const maxBlocksPerSegment = 3;
    const segmentTexts = async (name: string) => {
      const texts: string[] = [];
      const segments = logSegments(container, name);
      while (await segments(texts.length).exists()) texts.push((await readFrom(segments(texts.length), 0)).toString());
      return texts;
    };

    it('each segment holds at most the block limit, the chain read in order is every line once, and a new writer counts them all', async () => {
      const name = logBlobName(POOL, nextRunId());
      const writer = await openLogBlob(logSegments(container, name), { maxBlocksPerSegment });
      const expected = numbered('long', 0, 20);
      for (let from = 0; from < 20; from += 2) expect(await writer.append(expected.slice(from, from + 2), from)).toEqual(expected.slice(from, from + 2));

      const texts = await segmentTexts(name);
      expect(texts).toHaveLength(4);
      for (let index = 0; index < texts.length; index += 1) {
        const properties = await logSegments(container, name)(index).getProperties();
        expect(properties.blobCommittedBlockCount).toBeLessThanOrEqual(maxBlocksPerSegment);
      }
      expect(texts.join('')).toBe(expected.map((line) => `${line}\n`).join(''));
      const reopened = await openLogBlob(logSegments(container, name), { maxBlocksPerSegment });
      expect(reopened.linesRecorded()).toBe(20);
      expect(await reopened.append(numbered('long', 18, 21), 18)).toEqual(['long-20']);
    });

    it('two writers racing across segment boundaries: each line once, in order, each printed by exactly one of them', async () => {
      const name = logBlobName(POOL, nextRunId());
      const writers = await Promise.all([0, 1].map(() => openLogBlob(logSegments(container, name), { maxBlocksPerSegment })));
      const printed: string[] = [];
      const send = async (writer: (typeof writers)[number], batch: number) => {
        for (let from = 0; from < 120; from += batch) printed.push(...(await writer.append(numbered('race', from, Math.min(120, from + batch)), from)));
      };
      await Promise.all([send(writers[0]!, 7), send(writers[1]!, 13)]);
      expect((await segmentTexts(name)).join('')).toBe(
        numbered('race', 0, 120)
          .map((line) => `${line}\n`)
          .join(''),
      );
      expect(printed.sort()).toEqual(numbered('race', 0, 120).sort());
    });

    it('a writer whose view is a few segments old catches up through the chain before it appends', async () => {
      const name = logBlobName(POOL, nextRunId());
      const stale = await openLogBlob(logSegments(container, name), { maxBlocksPerSegment });
      await stale.append(['s-0'], 0);
      const current = await openLogBlob(logSegments(container, name), { maxBlocksPerSegment });
      for (let line = 1; line < 10; line += 1) await current.append([`s-${line}`], line);
      expect(await stale.append(numbered('s', 1, 12), 1)).toEqual(['s-10', 's-11']);
      expect((await segmentTexts(name)).join('')).toBe(
        numbered('s', 0, 12)
          .map((line) => `${line}\n`)
          .join(''),
      );
    });

    it('a writer that finds its segment sealed by another writer (as when Azure answers BlockCountExceedsLimit) continues in the next one', async () => {
      const segments = logSegments(container, logBlobName(POOL, nextRunId()));
      // Its own count says the segment has room for many more blocks.
      const writer = await openLogBlob(segments, { maxBlocksPerSegment: 1000 });
      await writer.append(['a-0', 'a-1'], 0);
      await segments(0).seal();
      expect(await writer.append(['a-2'], 2)).toEqual(['a-2']);
      expect((await readFrom(segments(0), 0)).toString()).toBe('a-0\na-1\n');
      expect((await readFrom(segments(1), 0)).toString()).toBe('a-2\n');
    });

    it('a writer that sealed a segment and died before creating the next: the next writer creates it and goes on', async () => {
      const segments = logSegments(container, logBlobName(POOL, nextRunId()));
      const crashed = await openLogBlob(segments, { maxBlocksPerSegment });
      await crashed.append(['d-0'], 0);
      await segments(0).seal();
      const next = await openLogBlob(segments, { maxBlocksPerSegment });
      expect(next.linesRecorded()).toBe(1);
      expect(await next.append(['d-0', 'd-1'], 0)).toEqual(['d-1']);
      expect(await new BlobLogLineReader(segments).readLines()).toEqual(['d-0', 'd-1']);
    });

    it('a line longer than a block that spans two segments is one line to the reader', async () => {
      const segments = logSegments(container, logBlobName(POOL, nextRunId()));
      const longLine = 'y'.repeat(30);
      const writer = await openLogBlob(segments, { maxBlockBytes: 8, maxBlocksPerSegment: 2 });
      await writer.append(['first', longLine, 'last'], 0);
      expect(await segments(1).exists()).toBe(true);
      const reader = new BlobLogLineReader(segments);
      expect(await reader.readLines()).toEqual(['first', longLine, 'last']);
    });

    it('a reader following the log while the writer moves to new segments sees every line once', async () => {
      const segments = logSegments(container, logBlobName(POOL, nextRunId()));
      const reader = new BlobLogLineReader(segments);
      const writer = await openLogBlob(segments, { maxBlocksPerSegment });
      const expected = numbered('follow', 0, 60);
      const seen: string[] = [];
      const writing = (async () => {
        for (let from = 0; from < 60; from += 3) await writer.append(expected.slice(from, from + 3), from);
      })();
      await waitFor(
        async () => {
          seen.push(...(await reader.readLines()));
          return seen.length >= 60;
        },
        'the reader to see 60 lines',
        { intervalMs: 5, lastSeen: () => `${seen.length} lines` },
      );
      await writing;
      expect(seen).toEqual(expected);
      expect(await segments(6).exists()).toBe(true);
    });
  });
});
