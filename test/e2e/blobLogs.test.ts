/**
 * Logs in Blob Storage (Azurite): `followLogs` and `aci-flow logs` read a run's lines with
 * only its id, from a machine where no worker wrote, while a worker is SIGKILLed mid-watch
 * and another takes over — every line exactly once, in order.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client } from '@temporalio/client';
import { followLogs } from '../../src/client/flowRunLogs';
import { LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV } from '../../src/logs/blobLogs';
import { startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';
import { runCli } from './cliProcess';

jest.setTimeout(180_000);

function numberedLines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
}

describe('logs in Blob Storage', () => {
  let stack: Stack;
  // Where the reader "is": a directory no worker wrote to, so lines can only come from the blob.
  const elsewhere = mkdtempSync(join(tmpdir(), 'aci-flow-reader-'));

  beforeAll(async () => {
    stack = await startStack({ workPool: 'e2e-blob', logs: 'blob' });
  });

  afterAll(async () => {
    await stack?.close();
  });

  it('a follower reads every line exactly once through the blob while the worker is SIGKILLed mid-watch and replaced', async () => {
    const first = stack.spawnWorkerProcess();
    const run = await startTestFlowRun(stack, {
      values: { command: `sh -c 'for i in $(seq 1 40); do echo blob-$i; sleep 0.25; done'` },
    });
    const followed: string[] = [];
    // The follower waits on the run's close instead of describing it at every read.
    let describes = 0;
    const countingClient = new Client({
      connection: stack.client.connection,
      namespace: stack.client.options.namespace,
      interceptors: { workflow: [{ describe: (input, next) => ((describes += 1), next(input)) }] },
    });
    const following = (async () => {
      for await (const line of followLogs(run.flowRunId, {
        client: countingClient,
        blob: stack.blobLogs,
        logDir: elsewhere,
        follow: true,
        pollIntervalMs: 100,
      })) {
        followed.push(line);
      }
    })();
    await waitForStatus(run.handle, (current) => current.phase === 'Running', 60_000);
    await waitFor(() => followed.length >= 5, 'the first lines through the blob', { timeoutMs: 30_000, lastSeen: () => first.output() });
    expect(await first.kill('SIGKILL')).toBeNull();
    expect(followed.length).toBeLessThan(40);

    const second = stack.spawnWorkerProcess();
    await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed', exitCode: 0 });
    await following;
    expect(followed).toEqual(numberedLines('blob', 40));
    // Once to find the run, not once per 100 ms read over the run's ~10 s.
    expect(describes).toBe(1);
    // The worker's own output still carries the lines, tagged with the run id.
    expect(second.output()).toContain(`[flow-run ${run.flowRunId}] blob-40`);
    expect(readdirSync(stack.logDir)).toEqual([]);
    expect(readdirSync(elsewhere)).toEqual([]);

    // After the run, from another directory, with only the run id and the account's settings.
    const cli = await runCli(['logs', run.flowRunId, '--log-dir', elsewhere], {
      TEMPORAL_ADDRESS: stack.env.address,
      [LOG_BLOB_CONNECTION_STRING_ENV]: (stack.blobLogs as { connectionString: string }).connectionString,
      [LOG_BLOB_CONTAINER_ENV]: stack.blobLogs?.container,
    });
    expect(cli).toMatchObject({ code: 0, stderr: '' });
    expect(cli.stdout).toBe(
      numberedLines('blob', 40)
        .map((line) => `${line}\n`)
        .join(''),
    );
    await second.kill('SIGTERM');
  });

  it('aci-flow logs names the blob it looked at when a run recorded no lines', async () => {
    await stack.startWorker();
    try {
      const run = await startTestFlowRun(stack, { values: { command: "sh -c 'echo unseen'", stream_output: false } });
      await expect(run.handle.result()).resolves.toMatchObject({ phase: 'Completed' });
      const cli = await runCli(['logs', run.flowRunId], {
        TEMPORAL_ADDRESS: stack.env.address,
        [LOG_BLOB_CONNECTION_STRING_ENV]: (stack.blobLogs as { connectionString: string }).connectionString,
      });
      expect(cli.code).toBe(0);
      expect(cli.stdout).toBe('');
      expect(cli.stderr).toContain(`no log lines recorded at blob aci-flow-logs/e2e-blob/${run.flowRunId}.log in http://127.0.0.1:`);
    } finally {
      await stack.stopWorker();
    }
  });
});
