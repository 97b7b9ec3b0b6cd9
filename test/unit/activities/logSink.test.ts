import { appendFileSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFlowRunLogSink } from '../../../src/activities/logSink';
import { logFilePath } from '../../../src/logs/logFiles';
import { Registry } from 'prom-client';
import { createPromMetrics } from '../../../src/common/metrics';
import { seriesValue } from '../../helpers/metrics';

describe('flow-run log sink', () => {
  let logDir: string;
  let output: string[];

  beforeEach(() => {
    logDir = mkdtempSync(join(tmpdir(), 'aci-flow-sink-'));
    output = [];
  });

  const sink = () => createFlowRunLogSink({ logDir, output: (line) => output.push(line) });
  const fileLines = (runId: string) => readFileSync(logFilePath(runId, logDir), 'utf8');

  it('writes each line to <logDir>/<flowRunId>.log and to the worker output tagged with the run id', async () => {
    const writer = await sink().open('run-1');
    await writer.write(['one', 'two'], 0);
    expect(fileLines('run-1')).toBe('one\ntwo\n');
    expect(output).toEqual(['[flow-run run-1] one', '[flow-run run-1] two']);
    expect(writer.linesRecorded()).toBe(2);
  });

  it('skips lines a resumed attempt re-sends because its heartbeat cursor lagged behind the file', async () => {
    await (await sink().open('run-1')).write(['one', 'two', 'three'], 0);
    output = [];
    const resumed = await sink().open('run-1');
    await resumed.write(['two', 'three', 'four'], 1);
    expect(fileLines('run-1')).toBe('one\ntwo\nthree\nfour\n');
    expect(output).toEqual(['[flow-run run-1] four']);
  });

  it('counts the lines it writes, not the ones a resumed attempt re-sends', async () => {
    const registry = new Registry();
    const counted = createFlowRunLogSink({ logDir, output: (line) => output.push(line), metrics: createPromMetrics(registry) });
    await (await counted.open('run-1')).write(['one', 'two', 'three'], 0);
    await (await counted.open('run-1')).write(['two', 'three', 'four'], 1);
    expect(await seriesValue(registry, 'aci_flow_log_lines_total')).toBe(4);
  });

  it('an attempt timed out while still running and its retry, both in this process, write each line once', async () => {
    const logs = sink();
    const stale = await logs.open('run-1');
    const retry = await logs.open('run-1');
    await retry.write(['one', 'two', 'three'], 0);
    await stale.write(['two', 'three'], 1);
    await stale.write(['three', 'four'], 2);
    await retry.write(['four', 'five'], 3);
    expect(fileLines('run-1')).toBe('one\ntwo\nthree\nfour\nfive\n');
    expect(stale.linesRecorded()).toBe(5);
  });

  it('drops a torn last line left by a crash mid-write, so the line is written once, whole', async () => {
    writeFileSync(logFilePath('run-1', logDir), 'one\n');
    appendFileSync(logFilePath('run-1', logDir), 'tw');
    const writer = await sink().open('run-1');
    expect(writer.linesRecorded()).toBe(1);
    await writer.write(['two'], 1);
    expect(fileLines('run-1')).toBe('one\ntwo\n');
  });

  it('refuses to leave a hole when the next line is past the end of the file', async () => {
    const writer = await sink().open('run-1');
    await expect(writer.write(['five'], 4)).rejects.toThrow(/holds 0 lines but the next line has index 4/);
  });

  it('without a log directory prints each line once per process, even when an attempt re-sends lines', async () => {
    const printing = createFlowRunLogSink({ output: (line) => output.push(line) });
    await (await printing.open('run-2')).write(['a', 'b'], 0);
    const again = await printing.open('run-2');
    expect(again.linesRecorded()).toBeUndefined();
    await again.write(['b', 'c'], 1);
    expect(output).toEqual(['[flow-run run-2] a', '[flow-run run-2] b', '[flow-run run-2] c']);
  });

  it('rejects flow run ids that could escape the log directory', () => {
    expect(() => logFilePath('../etc/passwd', logDir)).toThrow(/cannot name a log file/);
  });
});
