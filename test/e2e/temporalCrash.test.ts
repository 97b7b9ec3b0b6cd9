/**
 * Durable when Temporal itself crashes: the server is SIGKILLed mid-watch and started again
 * on the same database file and port, while the `aci-flow worker` process keeps running.
 * The worker reaches the server through a TCP gate that stays shut until the restarted server
 * has timed the watch attempt out: otherwise the worker's first heartbeat after the restart
 * races the server's overdue timeout, and either may win.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection, type WorkflowHandle } from '@temporalio/client';
import { type RunningEmulator, startEmulator } from '../helpers/checkedEmulator';
import { activityAttempts, countingCommand, groupsOf, HistoryRecorder, numberedLines, readRunLog, startTestFlowRun, waitForStatus } from '../helpers/flowRuns';
import { createPersistentServer, type PersistentServer } from '../helpers/persistentServer';
import { quietRuntimeLogs, spawnWorkerProcess, TEST_HEARTBEAT_TIMEOUT_MS, testPool, type WorkerProcess } from '../helpers/stack';
import { startTcpGate, type TcpGate } from '../helpers/tcpGate';
import { waitFor } from '../helpers/waitFor';

jest.setTimeout(150_000);

const WORK_POOL = 'e2e-temporal-crash';
/** The watch activity's heartbeat timeout: the worker's (spawnWorkerProcess gives it the tests' short one). */
const WATCH_HEARTBEAT_TIMEOUT_MS = TEST_HEARTBEAT_TIMEOUT_MS;
/** Seconds of container output: the outage (heartbeat timeout + 2 s) plus the restart, with room to spare on a loaded machine. */
const OUTPUT_SECONDS = 33;

describe('Temporal server crash', () => {
  const dir = mkdtempSync(join(tmpdir(), 'aci-flow-temporal-crash-'));
  const logDir = join(dir, 'logs');
  const histories = new HistoryRecorder(join(dir, 'histories'));
  let server: PersistentServer;
  let emulator: RunningEmulator;
  let connection: Connection;
  let client: Client;
  let worker: WorkerProcess | undefined;
  let gate: TcpGate;

  beforeAll(async () => {
    quietRuntimeLogs();
    server = await createPersistentServer(dir);
    await server.start();
    emulator = await startEmulator();
    gate = await startTcpGate(server.address);
    connection = await Connection.connect({ address: server.address });
    client = new Client({ connection, namespace: 'default' });
  });

  afterAll(async () => {
    await worker?.kill('SIGKILL');
    await gate?.close();
    await connection?.close();
    await emulator?.close();
    await server?.kill();
  });

  it('Temporal SIGKILLed mid-watch for longer than the heartbeat timeout, then restarted: the same worker reconnects, one container group ever, every log line exactly once', async () => {
    const stack = { client, workPool: WORK_POOL, pool: testPool(WORK_POOL), logDir, emulator };
    const running = spawnWorkerProcess({ temporalAddress: gate.address, emulator, logDir, workPool: WORK_POOL });
    worker = running;
    const workerTail = () => running.output().slice(-2000);
    // Still running when Temporal is back, so the timed-out attempt and its retry overlap.
    const run = await startTestFlowRun(stack, { values: { command: countingCommand('line', OUTPUT_SECONDS, 1) } });
    await waitForStatus(run.handle, (current) => current.phase === 'Running', 60_000);
    await waitFor(() => readRunLog(stack, run.flowRunId).length >= 3, 'the first log lines', { timeoutMs: 30_000 });

    gate.shut();
    await server.kill();
    const killedAt = Date.now();
    await waitFor(() => running.output().includes(`lost connection to Temporal at ${gate.address}`), 'the worker to notice the outage', {
      timeoutMs: 30_000,
      lastSeen: workerTail,
    });
    // Temporal times the watch attempt out on its own clock, so only the clock can say the outage was long enough.
    await waitFor(() => Date.now() >= killedAt + WATCH_HEARTBEAT_TIMEOUT_MS + 2_000, 'the outage to outlast the heartbeat timeout', {
      timeoutMs: 30_000,
      intervalMs: 250,
    });
    expect(readRunLog(stack, run.flowRunId).length).toBeLessThan(OUTPUT_SECONDS);

    await server.start();
    // The restarted server fires the overdue heartbeat timeout and schedules the retry.
    await waitFor(async () => (await watchAttempt(run.handle)) >= 2, 'the restarted server to time the watch attempt out', { timeoutMs: 30_000 });
    gate.open();
    await waitFor(() => running.output().includes(`reconnected to Temporal at ${gate.address}`), 'the worker to reconnect', {
      timeoutMs: 30_000,
      lastSeen: workerTail,
    });
    const result = await run.handle.result();

    expect(result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    expect(readRunLog(stack, run.flowRunId)).toEqual(numberedLines('line', OUTPUT_SECONDS));
    expect(groupsOf(stack, result.containerGroupName)).toEqual([expect.objectContaining({ deleted: true })]);
    expect(emulator.counters()['deployments.put']).toBe(1);
    // The first watch attempt timed out during the outage; its retry ran in this same worker.
    expect(await activityAttempts(run.handle, 'watch')).toEqual([2]);
    // The same process throughout: it was never restarted, and it still stops cleanly.
    expect(running.child.exitCode).toBeNull();
    expect(await running.kill('SIGTERM')).toBe(0);
    await histories.save(run.handle);
  });

  /** The pending watch activity's attempt, as the server sees it (0 when none is pending). */
  async function watchAttempt(handle: WorkflowHandle): Promise<number> {
    const { raw } = await handle.describe();
    return raw.pendingActivities?.find((activity) => activity.activityType?.name === 'watch')?.attempt ?? 0;
  }

  it('replays the recorded history with the current workflow code', async () => {
    expect(histories.count).toBe(1);
    expect(await histories.replayAll()).toEqual([]);
  });
});
