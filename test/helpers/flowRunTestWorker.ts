import { Worker, type WorkerOptions } from '@temporalio/worker';
import type { FlowRunActivities } from '../../src/activities';
import { createRunControlActivities, type RunControlActivities } from '../../src/activities/runControl';
import { createRunSettingsActivities } from '../../src/activities/runSettings';
import { workflowsPath } from '../../src/workerHost';
import { sharedWorkflowBundle, TEST_HEARTBEAT_TIMEOUT_MS } from './stack';
import type { TestDevServer } from './temporal';

export interface FlowRunTestWorkerOptions {
  taskQueue: string;
  /** The scripted run activities (deploy, waitForStart, watch, cleanup). */
  activities: FlowRunActivities;
  /** Replaces some of the real run-control activities, e.g. to watch them being called. */
  runControl?: Partial<RunControlActivities>;
  maxHeartbeatThrottleInterval?: WorkerOptions['maxHeartbeatThrottleInterval'];
}

/**
 * A worker running the flow-run workflow against scripted activities, with the real run-settings
 * and run-control activities (a signalled run asks this dev server to cancel it), from the bundle
 * globalSetup made, or from source when a file runs without it.
 */
export async function flowRunTestWorker(env: TestDevServer, options: FlowRunTestWorkerOptions): Promise<Worker> {
  const bundle = sharedWorkflowBundle();
  return Worker.create({
    connection: env.nativeConnection,
    taskQueue: options.taskQueue,
    activities: {
      ...options.activities,
      ...createRunSettingsActivities({ pollHeartbeatTimeoutMs: TEST_HEARTBEAT_TIMEOUT_MS }),
      ...createRunControlActivities({ client: env.client }),
      ...options.runControl,
    },
    ...(bundle ? { workflowBundle: bundle } : { workflowsPath: workflowsPath() }),
    ...(options.maxHeartbeatThrottleInterval === undefined ? {} : { maxHeartbeatThrottleInterval: options.maxHeartbeatThrottleInterval }),
  });
}
