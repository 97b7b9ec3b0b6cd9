/** Reading a flow run's container out of a container group's instance view. */
import { ApplicationFailure } from '@temporalio/common';
import type { AciGateway, ContainerEvent, ContainerGroupView, ContainerState, ContainerView } from '../azure/gateway';
import { FailureTypes, type PollError } from '../workflows/definitions';
import { heartbeatWhile } from './heartbeats';
import type { PollHeartbeat } from './pollLoop';
import type { PollTurn, RunPolls } from '../polling/pollScheduler';
import { ARM_PRIORITY } from '../budget/rateLimiter';
import type { FlowRunTarget } from './types';

export interface RunContainerRead {
  group: ContainerGroupView;
  state: ContainerState | undefined;
}

/**
 * One poll's read of the run's container group, heartbeating while it waits for the budget.
 * A missing group ends the run: nothing is left to watch, and its exit code is lost with it.
 * `whileDoing` says what the run was doing, for that message.
 */
export async function readRunContainer(
  gateway: AciGateway,
  target: FlowRunTarget,
  polls: RunPolls,
  heartbeat: PollHeartbeat,
  abortSignal: AbortSignal,
  whileDoing: string,
  turn?: PollTurn,
): Promise<RunContainerRead> {
  const options = turn?.urgent ? { abortSignal, priority: ARM_PRIORITY.urgentPoll } : { abortSignal };
  const group = await heartbeatWhile(gateway.getContainerGroup(target, options), heartbeat);
  if (!group) {
    throw ApplicationFailure.nonRetryable(
      `Container group ${target.containerGroupName} disappeared ${whileDoing} (exit code unknown)`,
      FailureTypes.groupDisappeared,
    );
  }
  const state = findContainer(group, target.containerName)?.currentState;
  // The run's age counts from its container's start, for the scheduler's priorities.
  if (state?.startTime) polls.started(Date.parse(state.startTime));
  return { group, state };
}

export function findContainer(group: ContainerGroupView, containerName: string): ContainerView | undefined {
  return group.containers.find((container) => container.name === containerName) ?? group.containers[0];
}

/** "Waiting (Pulling image)" — what the container is doing, for timeout messages. */
export function describeState(container: ContainerView | undefined): string {
  const state = container?.currentState;
  if (!state) return 'unknown (no instance view yet)';
  return state.detailStatus ? `${state.state} (${state.detailStatus})` : state.state;
}

/** The most recent event of the container or its group, e.g. an image pull error. */
export function describeLastEvent(group: ContainerGroupView | undefined, container: ContainerView | undefined): string {
  const events: ContainerEvent[] = [...(group?.events ?? []), ...(container?.events ?? [])];
  const stamp = (event: ContainerEvent) => Date.parse(event.lastTimestamp ?? event.firstTimestamp ?? '') || 0;
  const last = events.sort((a, b) => stamp(a) - stamp(b)).at(-1);
  if (!last) return 'none';
  return [last.type, last.name, last.message].filter(Boolean).join(': ');
}

/** "<message> (3 failed polls in a row, latest at …)" — for timeout messages and `aci-flow status`. */
export function describePollError(error: PollError): string {
  const polls = error.attempts === 1 ? '1 failed poll' : `${error.attempts} failed polls in a row`;
  return `${error.message} (${polls}, latest at ${error.at})`;
}
