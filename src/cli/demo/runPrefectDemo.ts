/**
 * `aci-flow demo --prefect`: a Prefect deployment running through aci-flow, on one laptop.
 * Starts what `aci-flow demo` starts plus `prefect server start` (tools/prefect-venv, SQLite in
 * a temporary PREFECT_HOME), deploys examples/prefect/hello_flow.py from its folder to an
 * `azure-container-instance` work pool, runs the bridge (`runPrefectWorker`) in-process,
 * creates flow runs and prints their Prefect states and aci-flow phases as they happen, with
 * both UIs' links; then each run's Prefect state history beside its Temporal history.
 */
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { type Client, isGrpcServiceError, WorkflowNotFoundError } from '@temporalio/client';
import { defaultBaseJobTemplate } from '../../config';
import { fixedPoolSource, type PoolSource } from '../../config/poolSource';
import { createPrefectApi, done, type FlowRun, ok, type PrefectApi, type StateType } from '../../prefect/api/client';
import { runPrefectWorker } from '../../prefect';
import { workflowIdForFlowRun } from '../../workflows/definitions';
import { closeAll, type Closer, installDemoRuntime, type LocalStack, startLocalStack } from './localStack';
import { phasesInHistory } from './phases';
import { createDemoDeployment, createDemoFlowRun } from './prefectDeployment';
import type { PrefectDemoOutcome } from '../prefectDemoOutcomes';
import { type PrefectServer, startPrefectServer } from '../../localServices';
import { formatSideBySide, prefectStateHistory, temporalEventHistory } from './stateHistory';

export const PREFECT_DEMO_POOL = 'aci-demo-pool';
const RESOURCE_GROUP = 'aci-flow-demo';
const SUBSCRIPTION_ID = '00000000-0000-0000-0000-000000000000';

/** The demo's Prefect pool is created with aci-flow's default template (ensurePool), so the worker renders from the same. */
function demoPool(): PoolSource {
  return fixedPoolSource({ name: PREFECT_DEMO_POOL, base_job_template: defaultBaseJobTemplate(), source: `Prefect work pool "${PREFECT_DEMO_POOL}"` });
}

interface DemoCase {
  expected: StateType;
  what: string;
  body: { parameters?: Record<string, unknown>; job_variables?: Record<string, unknown> };
  cancelWhenRunning?: boolean;
}

const CASES: Record<PrefectDemoOutcome, DemoCase> = {
  completed: { expected: 'COMPLETED', what: 'the flow prints five steps and returns', body: { parameters: {} } },
  crashed: {
    expected: 'CRASHED',
    what: 'its container exits with code 3 before the flow starts',
    body: { job_variables: { command: "sh -c 'echo the container dies before the flow starts; exit 3'" } },
  },
  cancelled: {
    expected: 'CANCELLED',
    what: 'a 60-step flow, cancelled in Prefect once it is Running',
    body: { parameters: { steps: 60 } },
    cancelWhenRunning: true,
  },
};

