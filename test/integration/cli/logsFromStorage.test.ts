/**
 * `aci-flow logs <id>` for a stored log needs only the storage settings: the compiled CLI
 * against a real Azurite (and real log files), with TEMPORAL_ADDRESS pointing where nothing
 * listens. When storage has no log of the run, the error says where it looked and that
 * Temporal, which it asked next, is out of reach.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { ContainerClient } from '@azure/storage-blob';
import { createFlowRunLogSink } from '../../../src/activities/logSink';
import { freePort, type RunningAzurite, startAzurite } from '../../../src/localServices';
import { ExitCodes } from '../../../src/cli/output';
import { logContainerClient } from '../../../src/logs/blobContainer';
import { LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV } from '../../../src/logs/blobLogs';
import { LOG_DIR_ENV } from '../../../src/logs/logFiles';

const ROOT = resolve(__dirname, '../../..');
const CONTAINER = 'cli-logs';

interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

describe('aci-flow logs from storage alone', () => {
  let azurite: RunningAzurite;
  let container: ContainerClient;
  let unreachableTemporal: string;

  async function aciFlow(args: string[], env: NodeJS.ProcessEnv): Promise<CliResult> {
    // Only what the test gives: no log or Temporal settings from the developer's shell.
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ACI_FLOW_|TEMPORAL_)/.test(key)));
    try {
      const { stdout, stderr } = await promisify(execFile)('node', [join(ROOT, 'bin/aci-flow.js'), ...args], {
        cwd: ROOT,
        env: { ...clean, TEMPORAL_ADDRESS: unreachableTemporal, ...env },
      });
      return { code: 0, stdout, stderr };
    } catch (err) {
      const failed = err as { code: number; stdout: string; stderr: string };
      return { code: failed.code, stdout: failed.stdout, stderr: failed.stderr };
    }
  }
  const blobEnv = () => ({ [LOG_BLOB_CONNECTION_STRING_ENV]: azurite.connectionString, [LOG_BLOB_CONTAINER_ENV]: CONTAINER });

  async function record(workPool: string, flowRunId: string, lines: string[]): Promise<void> {
    const writer = await createFlowRunLogSink({ blob: { container, workPool }, output: () => undefined }).open(flowRunId);
    await writer.write(lines, 0);
  }

  beforeAll(async () => {
    azurite = await startAzurite();
    container = logContainerClient({ connectionString: azurite.connectionString, container: CONTAINER });
    unreachableTemporal = `127.0.0.1:${await freePort()}`;
    await record('pool-a', 'finished-1', ['first', 'second']);
    await record('pool-b', 'other-1', ['elsewhere']);
    await record('pool-a', 'twice-1', ['in a']);
    await record('pool-b', 'twice-1', ['in b']);
  });

  afterAll(async () => {
    await azurite?.stop();
  });

  it("prints a finished run's blob with only the storage settings, finding the pool folder itself", async () => {
    expect(await aciFlow(['logs', 'finished-1'], blobEnv())).toEqual({ code: 0, stdout: 'first\nsecond\n', stderr: '' });
  });

  it('reads the folder --pool names', async () => {
    expect(await aciFlow(['logs', 'twice-1', '--pool', 'pool-b'], blobEnv())).toEqual({ code: 0, stdout: 'in b\n', stderr: '' });
  });

  it('exits 2 asking for --pool when the run id has logs in two pool folders', async () => {
    const result = await aciFlow(['logs', 'twice-1'], blobEnv());
    expect(result.code).toBe(ExitCodes.usage);
    expect(result.stderr).toContain(`flow run "twice-1" has logs in the folders of pools pool-a and pool-b of container ${CONTAINER}`);
    expect(result.stderr).toContain('--pool');
  });

  it('says where it looked and that Temporal is out of reach when storage has no log of the run', async () => {
    const result = await aciFlow(['logs', 'never-ran'], blobEnv());
    expect(result.code).toBe(ExitCodes.failure);
    expect(result.stdout).toBe('');
    expect(result.stderr).toContain(`no log of flow run never-ran at container ${CONTAINER} in http://127.0.0.1:`);
    expect(result.stderr).toContain('(pool folders pool-a, pool-b)');
    expect(result.stderr).toContain(`cannot connect to Temporal at ${unreachableTemporal}`);
    expect(result.stderr).not.toContain(azurite.connectionString.match(/AccountKey=([^;]+)/)?.[1] ?? 'no key?');
  });

  it("prints a run's local log file with only --log-dir", async () => {
    const logDir = mkdtempSync(join(tmpdir(), 'aci-flow-cli-logs-'));
    writeFileSync(join(logDir, 'local-1.log'), 'one\ntwo\n');
    expect(await aciFlow(['logs', 'local-1', '--log-dir', logDir], {})).toEqual({ code: 0, stdout: 'one\ntwo\n', stderr: '' });
    const missing = await aciFlow(['logs', 'local-2'], { [LOG_DIR_ENV]: logDir });
    expect(missing.code).toBe(ExitCodes.failure);
    expect(missing.stderr).toContain(`no log of flow run local-2 at ${join(logDir, 'local-2.log')}`);
  });
});
