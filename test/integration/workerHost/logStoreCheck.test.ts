/**
 * The worker looks at its log store before it takes a run: against an Azurite started without
 * `--skipApiVersionCheck` (which refuses the storage API version the SDK speaks, so every watch
 * would fail while runs show Running) `aci-flow worker` exits 1 naming the flag, before it even
 * connects to Temporal. A store that accepts writes gets its container created.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { freePort, type RunningAzurite, startAzurite } from '../../../src/localServices';
import { logContainerClient } from '../../../src/logs/blobContainer';
import { LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV } from '../../../src/logs/blobLogs';
import { checkLogStore } from '../../../src/logs/logStoreCheck';

const ROOT = resolve(__dirname, '../../..');

describe('the worker checks its log store at start', () => {
  let strict: RunningAzurite;
  let lenient: RunningAzurite;

  beforeAll(async () => {
    [strict, lenient] = await Promise.all([startAzurite({ skipApiVersionCheck: false }), startAzurite()]);
  });

  afterAll(async () => {
    await Promise.all([strict?.stop(), lenient?.stop()]);
  });

  it('aci-flow worker exits 1 naming --skipApiVersionCheck when Azurite refuses the API version, before contacting Temporal', async () => {
    const clean = Object.fromEntries(Object.entries(process.env).filter(([key]) => !/^(ACI_FLOW_|TEMPORAL_)/.test(key)));
    const result = await promisify(execFile)(
      'node',
      [join(ROOT, 'bin/aci-flow.js'), 'worker', '--pool', 'strict-pool', '--pool-config', 'examples/pool.yaml'],
      {
        cwd: ROOT,
        env: {
          ...clean,
          TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
          [LOG_BLOB_CONNECTION_STRING_ENV]: strict.connectionString,
          [LOG_BLOB_CONTAINER_ENV]: 'strict-logs',
        },
      },
    ).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
    expect(result.code).toBe(1);
    expect(result.stderr).toContain(`the log container strict-logs in ${strict.blobEndpoint}/devstoreaccount1 refuses this worker's storage API version`);
    expect(result.stderr).toContain('start it with --skipApiVersionCheck');
    expect(result.stderr).not.toContain('cannot connect to Temporal');
    expect(result.stderr).not.toMatch(/AccountKey|\n\s+at /);
  });

  it('creates the log container of a store that accepts writes', async () => {
    const settings = { connectionString: lenient.connectionString, container: 'checked-logs' };
    await checkLogStore(settings);
    expect(await logContainerClient(settings).exists()).toBe(true);
    await expect(checkLogStore(settings)).resolves.toBeUndefined();
  });
});
