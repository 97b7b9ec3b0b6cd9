/**
 * The `prefect.worker.*` events Prefect's `BaseWorker` emits, which automations key on:
 * `prefect.worker.submitted-flow-run` when a run's infrastructure is submitted and
 * `prefect.worker.executed-flow-run` (with the infrastructure's identifier and status code on
 * the flow-run resource) when it is done. Resource and related resources are shaped as
 * Prefect's (`prefect.worker.<type>.<name slug>`; flow-run, deployment, flow, work-pool, tags).
 * Event ids are derived from the flow run, so an event sent again after a restart is the same
 * event and `executed` follows `submitted` across restarts.
 */
import { createHash } from 'node:crypto';
import { ACI_WORK_POOL_TYPE } from '../config';
import { done, type FlowRun, ok, type Schemas } from './api/client';
import { type BridgeContext, messageOf } from './context';

export const SUBMITTED_EVENT = 'prefect.worker.submitted-flow-run';
export const EXECUTED_EVENT = 'prefect.worker.executed-flow-run';

type Resource = Record<string, string>;

/** The objects a run's events name, as Prefect's job configuration relates them. */
export interface RunObjects {
  flowRun: Pick<FlowRun, 'id' | 'name' | 'tags'>;
  deployment?: { id: string; name: string; tags?: string[] | null };
  flow?: { id: string; name: string };
  workPool?: { id: string; name: string };
}

/** Prefect's `slugify(worker.name)`: lower case, runs of other characters become one hyphen. */
export function slugify(name: string): string {
  return name
    .normalize('NFKD')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '');
}

export function workerResource(workerName: string): Resource {
  return {
    'prefect.resource.id': `prefect.worker.${ACI_WORK_POOL_TYPE}.${slugify(workerName)}`,
    'prefect.resource.name': workerName,
    'prefect.worker-type': ACI_WORK_POOL_TYPE,
  };
}

export function relatedResources(objects: RunObjects, infrastructure?: { identifier: string; statusCode: number }): Resource[] {
  const related = (kind: string, object: { id: string; name: string }): Resource => ({
    'prefect.resource.id': `prefect.${kind}.${object.id}`,
    'prefect.resource.role': kind,
    'prefect.resource.name': object.name,
  });
  const flowRun = related('flow-run', { id: objects.flowRun.id, name: objects.flowRun.name ?? objects.flowRun.id });
  if (infrastructure) {
    flowRun['prefect.infrastructure.identifier'] = infrastructure.identifier;
    flowRun['prefect.infrastructure.status-code'] = String(infrastructure.statusCode);
  }
  const resources = [flowRun];
  if (objects.deployment) resources.push(related('deployment', objects.deployment));
  if (objects.flow) resources.push(related('flow', objects.flow));
  const tags = new Set([...(objects.flowRun.tags ?? []), ...(objects.deployment?.tags ?? [])]);
  for (const tag of [...tags].sort()) resources.push({ 'prefect.resource.id': `prefect.tag.${tag}`, 'prefect.resource.role': 'tag' });
  if (objects.workPool) resources.push(related('work-pool', objects.workPool));
  return resources;
}

/** A UUID (version 5 layout) derived from the flow run and the event's name. */
export function eventId(flowRunId: string, event: string): string {
  const hash = createHash('sha1').update(`aci-flow:${flowRunId}:${event}`).digest();
  // A SHA-1 digest has 20 bytes: indexes 6 and 8 exist.
  hash[6] = (hash[6]! & 0x0f) | 0x50;
  hash[8] = (hash[8]! & 0x3f) | 0x80;
  const hex = hash.subarray(0, 16).toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/** Events are telling, not steering: a failure is logged and the run goes on. */
export async function emitRunEvent(
  ctx: BridgeContext,
  event: typeof SUBMITTED_EVENT | typeof EXECUTED_EVENT,
  objects: RunObjects,
  infrastructure?: { identifier: string; statusCode: number },
): Promise<void> {
  const body: Schemas['Event'] = {
    id: eventId(objects.flowRun.id, event),
    occurred: new Date().toISOString(),
    event,
    resource: workerResource(ctx.workerName),
    related: relatedResources(objects, infrastructure),
    payload: {},
    follows: event === EXECUTED_EVENT ? eventId(objects.flowRun.id, SUBMITTED_EVENT) : null,
  };
  try {
    done('POST /events', await ctx.api.POST('/events', { body: [body] as never }));
  } catch (err) {
    ctx.log(`flow run ${objects.flowRun.id}: could not emit ${event} (${messageOf(err)})`);
  }
}

/** The deployment, flow and work pool a run's events name, read from Prefect. */
export async function runObjects(ctx: BridgeContext, flowRun: FlowRun): Promise<RunObjects> {
  const [deployment, flow, workPool] = await Promise.all([
    flowRun.deployment_id
      ? ctx.api.GET('/deployments/{id}', { params: { path: { id: flowRun.deployment_id } } }).then((result) => ok('GET deployment', result))
      : undefined,
    ctx.api.GET('/flows/{id}', { params: { path: { id: flowRun.flow_id } } }).then((result) => ok('GET flow', result)),
    ctx.api.GET('/work_pools/{name}', { params: { path: { name: ctx.workPool } } }).then((result) => ok('GET work pool', result)),
  ]);
  return { flowRun, deployment, flow, workPool };
}

/** The most ids (and so events) one `POST /events/filter` page holds (Prefect's INTERACTIVE_PAGE_SIZE). */
const EVENT_PAGE = 50;

/**
 * The flow runs among these whose `prefect.worker.executed-flow-run` Prefect already holds
 * (looked up by the derived event ids). A bridge that restarts reports only the others, so the
 * event is sent once. Throws when the events API cannot answer: then nothing is sent rather than twice.
 */
export async function runsWithExecutedEvent(ctx: BridgeContext, flowRunIds: readonly string[]): Promise<Set<string>> {
  const byEventId = new Map(flowRunIds.map((id) => [eventId(id, EXECUTED_EVENT), id]));
  const found = new Set<string>();
  const ids = [...byEventId.keys()];
  for (let start = 0; start < ids.length; start += EVENT_PAGE) {
    const chunk = ids.slice(start, start + EVENT_PAGE);
    const page = ok(
      'POST /events/filter (executed-flow-run events)',
      await ctx.api.POST('/events/filter', { body: { filter: { id: { id: chunk }, event: { name: [EXECUTED_EVENT] } }, limit: EVENT_PAGE } as never }),
    );
    for (const event of page.events) {
      const flowRunId = byEventId.get(event.id);
      if (flowRunId) found.add(flowRunId);
    }
  }
  return found;
}
