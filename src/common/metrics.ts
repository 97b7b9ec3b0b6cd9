/**
 * aci-flow's own metrics (`aci_flow_*`), recorded by the gateway, the ARM limiter, the
 * activities and the worker through one injected object. The worker builds it over the
 * registry it serves on its metrics address; everything else defaults to `noopMetrics`, so
 * code and tests that do not care about metrics pass nothing. docs/operations.md lists them.
 */
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** How ARM counts a request against its throttling buckets. */
export type ArmRequestClass = 'read' | 'write' | 'delete';
/** ok: ARM answered (404 included: the gateway asks whether things exist); throttled: 429; error: any other failure. */
export type ArmRequestOutcome = 'ok' | 'throttled' | 'error';
/**
 * What an ARM request was for. `state` and `logs` are a run's polls; the lifecycle reads of a
 * run are the others (docs/benchmark.md, "Reads per run"): `groupCheck` (is a group of the
 * run's name there before deploying, and whose), `adoptCheck` (an earlier attempt's
 * deployment), `deploy` (the PUT, its operation-status polls and final GET), `deployFailure`
 * (the cause of a failed deployment), `ownership` (cleanup's look at the group's tags),
 * `stop`, `delete` (DELETEs and any result polls) and `cancel`. `sweep` is the orphan
 * sweeper's listing; `other` anything else.
 */
export type ArmPurpose =
  'state' | 'logs' | 'groupCheck' | 'adoptCheck' | 'deploy' | 'deployFailure' | 'ownership' | 'stop' | 'delete' | 'cancel' | 'sweep' | 'other';
/** The purposes that are a run's polls, not its lifecycle. */
export const POLL_PURPOSES: readonly ArmPurpose[] = ['state', 'logs'];
/** The activities a run spends its life in; `cleanup` covers both delete and stop. */
export type RunPhase = 'deploy' | 'waitForStart' | 'watch' | 'cleanup';
export type PollingPhase = Extract<RunPhase, 'waitForStart' | 'watch'>;
export type PollOutcome = 'ok' | 'error';

export const RUN_PHASES: readonly RunPhase[] = ['deploy', 'waitForStart', 'watch', 'cleanup'];

export interface AciFlowMetrics {
  /** One HTTP attempt to ARM (SDK retries and long-running-operation polls count, as ARM counts them). */
  armRequest(requestClass: ArmRequestClass, outcome: ArmRequestOutcome, purpose?: ArmPurpose): void;
  /** How long one request waited for the worker's ARM budget (0 when it went at once). */
  armBudgetWait(requestClass: ArmRequestClass, seconds: number): void;
  /** One status poll of a run's container group. */
  poll(phase: PollingPhase, outcome: PollOutcome): void;
  /**
   * Time from the container's finishTime (as Azure reports it) to the poll that saw it;
   * `hinted` when an exit hint made that poll urgent (also counted on its own histogram).
   */
  exitDetected(lagSeconds: number, hinted?: boolean): void;
  /** An exit hint reached a watch (a hinted watch attempt started, or the log showed the end), by source. */
  exitHint(source: string): void;
  /** A run entered a phase (its activity started); call the returned function when the activity ends. */
  phaseStarted(phase: RunPhase): () => void;
  /** Container log lines written to the log sink (after de-duplication). */
  logLinesWritten(count: number): void;
  /** Orphaned container groups or deployments the sweeper removed. */
  sweeperRemoved(count?: number): void;
}

export const noopMetrics: AciFlowMetrics = {
  armRequest: () => undefined,
  armBudgetWait: () => undefined,
  poll: () => undefined,
  exitDetected: () => undefined,
  exitHint: () => undefined,
  phaseStarted: () => () => undefined,
  logLinesWritten: () => undefined,
  sweeperRemoved: () => undefined,
};

/** Every aci-flow metric, by the name the registry and the Prometheus exposition know it. */
export const METRIC_NAMES = {
  armRequests: 'aci_flow_arm_requests_total',
  armBudgetWait: 'aci_flow_arm_budget_wait_seconds',
  polls: 'aci_flow_polls_total',
  exitDetectionLag: 'aci_flow_exit_detection_lag_seconds',
  hintedExitDetectionLag: 'aci_flow_hinted_exit_detection_lag_seconds',
  exitHints: 'aci_flow_exit_hints_total',
  runsInPhase: 'aci_flow_runs_in_phase',
  logLines: 'aci_flow_log_lines_total',
  sweeperRemovals: 'aci_flow_sweeper_removals_total',
} as const;

