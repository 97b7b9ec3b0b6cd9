/**
 * The polling error of a running flow run. waitForStart and watch retry failed polls inside
 * the activity and heartbeat the streak as `lastPollError` (src/activities/pollLoop.ts); the
 * workflow never learns it, so errors cost no history events. Temporal keeps the latest
 * heartbeat details of a pending activity, and `describe()` returns them.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import { decodeFromPayloadsAtIndex } from '@temporalio/common/lib/internal-non-workflow';
import { isPollError, type PollError } from '../workflows/definitions';

/** The activities of src/activities that poll and heartbeat `lastPollError` (the client does not import the worker's code). */
const POLLING_ACTIVITIES: ReadonlySet<string> = new Set(['waitForStart', 'watch']);

export async function lastPollErrorOf(client: Client, description: Pick<WorkflowExecutionDescription, 'raw'>): Promise<PollError | undefined> {
  for (const activity of description.raw.pendingActivities ?? []) {
    if (!POLLING_ACTIVITIES.has(activity.activityType?.name ?? '')) continue;
    const payloads = activity.heartbeatDetails?.payloads as Payload[] | undefined;
    if (!payloads?.length) continue;
    try {
      const details = await decodeFromPayloadsAtIndex<{ lastPollError?: unknown } | null>(client.options.loadedDataConverter, 0, payloads);
      if (isPollError(details?.lastPollError)) return details.lastPollError;
    } catch {
      // Details this client cannot decode (e.g. another codec key): the status is still worth showing without them.
    }
  }
  return undefined;
}
