/** The human-readable report of `aci-flow sweep`. */
import type { SweeperResult } from '../workflows/sweeperDefinitions';

const REASON_TEXT = { 'run-closed': 'its flow run has closed', 'run-missing': 'its flow run no longer exists' } as const;

export function formatSweep(result: SweeperResult): string {
  const scopes = result.scopes.map((scope) => `${scope.subscriptionId}/${scope.resourceGroupName}`).join(', ');
  const verb = result.dryRun ? 'would remove' : 'removed';
  const lines = [
    `Sweep of pool ${result.workPool}${result.dryRun ? ' (dry run)' : ''} in ${scopes}: ` +
      `${result.examined} examined, ${result.removed.length} ${result.dryRun ? 'to remove' : 'removed'}, ${result.failed.length} failed`,
  ];
  for (const orphan of result.removed) {
    lines.push(`  ${verb} ${describe(orphan)}: ${REASON_TEXT[orphan.reason]} (workflow ${orphan.workflowId})`);
  }
  for (const failure of result.failed) lines.push(`  failed ${describe(failure)}: ${failure.error}`);
  const kept = Object.entries(result.kept).filter(([, count]) => count > 0);
  if (kept.length > 0) lines.push(`Kept: ${kept.map(([reason, count]) => `${count} ${reason}`).join(', ')}`);
  return lines.join('\n');
}

function describe(candidate: SweeperResult['removed'][number] | SweeperResult['failed'][number]): string {
  const what = [
    candidate.hasGroup ? `container group ${candidate.containerGroupName}` : undefined,
    candidate.hasDeployment ? `deployment ${candidate.deploymentName}` : undefined,
  ]
    .filter(Boolean)
    .join(' and ');
  return `${what} in ${candidate.resourceGroupName}`;
}