const FINAL_STATES: ReadonlySet<string> = new Set(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED']);
/** A run that has not ended by then is reported as such instead of holding the demo forever. */
const RUN_TIMEOUT_MS = 300_000;

export interface PrefectDemoOptions {
  outcomes: PrefectDemoOutcome[];
  /** Stop everything once the runs have finished instead of keeping the UIs up (CI, tests). */
  exitWhenDone: boolean;
  /** Preferred ports; taken ones are replaced by free ones. */
  port: number;
  uiPort: number;
  prefectPort: number;
  /** Aborted on Ctrl-C. */
  signal: AbortSignal;
  write: (line: string) => void;
}

export interface PrefectDemoResult {
  outcome: PrefectDemoOutcome;
  flowRunId: string;
  expected: StateType;
  /** The flow run's final Prefect state type. */
  state: string;
}

/** Runs the demo; resolves with each run's result once everything is shut down, or undefined after Ctrl-C. */
export async function runPrefectDemo(options: PrefectDemoOptions): Promise<PrefectDemoResult[] | undefined> {
  const { write, signal } = options;
  const closers: Closer[] = [];
  // Crashed and cancelled runs are what the demo shows, not worker trouble to warn about.
  installDemoRuntime('ERROR');
  try {
    const [stackStarted, prefectStarted] = await Promise.allSettled([
      startLocalStack(
        { workPool: PREFECT_DEMO_POOL, pool: demoPool(), resourceGroups: [RESOURCE_GROUP], port: options.port, uiPort: options.uiPort, write },
        closers,
      ),
      startPrefectServer({ ui: true, port: options.prefectPort }).then((server) => {
        closers.push(server.stop);
        write(`Prefect server and UI: ${server.uiUrl} (SQLite in ${server.home})`);
        return server;
      }),
    ]);
    if (stackStarted.status === 'rejected') throw stackStarted.reason;
    if (prefectStarted.status === 'rejected') throw prefectStarted.reason;
    const stack = stackStarted.value;
    const prefect = prefectStarted.value;
    if (signal.aborted) return undefined;

    const api = createPrefectApi({ apiUrl: prefect.apiUrl });
    const deploymentId = await createDemoDeployment(api, {
      workPool: PREFECT_DEMO_POOL,
      resourceGroup: RESOURCE_GROUP,
      subscriptionId: SUBSCRIPTION_ID,
      prefectBinDir: prefect.binDir,
      flowRunHome: join(prefect.home, 'flow-runs'),
    });
    write(`Deployed hello-prefect/local-folder (examples/prefect/hello_flow.py) to work pool "${PREFECT_DEMO_POOL}" (type azure-container-instance)`);

    const bridgeStop = new AbortController();
    const bridge = runPrefectWorker({
      workPool: PREFECT_DEMO_POOL,
      name: 'aci-flow-demo',
      prefect: { apiUrl: prefect.apiUrl },
      temporal: stack.client,
      // The container's lines reach the flow run's logs in the Prefect UI too.
      logSource: { blob: stack.blobLogs },
      pollSeconds: 1,
      heartbeatSeconds: 10,
      signal: bridgeStop.signal,
      log: (line) => write(`  [prefect-worker] ${line}`),
    }).catch((err) => write(`  [prefect-worker] stopped: ${err instanceof Error ? err.message : String(err)}`));
    // Before the Temporal connection closes under it.
    closers.push(async () => {
      bridgeStop.abort();
      await bridge;
    });

    const results: PrefectDemoResult[] = [];
    for (const outcome of options.outcomes) {
      const result = await showRun({ api, stack, prefect, deploymentId, signal, write }, outcome);
      if (!result) return undefined;
      results.push(result);
    }

    write('');
    for (const result of results) write(`${result.outcome.padEnd(9)}  flow run ${result.flowRunId}: ${result.state} (expected ${result.expected})`);
    write('');
    if (!options.exitWhenDone) {
      write(`The Temporal UI (${stack.uiUrl}) and the Prefect UI (${prefect.uiUrl}) stay up — press Ctrl-C to stop everything.`);
      await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
    }
    return results;
  } finally {
    write('Shutting down the bridge, the Prefect server, the worker, the emulator and the dev server ...');
    await closeAll(closers, write);
  }
}

interface DemoContext {
  api: PrefectApi;
  stack: LocalStack;
  prefect: PrefectServer;
  deploymentId: string;
  signal: AbortSignal;
  write: (line: string) => void;
}

async function showRun(ctx: DemoContext, outcome: PrefectDemoOutcome): Promise<PrefectDemoResult | undefined> {
  const { api, stack, prefect, write } = ctx;
  const demoCase = CASES[outcome];
  const created = await createDemoFlowRun(api, ctx.deploymentId, demoCase.body, ctx.signal);
  const workflowId = workflowIdForFlowRun(created.id);
  write('');
  write(`Flow run ${created.name ?? created.id} (${created.id}), ${outcome}: ${demoCase.what}`);
  write(`  Prefect UI:  ${prefect.uiUrl}/runs/flow-run/${created.id}`);
  write(`  Temporal UI: ${stack.workflowUrl(workflowId)}`);

  const run = await followRun(ctx, created.id, demoCase);
  if (!run) return undefined;
  const handle = stack.client.workflow.getHandle(workflowId);
  // Both read before printing, so the table comes out in one piece between the bridge's lines.
  const table = formatSideBySide(await prefectStateHistory(api, created.id), await temporalEventHistory(handle));
  write(`  Prefect state history beside the Temporal history of ${workflowId}:`);
  for (const line of table) write(`    ${line}`);
  return { outcome, flowRunId: created.id, expected: demoCase.expected, state: run.state_type ?? 'none' };
}

/** Prints the run's Prefect states and aci-flow phases as they happen, until both sides have finished. */
async function followRun(ctx: DemoContext, flowRunId: string, demoCase: DemoCase): Promise<FlowRun | undefined> {
  const { api, stack, signal, write } = ctx;
  const handle = stack.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
  const deadline = Date.now() + RUN_TIMEOUT_MS;
  let lastState = '';
  let phasesPrinted = 0;
  let cancelSent = false;
  while (!signal.aborted) {
    const run = ok(`GET /flow_runs/${flowRunId}`, await api.GET('/flow_runs/{id}', { params: { path: { id: flowRunId } } }));
    const state = `${run.state_name ?? run.state_type ?? 'none'}${run.state?.message ? ` (${run.state.message})` : ''}`;
    if (state !== lastState) write(`  Prefect: ${state}`);
    lastState = state;
    // Closed is read before the phases, so a closed run's phases are all there.
    const closed = await workflowClosed(stack.client, flowRunId);
    const phases = await phasesInHistory(handle).catch(ignoreNotFound);
    for (const phase of phases.slice(phasesPrinted)) write(`  aci-flow: ${phase}`);
    phasesPrinted = Math.max(phasesPrinted, phases.length);
    if (FINAL_STATES.has(run.state_type ?? '') && closed) return run;
    if (demoCase.cancelWhenRunning && !cancelSent && run.state_type === 'RUNNING') {
      write('  cancelling it in Prefect (state Cancelling) ...');
      done(
        `POST /flow_runs/${flowRunId}/set_state`,
        await api.POST('/flow_runs/{id}/set_state', {
          params: { path: { id: flowRunId } },
          body: { state: { type: 'CANCELLING', name: 'Cancelling' }, force: false } as never,
        }),
      );
      cancelSent = true;
    }
    if (Date.now() > deadline) throw new Error(`flow run ${flowRunId} has not finished within ${RUN_TIMEOUT_MS / 1000} s; last Prefect state ${state}`);
    await sleep(300, undefined, { signal }).catch(() => undefined);
  }
  return undefined;
}

async function workflowClosed(client: Client, flowRunId: string): Promise<boolean> {
  try {
    const description = await client.workflow.getHandle(workflowIdForFlowRun(flowRunId)).describe();
    return description.status.name !== 'RUNNING';
  } catch (err) {
    if (notStartedYet(err)) return false;
    throw err;
  }
}

function ignoreNotFound(err: unknown): string[] {
  if (notStartedYet(err)) return [];
  throw err;
}

/** The bridge has not started the workflow yet: describe() says so in a WorkflowNotFoundError, fetchHistory() with gRPC NOT_FOUND (5). */
function notStartedYet(err: unknown): boolean {
  return err instanceof WorkflowNotFoundError || (isGrpcServiceError(err) && err.code === 5);
}
