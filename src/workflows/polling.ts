/**
 * The polling activities of a run (waitForStart, watch) with the heartbeat timeout the
 * worker's setting gives them (ACI_FLOW_HEARTBEAT_TIMEOUT), read once per run through a local
 * activity so replay sees the recorded value.
 */
import { ActivityCancellationType, proxyActivities, proxyLocalActivities } from '@temporalio/workflow';
import type * as activities from '../activities';
import type { RunSettingsActivities } from '../activities/runSettings';

type Activities = ReturnType<typeof activities.createActivities>;

const { runSettings } = proxyLocalActivities<RunSettingsActivities>({ startToCloseTimeout: '10 seconds' });

export async function pollingActivities(): Promise<Pick<Activities, 'waitForStart' | 'watch'>> {
  const { pollHeartbeatTimeoutMs } = await runSettings();
  // Picked off the proxy: awaiting the proxy itself would look up `then` and schedule an activity of that name.
  const { waitForStart, watch } = proxyActivities<Activities>({
    // Bounded by the run itself: waitForStart by its own deadline, watch by the container exiting.
    startToCloseTimeout: '30 days',
    // A killed worker is noticed within this time and the next attempt resumes from the heartbeat.
    heartbeatTimeout: pollHeartbeatTimeoutMs,
    retry: { initialInterval: '1 second', backoffCoefficient: 2, maximumInterval: '30 seconds' },
    // Cleanup does not depend on these polls having stopped, so cancellation needs no round
    // trip (the heartbeat that would carry it comes only every 80 % of the timeout). A
    // cancelled poll loop stops at its next poll: cleanup deleted the group, or stopped it.
    cancellationType: ActivityCancellationType.TRY_CANCEL,
  });
  return { waitForStart, watch };
}
