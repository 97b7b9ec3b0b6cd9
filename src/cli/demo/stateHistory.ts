/**
 * A Prefect flow run's state history beside the history of the Temporal workflow that ran it,
 * on one time line: what each side recorded, and when.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils';
import { ok, type PrefectApi } from '../../prefect/api/client';
import { searchAttributes } from '../../workflows/definitions';

export interface HistoryEntry {
  time: Date;
  text: string;
}

/** Every state the flow run went through (`GET /flow_run_states/?flow_run_id=`), oldest first. */
export async function prefectStateHistory(api: PrefectApi, flowRunId: string): Promise<HistoryEntry[]> {
  const states = ok(`GET /flow_run_states/?flow_run_id=${flowRunId}`, await api.GET('/flow_run_states/', { params: { query: { flow_run_id: flowRunId } } }));
  return states
    .map((state) => ({ time: new Date(state.timestamp ?? 0), text: `${state.name ?? state.type}${state.message ? ` (${shorten(state.message)})` : ''}` }))
    .sort((a, b) => a.time.getTime() - b.time.getTime());
}

/** The workflow's events by type, with the activity, signal or Phase each one is about. */
export async function temporalEventHistory(handle: WorkflowHandle): Promise<HistoryEntry[]> {
  const { events = [] } = JSON.parse(historyToJSON(await handle.fetchHistory())) as { events?: JsonEvent[] };
  return events.map((event) => ({ time: new Date(event.eventTime), text: describeEvent(event) }));
}

interface JsonEvent {
  eventTime: string;
  eventType: string;
  [attributes: string]: unknown;
}

function describeEvent(event: JsonEvent): string {
  const type = event.eventType
    .replace(/^EVENT_TYPE_/, '')
    .toLowerCase()
    .replace(/(^|_)([a-z])/g, (_, __, letter: string) => letter.toUpperCase());
  const detail =
    (event.activityTaskScheduledEventAttributes as { activityType?: { name?: string } } | undefined)?.activityType?.name ??
    (event.workflowExecutionSignaledEventAttributes as { signalName?: string } | undefined)?.signalName ??
    phaseOf(event);
  return detail ? `${type} ${detail}` : type;
}

function phaseOf(event: JsonEvent): string | undefined {
  const attributes = (event.upsertWorkflowSearchAttributesEventAttributes ?? event.workflowExecutionStartedEventAttributes) as
    { searchAttributes?: { indexedFields?: Record<string, { data?: string }> } } | undefined;
  const data = attributes?.searchAttributes?.indexedFields?.[searchAttributes.phase.name]?.data;
  if (!data) return undefined;
  const value = JSON.parse(Buffer.from(data, 'base64').toString('utf8')) as unknown;
  return `Phase=${String(Array.isArray(value) ? value[0] : value)}`;
}

function shorten(text: string, max = 100): string {
  const line = text.replace(/\s+/g, ' ').trim();
  return line.length > max ? `${line.slice(0, max - 1)}…` : line;
}

/** Both histories merged by time: one row per entry, Prefect's on the left, Temporal's on the right. */
export function formatSideBySide(prefect: HistoryEntry[], temporal: HistoryEntry[]): string[] {
  const rows = [
    ...prefect.map((entry) => ({ time: entry.time, left: entry.text, right: '' })),
    ...temporal.map((entry) => ({ time: entry.time, left: '', right: entry.text })),
  ].sort((a, b) => a.time.getTime() - b.time.getTime());
  const width = Math.max('PREFECT STATE'.length, ...rows.map((row) => row.left.length));
  const line = (time: string, left: string, right: string) => `${time.padEnd(12)}  ${left.padEnd(width)}  ${right}`.trimEnd();
  return [line('TIME (UTC)', 'PREFECT STATE', 'TEMPORAL EVENT'), ...rows.map((row) => line(row.time.toISOString().slice(11, 23), row.left, row.right))];
}
