import { ApplicationFailure } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../../src/activities';
import { FakeGateway, memoryLogSink, TARGET, failureOf } from './fakeGateway';

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
});