/** Budget waits: most are 0; under load they reach the seconds a queue of runs takes to drain. */
const BUDGET_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];
/** Exit detection: about one poll interval (5 s default), longer when the budget stretches the interval. */
const EXIT_LAG_BUCKETS = [0.5, 1, 2, 5, 10, 15, 30, 60, 120, 300];

/** The metrics over `registry`; the worker serves that registry, tests read it. */
export interface PromMetricsOptions {
  /** Every exit hint source, so each shows as 0 from the start (dashboards see 0 rather than no series). */
  exitHintSources?: readonly string[];
}

export function createPromMetrics(registry: Registry, options: PromMetricsOptions = {}): AciFlowMetrics {
  const registers = [registry];
  const armRequests = new Counter({
    name: METRIC_NAMES.armRequests,
    help: 'HTTP attempts to Azure Resource Manager, by request class (read/write/delete), outcome (ok/throttled/error) and purpose (state, logs, deploy, delete, ...)',
    labelNames: ['class', 'outcome', 'purpose'] as const,
    registers,
  });
  const armBudgetWait = new Histogram({
    name: METRIC_NAMES.armBudgetWait,
    help: "Seconds each ARM request waited for the worker's ARM request budget, by request class",
    labelNames: ['class'] as const,
    buckets: BUDGET_WAIT_BUCKETS,
    registers,
  });
  const polls = new Counter({
    name: METRIC_NAMES.polls,
    help: 'Status polls of container groups, by activity (waitForStart/watch) and outcome (ok/error)',
    labelNames: ['phase', 'outcome'] as const,
    registers,
  });
  const exitLag = new Histogram({
    name: METRIC_NAMES.exitDetectionLag,
    help: "Seconds from a container's finishTime to the poll that saw it terminated",
    buckets: EXIT_LAG_BUCKETS,
    registers,
  });
  const hintedExitLag = new Histogram({
    name: METRIC_NAMES.hintedExitDetectionLag,
    help: "Seconds from a container's finishTime to the poll that saw it terminated, for exits an exit hint announced",
    buckets: EXIT_LAG_BUCKETS,
    registers,
  });
  const exitHints = new Counter({
    name: METRIC_NAMES.exitHints,
    help: 'Exit hints that made a run poll at once, by source (prefect, container, client, log, other)',
    labelNames: ['source'] as const,
    registers,
  });
  for (const source of options.exitHintSources ?? []) exitHints.inc({ source }, 0);
  const runsInPhase = new Gauge({
    name: METRIC_NAMES.runsInPhase,
    help: 'Flow runs with an activity in flight on this worker, by phase (deploy/waitForStart/watch/cleanup)',
    labelNames: ['phase'] as const,
    registers,
  });
  // Every phase shows from the start, so dashboards see 0 rather than no series.
  for (const phase of RUN_PHASES) runsInPhase.set({ phase }, 0);
  const logLines = new Counter({
    name: METRIC_NAMES.logLines,
    help: 'Container log lines written to the log sink (worker output and per-run files)',
    registers,
  });
  const sweeperRemovals = new Counter({
    name: METRIC_NAMES.sweeperRemovals,
    help: 'Orphaned container groups and deployments removed by the sweeper',
    registers,
  });

  return {
    armRequest: (requestClass, outcome, purpose = 'other') => armRequests.inc({ class: requestClass, outcome, purpose }),
    armBudgetWait: (requestClass, seconds) => armBudgetWait.observe({ class: requestClass }, seconds),
    poll: (phase, outcome) => polls.inc({ phase, outcome }),
    // A clock skewed ahead of Azure's would give negative lags; they mean "at once".
    exitDetected: (lagSeconds, hinted = false) => {
      exitLag.observe(Math.max(0, lagSeconds));
      if (hinted) hintedExitLag.observe(Math.max(0, lagSeconds));
    },
    exitHint: (source) => exitHints.inc({ source }),
    phaseStarted: (phase) => {
      runsInPhase.inc({ phase });
      let ended = false;
      return () => {
        if (ended) return;
        ended = true;
        runsInPhase.dec({ phase });
      };
    },
    logLinesWritten: (count) => {
      if (count > 0) logLines.inc(count);
    },
    sweeperRemoved: (count = 1) => sweeperRemovals.inc(count),
  };
}
