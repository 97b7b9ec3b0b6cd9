import { RestError } from '@azure/core-rest-pipeline';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import type { PollError } from '../../../src/workflows/definitions';
import { FakeGateway, memoryLogSink, TARGET, failureOf, transientPollErrors } from './fakeGateway';
import { scriptedScheduler } from './scriptedScheduler';

function setup(now: () => number = () => Date.now()) {
  const gateway = new FakeGateway();
  const activities = createActivities({ gateway, logSink: memoryLogSink().sink, resolveSecret: () => undefined, clock: { now } });
  return { gateway, activities };
}

describe('waitForStart activity', () => {
  it('returns as soon as the container runs', async () => {
    const { gateway, activities } = setup();
    gateway.onPoll = (poll) => {
      if (poll === 3) gateway.state = { state: 'Running' };
    };
    const input = { target: TARGET, deadlineEpochMs: Date.now() + 10_000, timeoutSeconds: 10, pollIntervalSeconds: 0.01 };
    await expect(new MockActivityEnvironment().run(activities.waitForStart, input)).resolves.toEqual({ state: 'Running' });
  });

  it('takes every poll’s turn from the worker’s scheduler, naming the flow and the container’s start', async () => {
    const gateway = new FakeGateway();
    const { scheduler, joined, started, turns } = scriptedScheduler();
    const activities = createActivities({ gateway, logSink: memoryLogSink().sink, resolveSecret: () => undefined, pollScheduler: scheduler });
    gateway.onPoll = (poll) => {
      if (poll === 3) gateway.state = { state: 'Running', startTime: '2024-05-01T10:00:00Z' };
    };
    const input = { target: TARGET, flowName: 'etl', deadlineEpochMs: Date.now() + 10_000, timeoutSeconds: 10, pollIntervalSeconds: 0.01 };
    await expect(new MockActivityEnvironment().run(activities.waitForStart, input)).resolves.toEqual({ state: 'Running' });
    expect(joined).toEqual([{ minIntervalMs: 10, readsPerPoll: 1, flowName: 'etl', urgentFirstPoll: true }]);
    expect(turns()).toBe(gateway.calls.getContainerGroup);
    expect(started).toEqual([Date.parse('2024-05-01T10:00:00Z')]);
  });

  it('returns the exit code when the container already terminated', async () => {
    const { gateway, activities } = setup();
    gateway.state = { state: 'Terminated', exitCode: 2 };
    const input = { target: TARGET, deadlineEpochMs: Date.now() + 10_000, timeoutSeconds: 10, pollIntervalSeconds: 0.01 };
    await expect(new MockActivityEnvironment().run(activities.waitForStart, input)).resolves.toEqual({ state: 'Terminated', exitCode: 2 });
  });

  it('fails non-retryably at the deadline with "Timed out after N seconds", the last state and the last event', async () => {
    const { gateway, activities } = setup();
    gateway.state = { state: 'Waiting', detailStatus: 'ErrImagePull' };
    gateway.events = [
      { type: 'Normal', name: 'Pulling', message: 'pulling image "x"', lastTimestamp: '2024-05-01T10:00:00Z' },
      { type: 'Warning', name: 'Failed', message: 'Failed to pull image "x"', lastTimestamp: '2024-05-01T10:00:05Z' },
    ];
    const input = { target: TARGET, deadlineEpochMs: Date.now() + 50, timeoutSeconds: 240, pollIntervalSeconds: 0.01 };
    const failure = await failureOf(new MockActivityEnvironment().run(activities.waitForStart, input));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure.type).toBe('ContainerStartTimeout');
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      'Timed out after 240 seconds waiting for container etl (group etl-run-1) to start; last state: Waiting (ErrImagePull); ' +
        'last event: Warning: Failed: Failed to pull image "x". Check the image and registry access, or raise task_start_timeout_seconds.',
    );
  });

  it('keeps the deadline the workflow fixed, so a retried attempt does not restart the clock', async () => {
    const { gateway, activities } = setup(() => 2_000);
    const input = { target: TARGET, deadlineEpochMs: 1_000, timeoutSeconds: 1, pollIntervalSeconds: 5 };
    gateway.onPoll = (poll) => expect(poll).toBe(1);
    const started = Date.now();
    const failure = await failureOf(new MockActivityEnvironment({ attempt: 3 }).run(activities.waitForStart, input));
    expect(failure.type).toBe('ContainerStartTimeout');
    expect(Date.now() - started).toBeLessThan(1_000);
  });

  describe('when polls fail', () => {
    const input = () => ({ target: TARGET, deadlineEpochMs: Date.now() + 60_000, timeoutSeconds: 60, pollIntervalSeconds: 0.005 });
    const pollErrorsIn = (heartbeats: unknown[]) => heartbeats.map((details) => (details as { lastPollError?: PollError } | undefined)?.lastPollError);

    it('keeps polling through credential, 401, 403, 5xx, network and unknown errors, heartbeating each, and returns once the container runs', async () => {
      const { gateway, activities } = setup();
      const errors = transientPollErrors();
      gateway.failNextCalls.getContainerGroup = errors.map((entry) => entry.error);
      gateway.state = { state: 'Running' };
      const env = new MockActivityEnvironment();
      const heartbeats: unknown[] = [];
      env.on('heartbeat', (details) => heartbeats.push(details));

      await expect(env.run(activities.waitForStart, input())).resolves.toEqual({ state: 'Running' });

      expect(gateway.calls.getContainerGroup).toBe(errors.length + 1);
      const streak = pollErrorsIn(heartbeats).filter((error): error is PollError => error !== undefined);
      expect([...new Set(streak.map((error) => error.attempts))]).toEqual(errors.map((_, index) => index + 1));
      for (const [index, { mentions }] of errors.entries()) {
        expect(streak.find((error) => error.attempts === index + 1)?.message).toContain(mentions);
      }
      expect(pollErrorsIn(heartbeats).at(-1)).toBeUndefined();
    });

    it('ends TimedOut at the deadline when polls kept failing, naming the last polling error', async () => {
      const { gateway, activities } = setup();
      gateway.failNextCalls.getContainerGroup = Array.from({ length: 10_000 }, () => new RestError('Internal server error', { statusCode: 500 }));
      const failure = await failureOf(
        new MockActivityEnvironment().run(activities.waitForStart, { ...input(), deadlineEpochMs: Date.now() + 300, timeoutSeconds: 240 }),
      );
      expect(failure).toMatchObject({ type: 'ContainerStartTimeout', nonRetryable: true });
      expect(failure.message).toMatch(
        /^Timed out after 240 seconds waiting for container etl \(group etl-run-1\) to start; last state: unknown \(no instance view yet\); last event: none; last polling error: Http500 \(HTTP 500\).* \(\d+ failed polls in a row, latest at .+\)\. Check the image/,
      );
    });

    it('still ends the run as ContainerGroupDisappeared once the group is gone', async () => {
      const { gateway, activities } = setup();
      gateway.failNextCalls.getContainerGroup = [new RestError('Internal server error', { statusCode: 500 })];
      gateway.exists = false;
      const failure = await failureOf(new MockActivityEnvironment().run(activities.waitForStart, input()));
      expect(failure).toMatchObject({ type: 'ContainerGroupDisappeared', nonRetryable: true });
      expect(gateway.calls.getContainerGroup).toBe(2);
    });

    it('stops promptly when cancelled while backing off after failed polls', async () => {
      const { gateway, activities } = setup();
      gateway.failNextCalls.getContainerGroup = Array.from({ length: 100 }, () => new Error('boom'));
      const env = new MockActivityEnvironment();
      env.on('heartbeat', (details) => {
        if ((details as { lastPollError?: PollError } | undefined)?.lastPollError) env.cancel();
      });
      const started = Date.now();
      await expect(env.run(activities.waitForStart, { ...input(), pollIntervalSeconds: 60 })).rejects.toBeInstanceOf(CancelledFailure);
      expect(Date.now() - started).toBeLessThan(5_000);
    });
  });
});
