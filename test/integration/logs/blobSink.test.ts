/**
 * The blob log sink against a real Azurite: every line exactly once, in order, whatever
 * retries, crashes mid-write and concurrent writers do — Blob Storage's append-position
 * condition decides, not a counter in the worker.
 */
import type { ContainerClient } from '@azure/storage-blob';
import { createFlowRunLogSink } from '../../../src/activities/logSink';
import { type RunningAzurite, startAzurite } from '../../../src/cli/demo/azurite';
import { BlobLogLineReader, readFrom } from '../../../src/logs/blobLogReader';
import { logContainerClient } from '../../../src/logs/blobContainer';
import { logBlobName } from '../../../src/logs/blobLogs';
import { openLogBlob } from '../../../src/logs/blobLogWriter';
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
  const blobText = async (flowRunId: string) =>
    (await readFrom(container.getBlobClient(logBlobName(POOL, flowRunId)), 0)).toString('utf8');
  const sink = (output: string[] = []) =>
    createFlowRunLogSink({ blob: { container, workPool: POOL }, output: (line) => output.push(line) });

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
    expect(await blobText(flowRunId)).toBe(numbered('line', 0, 10).map((line) => `${line}\n`).join(''));
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
    expect(await blobText(flowRunId)).toBe(numbered('race', 0, 200).map((line) => `${line}\n`).join(''));
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
    const blob = container.getAppendBlobClient(logBlobName(POOL, nextRunId()));
    const longLine = 'x'.repeat(20) + '-end';
    const crashed = await openLogBlob(blob, { maxBlockBytes: 8 });
    await crashed.append(['short'], 0);
    // What a writer killed after the first block of the long line leaves behind.
    await blob.appendBlock(longLine.slice(0, 8), 8, { conditions: { appendPosition: 6 } });

    const next = await openLogBlob(blob, { maxBlockBytes: 8 });
    expect(next.linesRecorded()).toBe(1);
    expect(await next.append(['short', longLine, 'after'], 0)).toEqual([longLine, 'after']);
    expect((await readFrom(blob, 0)).toString()).toBe(`short\n${longLine}\nafter\n`);
    await expect(next.append(['different line'], 3)).resolves.toEqual(['different line']);
  });

  it('a reader following the blob sees every line once while a writer appends, including before the blob exists', async () => {
    const flowRunId = nextRunId();
    const reader = new BlobLogLineReader(container.getBlobClient(logBlobName(POOL, flowRunId)));
    expect(await reader.readLines()).toEqual([]);
    const writer = await sink().open(flowRunId);
    const seen: string[] = [];
    const expected = numbered('follow', 0, 50);
    const writing = (async () => {
      for (let from = 0; from < 50; from += 5) await writer.write(expected.slice(from, from + 5), from);
    })();
    await waitFor(async () => {
      seen.push(...(await reader.readLines()));
      return seen.length >= 50;
    }, 'the reader to see 50 lines', { intervalMs: 20, lastSeen: () => `${seen.length} lines` });
    await writing;
    expect(seen).toEqual(expected);
    expect(reader.takeUnfinishedLine()).toBeUndefined();
  });
});
