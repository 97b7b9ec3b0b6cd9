/**
 * Exit hints on a real dev server, with the real watch activity, poll scheduler and per-run
 * log file over a scripted container (FakeGateway): a hint while the container runs never
 * ends the run; a hint after its exit gets it detected within seconds, although the poll
 * interval is a minute, with every log line recorded exactly once.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Context } from '@temporalio/activity';
import { createActivities, createFlowRunLogSink, type FlowRunActivities, type FlowRunTarget, type RunSettings, type WatchInput } from '../../../src/activities';
import { runSettingsOf } from '../../../src/activities/render';
import { createPollScheduler } from '../../../src/polling/pollScheduler';
import { hintFlowRunExited } from '../../../src/client/flowRunExitHint';
import { defaultBaseJobTemplate } from '../../../src/config';
import { logFilePath } from '../../../src/logs/logFiles';
import { flowRunNames } from '../../../src/template/naming';
import { renderFlowRun } from '../../../src/template/renderRun';
import { exitedSignal, FLOW_RUN_WORKFLOW, type FlowRunInput, statusQuery, workflowIdForFlowRun } from '../../../src/workflows/definitions';
import { quietRuntimeLogs } from '../../helpers/stack';
import { startDevServer, type TestDevServer } from '../../helpers/temporal';
import { flowRunTestWorker } from '../../helpers/flowRunTestWorker';
import { waitFor } from '../../helpers/waitFor';
import { FakeGateway } from '../../unit/activities/fakeGateway';

jest.setTimeout(90_000);

const TASK_QUEUE = 'exit-hints';
// A minute between polls: without a hint the exit would be seen up to a minute late.
const VALUES = {
  resource_group_name: 'rg',
  subscription_id: '11111111-2222-3333-4444-555555555555',
  command: 'run',
  task_watch_poll_interval: 60,
  stream_output: true,
};

const ts = (second: number) => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000000001Z`;

function input(flowRunId: string): FlowRunInput {
  return { flowRunId, flowName: 'etl', workPool: TASK_QUEUE, values: VALUES, names: flowRunNames('etl', flowRunId) };
}

async function renderedSettings(runInput: FlowRunInput): Promise<RunSettings> {
  const run = { flowRunId: runInput.flowRunId, flowName: runInput.flowName, workflowId: workflowIdForFlowRun(runInput.flowRunId) };
  const settings = runSettingsOf(renderFlowRun(defaultBaseJobTemplate(), runInput.values, run));
  return { ...settings, target: { ...settings.target, ...runInput.names } };
}

describe('exit hints', () => {
  let env: TestDevServer;
  let logDir: string;

  beforeAll(async () => {
    quietRuntimeLogs();
    env = await startDevServer();
    logDir = mkdtempSync(join(tmpdir(), 'aci-flow-exit-hints-'));
  });

  afterAll(async () => {
    await env?.teardown();
    rmSync(logDir, { recursive: true, force: true });
  });

  it('remembers a hint before Running for the first watch, and refuses one once the exit was seen', async () => {
    let started: () => void = () => undefined;
    const startGate = new Promise<void>((resolve) => (started = resolve));
    let deleted: () => void = () => undefined;
    const deleteGate = new Promise<void>((resolve) => (deleted = resolve));
    const watchInputs: WatchInput[] = [];
    const activities: FlowRunActivities = {
      ...createActivities({ gateway: new FakeGateway(), logSink: createFlowRunLogSink({ output: () => undefined }) }),
      renderFlowRun: renderedSettings,
      deploy: async (deployInput) => ({ ...(deployInput.expectedTarget as FlowRunTarget), adopted: false }),
      waitForStart: async () => {
        await startGate;
        return { state: 'Running' };
      },
      watch: async (watchInput) => {
        watchInputs.push(watchInput);
        return { exitCode: 0, logLines: 0 };
      },
      deleteContainerGroup: async () => deleteGate,
    };
    const worker = await flowRunTestWorker(env, { taskQueue: TASK_QUEUE, activities });
    const flowRunId = 'hint-early-1';
    const outcome = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(FLOW_RUN_WORKFLOW, {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdForFlowRun(flowRunId),
        args: [input(flowRunId)],
      });
      await waitFor(async () => (await handle.query(statusQuery)).phase === 'WaitingForStart', 'WaitingForStart');
      const early = await hintFlowRunExited(env.client, flowRunId, { source: 'prefect' });
      started();
      await waitFor(async () => (await handle.query(statusQuery)).phase === 'CleaningUp', 'CleaningUp');
      const late = await hintFlowRunExited(env.client, flowRunId);
      await handle.signal(exitedSignal);
      deleted();
      await handle.result();
      return { early, late, status: await handle.query(statusQuery) };
    });
    expect(outcome.early).toMatchObject({ taken: true, phase: 'WaitingForStart' });
    // One watch, hinted from its start: its first poll goes at once.
    expect(watchInputs.map((watchInput) => watchInput.exitHint)).toEqual(['prefect']);
    expect(outcome.late).toEqual({ flowRunId, taken: false, reason: "the container's exit was already seen" });
    // The refused update left nothing; the refused signal is counted.
    expect(outcome.status.exitHints).toEqual({ taken: 1, ignored: 1, lastSource: 'prefect' });
    expect(outcome.status.phase).toBe('Completed');
  });

  it('takes at most 3 hints per run, 5 s apart, however many a noisy sender sends; refused updates leave no history', async () => {
    const attempts: WatchInput[] = [];
    let exit: () => void = () => undefined;
    const exited = new Promise<void>((resolve) => (exit = resolve));
    const activities: FlowRunActivities = {
      ...createActivities({ gateway: new FakeGateway(), logSink: createFlowRunLogSink({ output: () => undefined }) }),
      renderFlowRun: renderedSettings,
      deploy: async (deployInput) => ({ ...(deployInput.expectedTarget as FlowRunTarget), adopted: false }),
      waitForStart: async () => ({ state: 'Running' }),
      // Each attempt runs until the container exits or the workflow cancels it.
      watch: async (watchInput) => {
        attempts.push(watchInput);
        const context = Context.current();
        const heartbeats = setInterval(() => context.heartbeat(), 100);
        try {
          await Promise.race([exited, context.cancelled]);
          return { exitCode: 0, logLines: 0 };
        } finally {
          clearInterval(heartbeats);
        }
      },
      deleteContainerGroup: async () => undefined,
    };
    const worker = await flowRunTestWorker(env, { taskQueue: TASK_QUEUE, activities, maxHeartbeatThrottleInterval: '200 milliseconds' });
    const flowRunId = 'hint-noisy-1';
    const outcome = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(FLOW_RUN_WORKFLOW, {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdForFlowRun(flowRunId),
        args: [input(flowRunId)],
      });
      await waitFor(() => attempts.length === 1, 'the first watch');
      const receipts: Array<{ taken: boolean | undefined; reason?: string }> = [];
      // A sender hinting four times a second until the run stops taking hints for good.
      await waitFor(
        async () => {
          const receipt = await hintFlowRunExited(env.client, flowRunId, { source: 'container' });
          receipts.push(receipt);
          return receipt.reason?.startsWith('this run took its') ? receipt : undefined;
        },
        'the hints to run out',
        { intervalMs: 250, timeoutMs: 45_000 },
      );
      // Updates and signals only: a cancelled watch attempt may still record its end meanwhile.
      const hintEvents = async () =>
        ((await handle.fetchHistory()).events ?? []).filter(
          (event) =>
            event.workflowExecutionUpdateAcceptedEventAttributes ||
            event.workflowExecutionUpdateCompletedEventAttributes ||
            event.workflowExecutionSignaledEventAttributes,
        ).length;
      const eventsBeforeExit = await hintEvents();
      for (let more = 0; more < 5; more += 1) await hintFlowRunExited(env.client, flowRunId);
      const eventsAfterRefusals = await hintEvents();
      exit();
      await handle.result();
      return { receipts, eventsBeforeExit, eventsAfterRefusals, status: await handle.query(statusQuery) };
    });
    const taken = outcome.receipts.filter((receipt) => receipt.taken);
    expect(taken).toHaveLength(3);
    expect(outcome.receipts.length).toBeGreaterThan(10);
    expect(new Set(outcome.receipts.filter((receipt) => !receipt.taken).map((receipt) => receipt.reason))).toEqual(
      new Set(['a hinted poll of this run is already on its way', 'this run took its 3 exit hints; its watch keeps polling']),
    );
    // The first attempt and three hinted ones.
    expect(attempts.map((attempt) => attempt.exitHint)).toEqual([undefined, 'container', 'container', 'container']);
    expect(outcome.eventsAfterRefusals).toBe(outcome.eventsBeforeExit);
    expect(outcome.status.exitHints).toMatchObject({ taken: 3 });
  });

  it('never ends a run on a hint while the container runs, and detects the exit within seconds of a hint after it, every line once', async () => {
    const gateway = new FakeGateway();
    gateway.state = { state: 'Running' };
    for (let second = 1; second <= 3; second += 1) gateway.log(ts(second), `line ${second}`);
    const real = createActivities({
      gateway,
      logSink: createFlowRunLogSink({ logDir, output: () => undefined }),
      pollScheduler: createPollScheduler({ strategy: 'priority' }),
    });
    const activities: FlowRunActivities = {
      ...real,
      renderFlowRun: renderedSettings,
      deploy: async (deployInput) => ({ ...(deployInput.expectedTarget as FlowRunTarget), adopted: false }),
      waitForStart: async () => ({ state: 'Running' }),
      deleteContainerGroup: async () => undefined,
    };
    // The cancelled watch attempt learns of its cancel with its next flushed heartbeat.
    const worker = await flowRunTestWorker(env, { taskQueue: TASK_QUEUE, activities, maxHeartbeatThrottleInterval: '200 milliseconds' });
    const flowRunId = 'hint-1';
    const logFile = logFilePath(flowRunId, logDir);
    const recorded = () => readFileSync(logFile, 'utf8').split('\n').filter(Boolean);
    const outcome = await worker.runUntil(async () => {
      const handle = await env.client.workflow.start(FLOW_RUN_WORKFLOW, {
        taskQueue: TASK_QUEUE,
        workflowId: workflowIdForFlowRun(flowRunId),
        args: [input(flowRunId)],
      });
      await waitFor(() => (gateway.calls.getContainerGroup ?? 0) >= 1 && recorded().length === 3, 'the first watch poll and its lines');

      // A hint while the container runs: one immediate poll, which sees Running, and the run goes on.
      await handle.signal(exitedSignal, { source: 'container' });
      await waitFor(() => (gateway.calls.getContainerGroup ?? 0) >= 2, 'the hinted poll');
      const runningStatus = await handle.query(statusQuery);
      expect(runningStatus.phase).toBe('Running');
      expect(runningStatus.exitHints).toEqual({ taken: 1, ignored: 0, lastSource: 'container' });

      // The container writes its last lines and exits; nobody would look for a minute.
      gateway.log(ts(4), 'line 4');
      gateway.log(ts(5), 'line 5');
      const exitedAt = Date.now();
      gateway.state = { state: 'Terminated', exitCode: 0, finishTime: new Date(exitedAt).toISOString() };
      // Hints come at most every few seconds: until then the client is told why not.
      const refused = await hintFlowRunExited(env.client, flowRunId, { source: 'prefect' });
      const taken = refused.taken
        ? refused
        : await waitFor(
            async () => {
              const receipt = await hintFlowRunExited(env.client, flowRunId, { source: 'prefect' });
              return receipt.taken ? receipt : undefined;
            },
            'a hint taken',
            { intervalMs: 500 },
          );
      if (!refused.taken) expect(refused.reason).toBe('a hinted poll of this run is already on its way');
      expect(taken).toMatchObject({ taken: true, phase: 'Running' });
      const hintedAt = Date.now();
      const result: unknown = await handle.result();
      return {
        result,
        detectedInMs: Date.now() - hintedAt,
        sinceExitMs: Date.now() - exitedAt,
        status: await handle.query(statusQuery),
        events: (await handle.fetchHistory()).events?.length ?? 0,
      };
    });
    expect(outcome.result).toMatchObject({ phase: 'Completed', exitCode: 0 });
    // Seconds, not the minute the poll interval would take.
    expect(outcome.detectedInMs).toBeLessThan(5_000);
    expect(outcome.sinceExitMs).toBeLessThan(30_000);
    expect(outcome.status.exitHints).toMatchObject({ taken: 2, lastSource: 'prefect' });
    // Two watch attempts overlapped twice; the log file holds every line exactly once, in order.
    expect(recorded()).toEqual(['line 1', 'line 2', 'line 3', 'line 4', 'line 5']);
    // Refused updates are not in the history; two taken hints cost a bounded handful of events.
    expect(outcome.events).toBeLessThanOrEqual(60);
  });
});
