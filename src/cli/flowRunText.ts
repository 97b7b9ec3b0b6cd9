/** Human-readable renderings of flow runs for the CLI (JSON output uses the objects as they are). */
import { describePollError } from '../activities/containerState';
import type { AcceptedCancel, FlowRunStatus } from '../workflows/definitions';
import type { FlowRunSummary } from '../client/flowRunList';

export function formatStatus(status: FlowRunStatus): string {
  const rows: Array<[string, string | number | undefined]> = [
    ['Flow run', status.flowRunId],
    ['Flow', status.flowName],
    ['Work pool', status.workPool],
    ['Phase', status.phase],
    ['Container group', status.containerGroupName],
    ['Resource group', status.resourceGroupName],
    ['Deployment', status.deploymentName],
    ['Exit code', status.exitCode],
    ['Cancel requested', status.cancelRequested ? describeCancel(status.cancelRequested) : undefined],
    ['Cancel ignored', status.cancelIgnored ? `${describeCancel(status.cancelIgnored)}; the container was done, the outcome stands` : undefined],
    ['Message', status.message],
    ['Cleanup', status.cleanup ? [status.cleanup.state, status.cleanup.lastError].filter(Boolean).join(': ') : undefined],
    ['Last poll error', status.lastPollError ? describePollError(status.lastPollError) : undefined],
  ];
  const shown = rows.filter((row): row is [string, string | number] => row[1] !== undefined && row[1] !== '');
  const width = Math.max(...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

function describeCancel(cancel: AcceptedCancel): string {
  // Runs recorded before the phase was kept have none.
  return `${cancel.reason ?? 'yes'}${cancel.phase ? ` (while ${cancel.phase})` : ''}`;
}

export function formatList(runs: FlowRunSummary[]): string {
  if (runs.length === 0) return 'No flow runs found.';
  const header = ['FLOW RUN', 'FLOW', 'POOL', 'PHASE', 'EXIT', 'STARTED'];
  const body = runs.map((run) => [run.flowRunId, run.flowName, run.workPool, run.phase, run.exitCode?.toString() ?? '', run.startTime]);
  const widths = header.map((_, column) => Math.max(...[header, ...body].map((row) => (row[column] ?? '').length)));
  return [header, ...body]
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}
