import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { LOG_TAIL_LINES } from '../../../src/activities/watch';
import { RestError } from '@azure/core-rest-pipeline';
import { FakeGateway, memoryLogSink, TARGET, failureOf } from './fakeGateway';

const ts = (second: number) => `2024-05-01T10:00:${String(second).padStart(2, '0')}.000000001Z`;

function setup() {
  const gateway = new FakeGateway();
  const { sink, written } = memoryLogSink();
  const activities = createActivities({ gateway, logSink: sink, resolveSecret: () => undefined });
  return { gateway, written, activities };
}

const watchInput = { flowRunId: 'run-1', target: TARGET, pollIntervalSeconds: 0.01, streamOutput: true };

describe('watch activity', () => {
  it('streams every line once while running, including the last lines written before exit, and returns the exit code', async () => {
    const { gateway, written, activities } = setup();
    gateway.state = { state: 'Running' };
    gateway.onPoll = (poll) => {
      gateway.log(ts(poll), `line ${poll}`);
      if (poll === 3) {
        gateway.state = { state: 'Terminated', exitCode: 7 };
        gateway.log(ts(poll), 'last words');
      }
    };
    const env = new MockActivityEnvironment();
    const heartbeats: unknown[] = [];
    env.on('heartbeat', (details) => heartbeats.push(details));
    await expect(env.run(activities.watch, watchInput)).resolves.toEqual({ exitCode: 7, logLines: 4 });
    expect(written).toEqual(['line 1', 'line 2', 'line 3', 'last words']);
    expect(heartbeats.at(-1)).toEqual({ linesEmitted: 4, lastTimestamp: ts(3), linesAtLastTimestamp: 2 });
  });

  it('resumes from the log cursor in the heartbeat details of the previous attempt', async () => {
    const { gateway, written, activities } = setup();
    gateway.log(ts(1), 'seen');
    gateway.log(ts(2), 'new');
    gateway.state = { state: 'Terminated', exitCode: 0 };
    written.push('seen');
    const env = new MockActivityEnvironment({
      heartbeatDetails: { linesEmitted: 1, lastTimestamp: ts(1), linesAtLastTimestamp: 1 },
    });
    await env.run(activities.watch, watchInput);
    expect(written).toEqual(['seen', 'new']);
  });

  it('re-reads the whole log when more lines arrived between two polls than one tail window holds', async () => {
    const { gateway, written, activities } = setup();
    for (let index = 0; index < LOG_TAIL_LINES + 5; index += 1) gateway.log(ts(1), `burst ${index}`);
    gateway.state = { state: 'Terminated', exitCode: 0 };
    await new MockActivityEnvironment().run(activities.watch, watchInput);
    expect(written).toHaveLength(LOG_TAIL_LINES + 5);
    expect(gateway.logRequests.map((request) => request.tail)).toEqual([LOG_TAIL_LINES, undefined]);
  });

  it('fails non-retryably with ContainerGroupDisappeared when the group is gone mid-run', async () => {
    const { gateway, activities } = setup();
    gateway.exists = false;
    const failure = await failureOf(new MockActivityEnvironment().run(activities.watch, watchInput));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({
      type: 'ContainerGroupDisappeared',
      nonRetryable: true,
      message: 'Container group etl-run-1 disappeared while the flow run was running (exit code unknown)',
    });
  });

  it('does not read logs when stream_output is off', async () => {
    const { gateway, activities } = setup();
    gateway.state = { state: 'Terminated', exitCode: 0 };
    await new MockActivityEnvironment().run(activities.watch, { ...watchInput, streamOutput: false });
    expect(gateway.logRequests).toEqual([]);
  });

  it('stops promptly when the activity is cancelled between polls', async () => {
    const { gateway, activities } = setup();
    gateway.state = { state: 'Running' };
    const env = new MockActivityEnvironment();
    gateway.onPoll = () => setTimeout(() => env.cancel(), 50);
    const started = Date.now();
    await expect(env.run(activities.watch, { ...watchInput, pollIntervalSeconds: 60 })).rejects.toBeInstanceOf(CancelledFailure);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("turns a throttled Azure call into a retryable failure that keeps Azure's code", async () => {
    const { gateway, activities } = setup();
    gateway.failNext.getContainerGroup = new RestError('Too many requests', { code: 'TooManyRequests', statusCode: 429 });
    const failure = await failureOf(new MockActivityEnvironment().run(activities.watch, watchInput));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: 'TooManyRequests', nonRetryable: false });
  });
});
