/**
 * The activities of a flow run, built over their dependencies so tests and the worker
 * choose the gateway (Azure, the emulator or a fake) and the log sink.
 */
import type { AciGateway } from '../azure/gateway';
import { secretResolverFromEnvironment, type SecretResolver } from '../config/secrets';
import { deleteContainerGroupActivity, stopContainerGroupActivity } from './cleanup';
import { deployActivity } from './deploy';
import type { FlowRunLogSink } from './logSink';
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
}

export function createActivities(deps: ActivityDeps) {
  const clock = deps.clock ?? { now: () => Date.now() };
  return {
    deploy: deployActivity(deps.gateway, deps.resolveSecret ?? secretResolverFromEnvironment()),
    waitForStart: waitForStartActivity(deps.gateway, clock),
    watch: watchActivity(deps.gateway, deps.logSink),
    deleteContainerGroup: deleteContainerGroupActivity(deps.gateway),
    stopContainerGroup: stopContainerGroupActivity(deps.gateway),
  };
}

export type FlowRunActivities = ReturnType<typeof createActivities>;
