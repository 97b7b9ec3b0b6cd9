/** The watch activity's side of exit hints: a hinted attempt's urgent first poll, and the log showing the end. */
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { createPollScheduler, type PollScheduler, type RunPollOptions } from '../../../src/polling/pollScheduler';
import { type AciFlowMetrics, noopMetrics } from '../../../src/common/metrics';
import { DEFAULT_EXIT_LOG_PATTERN } from '../../../src/config/defaults';
import { ARM_PRIORITY } from '../../../src/budget/rateLimiter';
import { FakeGateway, memoryLogSink, TARGET } from './fakeGateway';

const ts = (second: number) => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000000001Z`;

/** A `fixed` scheduler that records the join options and every hinted() call. */
function spyingScheduler() {
  const real = createPollScheduler({ strategy: 'fixed' });
  const joined: RunPollOptions[] = [];
  let hints = 0;
  const scheduler: PollScheduler = Object.assign(Object.create(real) as PollScheduler, {
    join: (runKey: string, options: RunPollOptions) => {
      joined.push(options);
      const polls = real.join(runKey, options);
      return {
        ...polls,
        hinted: () => {
          hints += 1;
          polls.hinted();
        },
      };
    },
  });
  return { scheduler, joined, hints: () => hints };
}

function setup() {
  const gateway = new FakeGateway();
  const { sink, written } = memoryLogSink();
  const spy = spyingScheduler();
  const counted: string[] = [];
  const lags: Array<{ lag: number; hinted: boolean | undefined }> = [];
  const metrics: AciFlowMetrics = {
    ...noopMetrics,
    exitHint: (source) => counted.push(source),
    exitDetected: (lag, hinted) => lags.push({ lag, hinted }),
  };
  const activities = createActivities({ gateway, logSink: sink, resolveSecret: () => undefined, pollScheduler: spy.scheduler, metrics });
  return { gateway, written, activities, spy, counted, lags };
}

const watchInput = { flowRunId: 'run-1', target: TARGET, pollIntervalSeconds: 0.01, streamOutput: true };

describe('watch and exit hints', () => {
  it('joins the schedule urgent when the workflow started it for a hint, and counts the hint and its detection apart', async () => {
    const { gateway, activities, spy, counted, lags } = setup();
    gateway.state = { state: 'Terminated', exitCode: 0, finishTime: new Date().toISOString() };
    await new MockActivityEnvironment().run(activities.watch, { ...watchInput, exitHint: 'prefect' as const });
    expect(spy.joined[0]?.urgentFirstPoll).toBe(true);
    // The urgent poll's read goes ahead of routine reads in the ARM budget too.
    expect(gateway.priorities.filter((call) => call.method === 'getContainerGroup')).toEqual([
      { method: 'getContainerGroup', priority: ARM_PRIORITY.urgentPoll },
    ]);
    expect(counted).toEqual(['prefect']);
    expect(lags.map((lag) => lag.hinted)).toEqual([true]);
  });

  it('joins urgent, without counting a hint, when waitForStart already saw the container Terminated', async () => {
    const { gateway, activities, spy, counted, lags } = setup();
    gateway.state = { state: 'Terminated', exitCode: 0, finishTime: new Date().toISOString() };
    await new MockActivityEnvironment().run(activities.watch, { ...watchInput, exitSeen: true as const });
    expect(spy.joined[0]?.urgentFirstPoll).toBe(true);
    expect(counted).toEqual([]);
    expect(lags.map((lag) => lag.hinted)).toEqual([false]);
  });

  it("has waitForStart's first poll urgent: whether the container started is not a question its exit odds weigh", async () => {
    const { gateway, activities, spy } = setup();
    gateway.state = { state: 'Running' };
    const output = await new MockActivityEnvironment().run(activities.waitForStart, {
      target: TARGET,
      flowName: 'etl',
      deadlineEpochMs: Date.now() + 60_000,
      timeoutSeconds: 60,
      pollIntervalSeconds: 0.01,
    });
    expect(output).toEqual({ state: 'Running' });
    expect(spy.joined[0]?.urgentFirstPoll).toBe(true);
    expect(gateway.priorities[0]).toEqual({ method: 'getContainerGroup', priority: ARM_PRIORITY.urgentPoll });
  });

  it('makes the next poll urgent when a streamed line shows the flow run ended, once per attempt in the metrics', async () => {
    const { gateway, written, activities, spy, counted, lags } = setup();
    gateway.state = { state: 'Running' };
    gateway.onPoll = (poll) => {
      if (poll === 1) gateway.log(ts(1), "Task run 'load-0' - Finished in state Completed()");
      if (poll === 2) gateway.log(ts(2), "10:00:02.000 | INFO    | Flow run 'crimson-fox' - Finished in state Completed()");
      if (poll === 4) gateway.state = { state: 'Terminated', exitCode: 0, finishTime: new Date().toISOString() };
    };
    await new MockActivityEnvironment().run(activities.watch, { ...watchInput, exitLogPattern: DEFAULT_EXIT_LOG_PATTERN });
    expect(written).toHaveLength(2);
    expect(spy.joined[0]?.urgentFirstPoll).toBeUndefined();
    // The task run's line is not the end; the flow run's is.
    expect(spy.hints()).toBe(1);
    expect(counted).toEqual(['log']);
    expect(lags.map((lag) => lag.hinted)).toEqual([true]);
  });

  it('ignores the log when no pattern is given', async () => {
    const { gateway, activities, spy, counted } = setup();
    gateway.state = { state: 'Running' };
    gateway.onPoll = (poll) => {
      if (poll === 1) gateway.log(ts(1), "Flow run 'crimson-fox' - Finished in state Completed()");
      if (poll === 2) gateway.state = { state: 'Terminated', exitCode: 0 };
    };
    await new MockActivityEnvironment().run(activities.watch, watchInput);
    expect(spy.hints()).toBe(0);
    expect(counted).toEqual([]);
  });
});
