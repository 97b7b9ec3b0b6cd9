/**
 * Taking a scheduled flow run: propose Pending (the server's answer decides which worker
 * runs it), render the pool's template with the run's job variables, start the aci-flow
 * workflow and record the container group as the flow run's infrastructure.
 */
import { prepareFlowRun, startFlowRun, type StartedFlowRun } from '../client/flowRuns';
import { done, type FlowRun, ok } from './api/client';
import { type BridgeContext, messageOf } from './context';
import { resolveBlockReferences } from './blocks';
import { emitRunEvent, SUBMITTED_EVENT } from './events';
import { jobValues, mergeJobVariables } from './jobVariables';
import type { PrefectPool } from './pool';
import { writeRunLog } from './prefectLogs';
import { proposeState } from './states';

export type Submission = { outcome: 'started'; started: StartedFlowRun } | { outcome: 'declined'; reason: string } | { outcome: 'crashed'; reason: string };

/**
 * Test-only: SIGKILLs the bridge right after Pending was accepted, where a crash would strand
 * the run, so the e2e test can prove a restarted bridge starts it (test/e2e/prefectDropIn.test.ts).
 */
export const KILL_AFTER_PENDING_ENV = 'ACI_FLOW_TEST_KILL_BRIDGE_AFTER_PENDING';

export async function submitFlowRun(ctx: BridgeContext, pool: PrefectPool, flowRun: FlowRun): Promise<Submission> {
  const pending = await proposeState(ctx.api, flowRun.id, { type: 'PENDING' });
  if (pending.status !== 'ACCEPT') {
    // REJECT/ABORT: another worker took it or it changed; WAIT: it comes back in a later poll.
    return { outcome: 'declined', reason: `Pending ${pending.status}${pending.reason ? `: ${pending.reason}` : ''}` };
  }
  if (process.env[KILL_AFTER_PENDING_ENV] === '1') process.kill(process.pid, 'SIGKILL');
  return startAcceptedRun(ctx, pool, flowRun);
}

/**
 * Starts the aci-flow run of a flow run that is Pending for this pool. Idempotent: the
 * workflow id is the flow run's, so after a crash the same call finds the same workflow.
 */
export async function startAcceptedRun(ctx: BridgeContext, pool: PrefectPool, flowRun: FlowRun): Promise<Submission> {
  await writeRunLog(ctx, flowRun.id, 'info', `Worker '${ctx.workerName}' submitting flow run '${flowRun.id}'`);
  try {
    const started = await startInTemporal(ctx, pool, flowRun);
    done(
      `PATCH /flow_runs/${flowRun.id}`,
      await ctx.api.PATCH('/flow_runs/{id}', { params: { path: { id: flowRun.id } }, body: { infrastructure_pid: started.containerGroupName } }),
    );
    await writeRunLog(
      ctx,
      flowRun.id,
      'info',
      `Completed submission of flow run '${flowRun.id}': aci-flow run ${started.run.workflowId} deploys container group ${started.containerGroupName}`,
    );
    await emitRunEvent(ctx, SUBMITTED_EVENT, { flowRun, deployment: started.deployment, flow: started.flow, workPool: started.workPool });
    return { outcome: 'started', started: started.run };
  } catch (err) {
    // As Prefect's workers do: a run that cannot be submitted is Crashed, with the reason.
    const reason = `Flow run could not be submitted to infrastructure: ${messageOf(err)}`;
    await writeRunLog(ctx, flowRun.id, 'error', reason);
    const answer = await proposeState(ctx.api, flowRun.id, { type: 'CRASHED', message: reason }, { waits: 3 });
    ctx.log(`flow run ${flowRun.id}: ${reason} (Crashed ${answer.status})`);
    return { outcome: 'crashed', reason };
  }
}

async function startInTemporal(ctx: BridgeContext, pool: PrefectPool, flowRun: FlowRun) {
  const deployment = flowRun.deployment_id
    ? ok(`GET /deployments/${flowRun.deployment_id}`, await ctx.api.GET('/deployments/{id}', { params: { path: { id: flowRun.deployment_id } } }))
    : undefined;
  const flow = ok(`GET /flows/${flowRun.flow_id}`, await ctx.api.GET('/flows/{id}', { params: { path: { id: flowRun.flow_id } } }));
  // Blocks (aci_credentials, image_registry) become their non-secret fields, as Prefect resolves them before rendering.
  const resolved = await resolveBlockReferences(ctx.api, pool.base_job_template, mergeJobVariables(deployment?.job_variables, flowRun.job_variables));
  const prepared = prepareFlowRun({
    workPool: ctx.workPool,
    flowName: flow.name,
    // The Prefect flow run id is the aci-flow flow run id: a second submission finds the same workflow.
    flowRunId: flowRun.id,
    pool: { ...pool, base_job_template: resolved.template },
    values: jobValues(resolved.template, resolved.variables, ctx.injection),
  });
  const run = await startFlowRun(ctx.temporal, prepared);
  ctx.log(`flow run ${flowRun.id} (${flow.name}): ${run.alreadyStarted ? 'already started' : 'started'} as ${prepared.containerGroupName}`);
  const workPool = pool.id ? { id: pool.id, name: ctx.workPool } : undefined;
  return { run, containerGroupName: prepared.containerGroupName, deployment, flow, workPool };
}
