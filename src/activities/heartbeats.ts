import { Context } from '@temporalio/activity';

/**
 * Keeps heartbeating while one long gateway call (a deployment, a delete that Azure takes
 * 30–90 s to finish) is awaited, so a crashed worker is noticed by heartbeat timeout
 * instead of the much longer start-to-close timeout.
 */
export async function heartbeatWhile<T>(work: Promise<T>, details?: unknown, intervalMs = 1_000): Promise<T> {
  const context = Context.current();
  context.heartbeat(details);
  const timer = setInterval(() => context.heartbeat(details), intervalMs);
  try {
    return await work;
  } finally {
    clearInterval(timer);
  }
}
