import { Context } from '@temporalio/activity';

/**
 * Keeps heartbeating while one gateway call is awaited — a deployment, a delete that Azure
 * takes 30–90 s to finish, or a read queued behind the worker's ARM budget — so a live
 * worker is never mistaken for a dead one, and a dead one is still noticed by heartbeat
 * timeout instead of the much longer start-to-close timeout. (The SDK throttles the RPCs.)
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
