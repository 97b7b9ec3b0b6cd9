import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { AciGateway } from '../azure/gateway';
import { FailureTypes } from '../workflows/definitions';
import { describeLastEvent, describeState, findContainer } from './containerState';
import { azureCall } from './failures';
import { heartbeatWhile } from './heartbeats';
import type { Clock } from './index';
import type { PollScheduler } from './pollScheduler';
import type { WaitForStartInput, WaitForStartOutput } from './types';

/**
 * Polls the group until its container runs or has already terminated. The deadline is the
 * workflow's, so a retry on another worker does not restart the clock.
 */
export function waitForStartActivity(gateway: AciGateway, clock: Clock, pollScheduler: PollScheduler) {
  return async function waitForStart(input: WaitForStartInput): Promise<WaitForStartOutput> {
    const context = Context.current();
    const { target } = input;
    const polls = pollScheduler.join(target.containerGroupName, {
      minIntervalMs: input.pollIntervalSeconds * 1000,
      readsPerPoll: 1,
    });
    try {
      for (;;) {
        // The first poll goes at once, later ones when the worker's shared ARM budget allows;
        // a queued read can outlast the heartbeat timeout under load, hence the heartbeats.
        await heartbeatWhile(polls.next(context.cancellationSignal));
        const group = await heartbeatWhile(
          azureCall(() => gateway.getContainerGroup(target, { abortSignal: context.cancellationSignal })),
        );
        if (!group) {
          throw ApplicationFailure.nonRetryable(
            `Container group ${target.containerGroupName} disappeared while waiting for its container to start (exit code unknown)`,
            FailureTypes.groupDisappeared,
          );
        }
        const container = findContainer(group, target.containerName);
        const state = container?.currentState;
        if (state?.state === 'Running') return { state: 'Running' };
        if (state?.state === 'Terminated') return { state: 'Terminated', exitCode: state.exitCode };
        if (clock.now() >= input.deadlineEpochMs) {
          throw ApplicationFailure.create({
            type: FailureTypes.startTimeout,
            nonRetryable: true,
            message:
              `Timed out after ${input.timeoutSeconds} seconds waiting for container ${target.containerName} ` +
              `(group ${target.containerGroupName}) to start; last state: ${describeState(container)}; ` +
              `last event: ${describeLastEvent(group, container)}. ` +
              'Check the image and registry access, or raise task_start_timeout_seconds.',
            details: [{ lastState: state ?? null, timeoutSeconds: input.timeoutSeconds }],
          });
        }
      }
    } finally {
      polls.leave();
    }
  };
}
