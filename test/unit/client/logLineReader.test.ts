import { appendFileSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LogLineReader } from '../../../src/client/flowRunLogs';
import { logFilePath } from '../../../src/logs/logFiles';

describe('LogLineReader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aci-flow-reader-'));
  let file = 0;
  const path = () => join(dir, `run-${++file}.log`);

  it('returns no lines while the file does not exist yet, then the lines once it does', async () => {
    const logPath = path();
    const reader = new LogLineReader(logPath);
    expect(await reader.readLines()).toEqual([]);
    writeFileSync(logPath, 'first\nsecond\n');
    expect(await reader.readLines()).toEqual(['first', 'second']);
    await reader.close();
  });

  it('returns only what was appended since the last read', async () => {
    const logPath = path();
    writeFileSync(logPath, 'one\n');
    const reader = new LogLineReader(logPath);
    expect(await reader.readLines()).toEqual(['one']);
    appendFileSync(logPath, 'two\nthree\n');
    expect(await reader.readLines()).toEqual(['two', 'three']);
    expect(await reader.readLines()).toEqual([]);
    await reader.close();
  });

  it('holds back a line until its newline arrives, and hands it over at the end when it never does', async () => {
    const logPath = path();
    writeFileSync(logPath, 'complete\npart');
    const reader = new LogLineReader(logPath);
    expect(await reader.readLines()).toEqual(['complete']);
    appendFileSync(logPath, 'ial\nlast without newline');
    expect(await reader.readLines()).toEqual(['partial']);
    expect(reader.takeUnfinishedLine()).toBe('last without newline');
    expect(reader.takeUnfinishedLine()).toBeUndefined();
    await reader.close();
  });

  it('keeps a multi-byte character whole when a write splits it', async () => {
    const logPath = path();
    const bytes = Buffer.from('température 30°C\n', 'utf8');
    const split = bytes.indexOf(Buffer.from('é')) + 1;
    writeFileSync(logPath, bytes.subarray(0, split));
    const reader = new LogLineReader(logPath);
    expect(await reader.readLines()).toEqual([]);
    appendFileSync(logPath, bytes.subarray(split));
    expect(await reader.readLines()).toEqual(['température 30°C']);
    await reader.close();
  });

  it('drops the carriage return of Windows line endings', async () => {
    const logPath = path();
    writeFileSync(logPath, 'a\r\nb\r\n');
    const reader = new LogLineReader(logPath);
    expect(await reader.readLines()).toEqual(['a', 'b']);
    await reader.close();
  });
});

describe('logFilePath', () => {
  const saved = process.env.ACI_FLOW_LOG_DIR;
  afterEach(() => {
    if (saved === undefined) delete process.env.ACI_FLOW_LOG_DIR;
    else process.env.ACI_FLOW_LOG_DIR = saved;
  });

  it('uses the given directory, else ACI_FLOW_LOG_DIR, else .aci-flow/logs', () => {
    expect(logFilePath('r1', '/var/log/aci-flow')).toBe('/var/log/aci-flow/r1.log');
    process.env.ACI_FLOW_LOG_DIR = '/tmp/worker-logs';
    expect(logFilePath('r1')).toBe('/tmp/worker-logs/r1.log');
    delete process.env.ACI_FLOW_LOG_DIR;
    expect(logFilePath('r1')).toBe('.aci-flow/logs/r1.log');
  });
});
