import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { LOG_TAIL_LINES } from '../../../src/activities/watch';
import { RestError } from '@azure/core-rest-pipeline';
import { AzureError } from '../../../src/azure/errors';
import { EMPTY_LOG_CURSOR } from '../../../src/activities/logCursor';
import type { PollError } from '../../../src/workflows/definitions';
import { FakeGateway, memoryLogSink, TARGET, failureOf, transientPollErrors } from './fakeGateway';
import { scriptedScheduler } from './scriptedScheduler';
import { first } from '../../helpers/must';

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

  describe('when polls fail', () => {
    const pollErrorOf = (details: unknown) => (details as { lastPollError?: PollError } | undefined)?.lastPollError;
    const fastInput = { ...watchInput, pollIntervalSeconds: 0.005 };

    it('keeps polling through credential, 401, 403, 5xx, network and unknown errors, streams every line once and returns the exit code', async () => {
      const { gateway, written, activities } = setup();
      const errors = transientPollErrors();
      gateway.state = { state: 'Running' };
      gateway.onPoll = (poll) => {
        gateway.log(ts(poll), `line ${poll}`);
        if (poll === 2) gateway.failNextCalls.getLogs = errors.slice(3).map((entry) => entry.error);
        if (poll === 4) gateway.state = { state: 'Terminated', exitCode: 0 };
      };
      gateway.failNextCalls.getContainerGroup = errors.slice(0, 3).map((entry) => entry.error);
      const env = new MockActivityEnvironment();
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (details) => heartbeats.push(details));

      await expect(env.run(activities.watch, fastInput)).resolves.toEqual({ exitCode: 0, logLines: expect.any(Number) });

      // Each failed log read is followed by a new group read, whose poll logs one more line.
      const expected = Array.from({ length: gateway.logLines.length }, (_, index) => `line ${index + 1}`);
      expect(written).toEqual(expected);
      const messages = heartbeats.map(pollErrorOf).filter((error): error is PollError => error !== undefined);
      // Two streaks (group reads, then log reads), each counted from 1 again after a good poll.
      const streaks = messages.map((error) => error.attempts).filter((attempts, index, all) => attempts !== all[index - 1]);
      expect(streaks).toEqual([1, 2, 3, 1, 2, 3, 4]);
      for (const { mentions } of errors) expect(messages.some((error) => error.message.includes(mentions))).toBe(true);
      expect(heartbeats.at(-1)).toEqual({ linesEmitted: expected.length, lastTimestamp: ts(expected.length), linesAtLastTimestamp: 1 });
    });

    it('waits at least Retry-After before polling again after a throttled poll', async () => {
      const { gateway, activities } = setup();
      gateway.failNextCalls.getContainerGroup = [
        new AzureError({ code: 'TooManyRequests', azureMessage: 'slow down', kind: 'throttled', retryable: true, statusCode: 429, retryAfterMs: 400 }),
      ];
      const pollTimes: number[] = [];
      gateway.onPoll = () => {
        pollTimes.push(Date.now());
        gateway.state = { state: 'Terminated', exitCode: 0 };
      };
      const started = Date.now();
      await expect(new MockActivityEnvironment().run(activities.watch, fastInput)).resolves.toMatchObject({ exitCode: 0 });
      expect(first(pollTimes) - started).toBeGreaterThanOrEqual(400);
    });

    it('continues the error streak of the previous attempt from its heartbeat details', async () => {
      const { gateway, activities } = setup();
      gateway.state = { state: 'Terminated', exitCode: 0 };
      gateway.failNextCalls.getContainerGroup = [new Error('still failing')];
      const env = new MockActivityEnvironment({
        heartbeatDetails: { ...EMPTY_LOG_CURSOR, lastPollError: { message: 'earlier', at: '2024-05-01T10:00:00.000Z', attempts: 4 } },
      });
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (details) => heartbeats.push(details));
      await env.run(activities.watch, fastInput);
      expect(heartbeats.map(pollErrorOf)).toContainEqual(expect.objectContaining({ attempts: 5, message: expect.stringContaining('still failing') }));
      expect(pollErrorOf(heartbeats.at(-1))).toBeUndefined();
    });

    it('ends the run as ContainerGroupDisappeared when a failed log read was the group being deleted', async () => {
      const { gateway, activities } = setup();
      gateway.state = { state: 'Running' };
      gateway.onPoll = (poll) => {
        if (poll === 1) {
          gateway.failNextCalls.getLogs = [new RestError("The Resource 'etl-run-1' was not found.", { code: 'ResourceNotFound', statusCode: 404 })];
          gateway.exists = false;
        }
      };
      const failure = await failureOf(new MockActivityEnvironment().run(activities.watch, fastInput));
      expect(failure).toMatchObject({ type: 'ContainerGroupDisappeared', nonRetryable: true });
    });

    it('reports the cancellation, not a failed poll, when cancelling aborts a call', async () => {
      const { gateway, activities } = setup();
      const env = new MockActivityEnvironment();
      gateway.failNextCalls.getContainerGroup = [Object.assign(new Error('The operation was aborted.'), { name: 'AbortError' })];
      env.once('heartbeat', () => env.cancel());
      await expect(env.run(activities.watch, fastInput)).rejects.toBeInstanceOf(CancelledFailure);
      expect(gateway.calls.getContainerGroup).toBe(1);
    });
  });
});

describe('watch under read pressure', () => {
  it('makes state-only polls on turns without logs, reads the logs on the others and every remaining line after the exit', async () => {
    const gateway = new FakeGateway();
    const { sink, written } = memoryLogSink();
    const { scheduler, joined } = scriptedScheduler((turn) => turn % 4 === 3);
    const activities = createActivities({ gateway, logSink: sink, resolveSecret: () => undefined, pollScheduler: scheduler });
    gateway.state = { state: 'Running' };
    gateway.onPoll = (poll) => {
      gateway.log(ts(poll), `line ${poll}`);
      if (poll === 9) {
        gateway.state = { state: 'Terminated', exitCode: 0 };
        gateway.log(ts(poll), 'last words');
      }
    };
    await expect(new MockActivityEnvironment().run(activities.watch, { ...watchInput, flowName: 'etl' })).resolves.toEqual({ exitCode: 0, logLines: 10 });
    expect(joined).toEqual([{ minIntervalMs: 10, readsPerPoll: 1, logReadsPerPoll: 1, flowName: 'etl' }]);
    expect(gateway.calls.getContainerGroup).toBe(9);
    // Turns 3 and 7 read the logs; turn 9 is state-only but finds the exit, so it reads them once more.
    expect(gateway.calls.getLogs).toBe(3);
    expect(written).toEqual([...Array.from({ length: 9 }, (_, index) => `line ${index + 1}`), 'last words']);
  });

  it('teaches the scheduler the run’s duration, from the container’s start and finish times', async () => {
    const gateway = new FakeGateway();
    const { sink } = memoryLogSink();
    const { scheduler, durations } = scriptedScheduler(() => true);
    const activities = createActivities({ gateway, logSink: sink, resolveSecret: () => undefined, pollScheduler: scheduler });
    gateway.state = { state: 'Terminated', exitCode: 0, startTime: '2024-05-01T10:00:00Z', finishTime: '2024-05-01T10:05:00Z' };
    await new MockActivityEnvironment().run(activities.watch, { ...watchInput, flowName: 'etl' });
    expect(durations.samples('etl')).toBe(1);
    expect(durations.samples()).toBe(1);
  });
});
