/** Reading a flow run's container out of a container group's instance view. */
import type { ContainerEvent, ContainerGroupView, ContainerView } from '../azure/gateway';
import type { PollError } from '../workflows/definitions';

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
