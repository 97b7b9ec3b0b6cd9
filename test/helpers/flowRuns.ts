/** Starting and inspecting flow runs in e2e tests, through the same client library orchestrators use. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import type { WorkflowHandle } from '@temporalio/client';
import { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
import { temporal } from '@temporalio/proto';
import { Worker } from '@temporalio/worker';
import { type PreparedFlowRun, prepareFlowRun, type StartedFlowRun, startFlowRun } from '../../src/client/flowRuns';
import { logFilePath } from '../../src/logs/logFiles';
import { type FlowRunStatus, statusQuery } from '../../src/workflows/definitions';
import { workflowsPath } from '../../src/workerHost';
import { sharedWorkflowBundle, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type Stack } from './stack';
import { waitFor } from './waitFor';

/** Work-pool variables for fast tests: short polls, streamed output, the emulator's test resource group. */
export function testValues(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    resource_group_name: TEST_RESOURCE_GROUP,
    subscription_id: TEST_SUBSCRIPTION_ID,
    image: 'busybox:latest',
    task_watch_poll_interval: 0.3,
    task_start_timeout_seconds: 30,
    stream_output: true,
    ...overrides,
  };
}

export function uniqueRunId(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

/** A container that prints `count` numbered lines, `interval` seconds apart. */
export function countingCommand(prefix: string, count: number, interval: number): string {
  return `sh -c 'for i in $(seq 1 ${count}); do echo ${prefix}-$i; sleep ${interval}; done'`;
}

/** What countingCommand prints: `<prefix>-1` … `<prefix>-<count>`. */
export function numberedLines(prefix: string, count: number): string[] {
  return Array.from({ length: count }, (_, index) => `${prefix}-${index + 1}`);
}

type TestFlowRunOptions = { flowRunId?: string; flowName?: string; values?: Record<string, unknown> };

export async function startTestFlowRun(stack: Pick<Stack, 'client' | 'workPool' | 'pool'>, options: TestFlowRunOptions = {}): Promise<StartedFlowRun> {
  return startFlowRun(stack.client, prepareTestFlowRun(stack, options));
}

/** The prepared start, for tests that tamper with the workflow input as a hostile client would. */
export function prepareTestFlowRun(stack: Pick<Stack, 'workPool' | 'pool'>, options: TestFlowRunOptions = {}): PreparedFlowRun {
  return prepareFlowRun({
    workPool: stack.workPool,
    flowName: options.flowName ?? 'e2e-flow',
    flowRunId: options.flowRunId ?? uniqueRunId('run'),
    pool: stack.pool,
    values: testValues(options.values),
  });
}

/** The workflow's failure, unwrapped: the ApplicationFailure the run ended with. */
export async function runFailure(handle: WorkflowHandle): Promise<{ type?: string; message: string; details?: unknown[] }> {
  try {
    await handle.result();
  } catch (err) {
    const cause = (err as { cause?: { type?: string; message: string; details?: unknown[] } }).cause;
    if (cause) return cause;
    throw err;
  }
  throw new Error(`Workflow ${handle.workflowId} completed, but the test expected it to fail`);
}

export async function status(handle: WorkflowHandle): Promise<FlowRunStatus> {
  return handle.query(statusQuery);
}

/** Polls the status query until `predicate` holds (real time, short intervals: no time skipping offline). */
export async function waitForStatus(handle: WorkflowHandle, predicate: (status: FlowRunStatus) => boolean, timeoutMs = 30_000): Promise<FlowRunStatus> {
  let last: FlowRunStatus | undefined;
  return waitFor(
    async () => {
      // A query fails until a worker has run the first workflow task; that is "not yet".
      last = await status(handle).catch(() => undefined);
      return last && predicate(last) ? last : undefined;
    },
    `flow run ${handle.workflowId} to reach the expected status`,
    { timeoutMs, lastSeen: () => JSON.stringify(last) },
  );
}

/** The attempt each `activityType` activity of the run ended on, in order (1 = it was never retried). */
export async function activityAttempts(handle: WorkflowHandle, activityType: string): Promise<number[]> {
  const events = (await handle.fetchHistory()).events ?? [];
  const scheduled = new Set(
    events.filter((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType).map((event) => Number(event.eventId)),
  );
  return events
    .filter((event) => scheduled.has(Number(event.activityTaskStartedEventAttributes?.scheduledEventId)))
    .map((event) => event.activityTaskStartedEventAttributes?.attempt ?? 0);
}

/**
 * Where the run's history puts the first `signalName` signal relative to the first
 * `activityType` activity: 'during' means the workflow received it after scheduling the
 * activity and before the activity's result (the proof a cancel landed mid-deploy).
 */
export async function signalTiming(
  handle: WorkflowHandle,
  signalName: string,
  activityType: string,
): Promise<'before' | 'during' | 'after' | 'never signalled' | 'activity never ran'> {
  const events = (await handle.fetchHistory()).events ?? [];
  const signalled = events.find((event) => event.workflowExecutionSignaledEventAttributes?.signalName === signalName);
  const scheduled = events.find((event) => event.activityTaskScheduledEventAttributes?.activityType?.name === activityType);
  if (!signalled) return 'never signalled';
  if (!scheduled) return 'activity never ran';
  const scheduledId = Number(scheduled.eventId);
  const closed = events.find((event) =>
    [
      event.activityTaskCompletedEventAttributes,
      event.activityTaskFailedEventAttributes,
      event.activityTaskTimedOutEventAttributes,
      event.activityTaskCanceledEventAttributes,
    ].some((attributes) => attributes && Number(attributes.scheduledEventId) === scheduledId),
  );
  const signalId = Number(signalled.eventId);
  if (signalId < scheduledId) return 'before';
  return closed && signalId > Number(closed.eventId) ? 'after' : 'during';
}

export function readRunLog(stack: Pick<Stack, 'logDir'>, flowRunId: string): string[] {
  try {
    return readFileSync(logFilePath(flowRunId, stack.logDir), 'utf8')
      .split('\n')
      .filter((line, index, all) => index < all.length - 1 || line !== '');
  } catch {
    return [];
  }
}

/** Emulator's record of the groups of one run (deleted ones included). */
export function groupsOf(stack: Pick<Stack, 'emulator'>, containerGroupName: string) {
  return stack.emulator.containerGroups().filter((group) => group.name === containerGroupName);
}

/**
 * Fails naming every event of the run's history when it holds more than `bound`, so a run that
 * went over shows where its events came from (docs/workflow.md, "History bound").
 */
export async function expectHistoryAtMost(handle: WorkflowHandle, bound: number): Promise<void> {
  const events = (await handle.fetchHistory()).events ?? [];
  if (events.length <= bound) return;
  const names = events.map((event) => (temporal.api.enums.v1.EventType[event.eventType ?? 0] ?? String(event.eventType)).replace(/^EVENT_TYPE_/, ''));
  throw new Error(`the history has ${events.length} events, more than ${bound}: ${names.join(', ')}`);
}

/**
 * A run's history as searchable text, every payload decoded: what anyone with access to
 * the Temporal cluster (or its UI) could read.
 */
export async function readableHistory(handle: WorkflowHandle): Promise<string> {
  const json = JSON.parse(historyToJSON(await handle.fetchHistory())) as unknown;
  const decode = (node: unknown): unknown => {
    if (Array.isArray(node)) return node.map(decode);
    if (typeof node !== 'object' || node === null) return node;
    return Object.fromEntries(
      Object.entries(node).map(([key, value]) => [
        key,
        key === 'data' && typeof value === 'string' ? Buffer.from(value, 'base64').toString('utf8') : decode(value),
      ]),
    );
  };
  return JSON.stringify(decode(json));
}

/** Saves finished runs' histories so the file's last test can replay them against the current workflow code. */
export class HistoryRecorder {
  private readonly saved: string[] = [];
  constructor(private readonly dir: string) {
    mkdirSync(dir, { recursive: true });
  }

  async save(handle: WorkflowHandle): Promise<void> {
    const history = await handle.fetchHistory();
    const path = join(this.dir, `${handle.workflowId}.json`);
    writeFileSync(path, historyToJSON(history));
    this.saved.push(path);
  }

  get count(): number {
    return this.saved.length;
  }

  /** Replays every saved history with the current workflow code; returns the ones that failed, with their errors. */
  async replayAll(): Promise<Array<{ workflowId: string; error: string }>> {
    const histories = this.saved.map((path) => ({
      workflowId: path.replace(/^.*\//, '').replace(/\.json$/, ''),
      history: historyFromJSON(JSON.parse(readFileSync(path, 'utf8'))),
    }));
    const failures: Array<{ workflowId: string; error: string }> = [];
    const bundle = sharedWorkflowBundle();
    const options = bundle ? { workflowBundle: bundle } : { workflowsPath: workflowsPath() };
    for await (const result of Worker.runReplayHistories(options, histories)) {
      if (result.error) failures.push({ workflowId: result.workflowId, error: String(result.error) });
    }
    return failures;
  }
}
