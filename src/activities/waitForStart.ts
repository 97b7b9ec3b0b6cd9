import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { ContainerGroupView } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import { gatewayOf } from './failures';
import { type AciFlowMetrics, noopMetrics } from '../common/metrics';
import { FailureTypes, type PollError } from '../workflows/definitions';
import { describeLastEvent, describePollError, describeState, findContainer, readRunContainer } from './containerState';
import type { Clock } from '../common/clock';
import { pollUntilDone } from './pollLoop';
import type { PollScheduler } from '../polling/pollScheduler';
import type { WaitForStartInput, WaitForStartOutput } from './types';

/**
 * Polls the group until its container runs or has already terminated. The deadline is the
 * workflow's, so a retry on another worker does not restart the clock. Failed polls are
 * retried (pollLoop) until the deadline; only a missing group or the deadline ends the run.
 */
export function waitForStartActivity(gatewayFor: GatewayFor, clock: Pick<Clock, 'now'>, pollScheduler: PollScheduler, metrics: AciFlowMetrics = noopMetrics) {
  return async function waitForStart(input: WaitForStartInput): Promise<WaitForStartOutput> {
    const context = Context.current();
    const { target } = input;
    const gateway = gatewayOf(gatewayFor, target);
    const polls = pollScheduler.join(target.containerGroupName, {
      minIntervalMs: input.pollIntervalSeconds * 1000,
      readsPerPoll: 1,
      flowName: input.flowName,
      // The first poll asks whether the container started, which the exit odds do not weigh: left to
      // them, a young run waited until overdue, and a short run was first seen after it had exited.
      urgentFirstPoll: true,
    });
    // What the last successful poll saw, for a timeout that strikes while polls are failing.
    let lastSeen: ContainerGroupView | undefined;
    try {
      return await pollUntilDone<WaitForStartOutput>({
        polls,
        pollIntervalMs: input.pollIntervalSeconds * 1000,
        clock,
        wakeBy: input.deadlineEpochMs,
        metrics: { recorder: metrics, phase: 'waitForStart' },
        poll: async (details, turn) => {
          const { group, state } = await readRunContainer(
            gateway,
            target,
            polls,
            details(),
            context.cancellationSignal,
            'while waiting for its container to start',
            turn,
          );
          lastSeen = group;
          if (state?.state === 'Running') return { state: 'Running' };
          // watch follows and learns the duration from its own poll.
          if (state?.state === 'Terminated') return { state: 'Terminated', exitCode: state.exitCode };
          if (clock.now() >= input.deadlineEpochMs) throw startTimeout(input, lastSeen);
          return undefined;
        },
        afterFailedPoll: (error) => {
          if (clock.now() >= input.deadlineEpochMs) throw startTimeout(input, lastSeen, error);
        },
      });
    } finally {
      polls.leave();
    }
  };
}

function startTimeout(input: WaitForStartInput, group: ContainerGroupView | undefined, pollError?: PollError): ApplicationFailure {
  const { target } = input;
  const container = group && findContainer(group, target.containerName);
  return ApplicationFailure.create({
    type: FailureTypes.startTimeout,
    nonRetryable: true,
    message:
      `Timed out after ${input.timeoutSeconds} seconds waiting for container ${target.containerName} ` +
      `(group ${target.containerGroupName}) to start; last state: ${describeState(container)}; ` +
      `last event: ${describeLastEvent(group, container)}` +
      (pollError ? `; last polling error: ${describePollError(pollError)}` : '') +
      '. Check the image and registry access, or raise task_start_timeout_seconds.',
    details: [{ lastState: container?.currentState ?? null, timeoutSeconds: input.timeoutSeconds, ...(pollError ? { lastPollError: pollError } : {}) }],
  });
}
