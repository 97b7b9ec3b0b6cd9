/**
 * The activities of a flow run, built over their dependencies so tests and the worker
 * choose the gateway (Azure, the emulator or a fake) and the log sink.
 */
import type { AciGateway } from '../azure/gateway';
import { secretResolverFromEnvironment, type SecretResolver } from '../config/secrets';
import { cancelDeploymentActivity, deleteContainerGroupActivity, stopContainerGroupActivity } from './cleanup';
import { deployActivity } from './deploy';
import type { FlowRunLogSink } from './logSink';
import { createPollScheduler, type PollScheduler } from './pollScheduler';
import { waitForStartActivity } from './waitForStart';
import { watchActivity } from './watch';

export type { FlowRunLogSink, FlowRunLogWriter } from './logSink';
export { createFlowRunLogSink } from './logSink';
export type * from './types';

export interface Clock {
  now(): number;
}

export interface ActivityDeps {
  gateway: AciGateway;
  /** Where streamed container log lines go (createFlowRunLogSink: worker output and optional per-run files). */
  logSink: FlowRunLogSink;
  /** Values for `secretref:NAME` (default: ACI_FLOW_SECRETS_DIR files, then environment variables). */
  resolveSecret?: SecretResolver;
  clock?: Clock;
  /**
   * When each run may poll Azure next. The worker passes one shared by all its runs (adaptive
   * ARM budget); the default polls each run at its own task_watch_poll_interval.
   */
  pollScheduler?: PollScheduler;
}

export function createActivities(deps: ActivityDeps) {
  const clock = deps.clock ?? { now: () => Date.now() };
  const pollScheduler = deps.pollScheduler ?? createPollScheduler({ strategy: 'fixed' });
  return {
    deploy: deployActivity(deps.gateway, deps.resolveSecret ?? secretResolverFromEnvironment()),
    waitForStart: waitForStartActivity(deps.gateway, clock, pollScheduler),
    watch: watchActivity(deps.gateway, deps.logSink, clock, pollScheduler),
    cancelDeployment: cancelDeploymentActivity(deps.gateway),
    deleteContainerGroup: deleteContainerGroupActivity(deps.gateway),
    stopContainerGroup: stopContainerGroupActivity(deps.gateway),
  };
}

export type FlowRunActivities = ReturnType<typeof createActivities>;
