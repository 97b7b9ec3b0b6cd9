/**
 * The activities of a flow run, built over their dependencies so tests and the worker
 * choose the gateway (Azure, the emulator or a fake) and the log sink.
 */
import type { AciGateway } from '../azure/gateway';
import type { GatewayFor } from '../azure/gatewayFactory';
import { type PoolSource, withPoolSecrets } from '../config/poolSource';
import { isBlockSecretName, isSecretRef, secretRefName } from '../config/secretReferences';
import { secretResolverFromEnvironment, type SecretResolver } from '../config/secrets';
import { type Clock, systemClock } from '../common/clock';
import { type AciFlowMetrics, noopMetrics, type RunPhase } from '../common/metrics';
import { cancelDeploymentActivity, deleteContainerGroupActivity, stopContainerGroupActivity } from './cleanup';
import { deployActivity } from './deploy';
import { renderFlowRunActivity } from './render';
import type { FlowRunLogSink } from './logSink';
import { createPollScheduler, type PollScheduler } from '../polling/pollScheduler';
import { waitForStartActivity } from './waitForStart';
import { watchActivity } from './watch';

export type { FlowRunLogSink, FlowRunLogWriter } from './logSink';
export { createFlowRunLogSink } from './logSink';
export type * from './types';

export interface ActivityDeps {
  /** The worker's own gateway, for runs whose pool names no aci_credentials. */
  gateway: AciGateway;
  /**
   * The gateway for a run's identity (createGatewayFactory: one per pool credential and
   * subscription, cached). Default: `gateway` for every run.
   */
  gatewayFor?: GatewayFor;
  /** Where streamed container log lines go (createFlowRunLogSink: worker output and optional per-run files). */
  logSink: FlowRunLogSink;
  /**
   * The pool configuration the worker renders every run from (the workflow input carries only
   * the run's values). Without it, renderFlowRun and deploy refuse every run.
   */
  pool?: PoolSource;
  /**
   * Values for `secretref:NAME` (default: ACI_FLOW_SECRETS_DIR files, then environment
   * variables); the pool's block secrets (`prefect-block-…`) come from `pool` only.
   */
  resolveSecret?: SecretResolver;
  /** Time for deadlines and timestamps (default: the system clock); activities sleep through their Temporal context. */
  clock?: Pick<Clock, 'now'>;
  /**
   * When each run may poll Azure next. The worker passes one shared by all its runs (one ARM
   * read budget, by default spent by exit likelihood); the default polls each run at its own
   * task_watch_poll_interval.
   */
  pollScheduler?: PollScheduler;
  /** Runs in flight per phase, polls and exit-detection lag (default: not recorded). */
  metrics?: AciFlowMetrics;
}

export function createActivities(deps: ActivityDeps) {
  const clock = deps.clock ?? systemClock;
  const pollScheduler = deps.pollScheduler ?? createPollScheduler({ strategy: 'fixed' });
  const metrics = deps.metrics ?? noopMetrics;
  const gatewayFor = deps.gatewayFor ?? (() => deps.gateway);
  const resolveSecret = withPoolSecrets(deps.pool, deps.resolveSecret ?? secretResolverFromEnvironment());
  const inPhase = <A extends [unknown, ...unknown[]], R>(phase: RunPhase, activity: (...args: A) => Promise<R>) =>
    inPhaseOf(metrics, phase, withPoolCredentials(deps.pool, activity));
  return {
    // Not a phase of its own: a few milliseconds of CPU before deploy.
    renderFlowRun: renderFlowRunActivity(deps.pool),
    deploy: inPhase('deploy', deployActivity(gatewayFor, resolveSecret, deps.pool)),
    waitForStart: inPhase('waitForStart', waitForStartActivity(gatewayFor, clock, pollScheduler, metrics)),
    watch: inPhase('watch', watchActivity(gatewayFor, deps.logSink, clock, pollScheduler, metrics)),
    cancelDeployment: inPhase('deploy', cancelDeploymentActivity(gatewayFor)),
    deleteContainerGroup: inPhase('cleanup', deleteContainerGroupActivity(gatewayFor)),
    stopContainerGroup: inPhase('cleanup', stopContainerGroupActivity(gatewayFor)),
  };
}

/**
 * A run whose pool's aci_credentials come from a Prefect block calls Azure with the block's
 * client secret, which the worker holds in memory once it has loaded the pool. An activity on
 * a worker that has not (it restarted after the deploy) loads the pool first.
 */
function withPoolCredentials<A extends [unknown, ...unknown[]], R>(
  pool: PoolSource | undefined,
  activity: (...args: A) => Promise<R>,
): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    const name = blockSecretOf(args[0]);
    if (pool && name !== undefined && pool.operatorSecret?.(name) === undefined) await pool.loadPool();
    return activity(...args);
  };
  Object.defineProperty(wrapped, 'name', { value: activity.name });
  return wrapped;
}

/** The block secret an activity input's aci_credentials reference, if any (inputs carry them as `credentials` or `target.credentials`). */
function blockSecretOf(input: unknown): string | undefined {
  const scope = input as { credentials?: { client_secret?: unknown } | null; target?: { credentials?: { client_secret?: unknown } | null } } | undefined;
  const secret = scope?.credentials?.client_secret ?? scope?.target?.credentials?.client_secret;
  return isSecretRef(secret) && isBlockSecretName(secretRefName(secret)) ? secretRefName(secret) : undefined;
}

/** Keeps the activity's name (Temporal registers activities by the object's keys, the name shows in stack traces). */
function inPhaseOf<A extends unknown[], R>(metrics: AciFlowMetrics, phase: RunPhase, activity: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  const wrapped = async (...args: A): Promise<R> => {
    const ended = metrics.phaseStarted(phase);
    try {
      return await activity(...args);
    } finally {
      ended();
    }
  };
  Object.defineProperty(wrapped, 'name', { value: activity.name });
  return wrapped;
}

export type FlowRunActivities = ReturnType<typeof createActivities>;
