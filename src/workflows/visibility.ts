/** Keeps the run's search attributes current, so the UI and `aci-flow list` can filter on phase and exit code. */
import type { SearchAttributeUpdatePair } from '@temporalio/common';
import { upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import { type CleanupState, type FlowRunInput, type FlowRunPhase, searchAttributes } from './definitions';

/**
 * One upsert per transition; the identifying attributes are added only if the starter did
 * not set them, and the cleanup state rides along with the final phase.
 */
export function publishPhase(input: FlowRunInput, containerGroupName: string, phase: FlowRunPhase, exitCode?: number, cleanupState?: CleanupState): void {
  const current = workflowInfo().typedSearchAttributes;
  const updates: SearchAttributeUpdatePair[] = [{ key: searchAttributes.phase, value: phase }];
  if (cleanupState !== undefined && current.get(searchAttributes.cleanupState) !== cleanupState) {
    updates.push({ key: searchAttributes.cleanupState, value: cleanupState });
  }
  if (exitCode !== undefined && current.get(searchAttributes.exitCode) !== exitCode) {
    updates.push({ key: searchAttributes.exitCode, value: exitCode });
  }
  const identity = [
    { key: searchAttributes.flowRunId, value: input.flowRunId },
    { key: searchAttributes.flowName, value: input.flowName },
    { key: searchAttributes.workPool, value: input.workPool },
    { key: searchAttributes.containerGroup, value: containerGroupName },
  ];
  for (const pair of identity) {
    if (current.get(pair.key) !== pair.value) updates.push(pair);
  }
  if (current.get(searchAttributes.phase) === phase && updates.length === 1) return;
  upsertSearchAttributes(updates);
}
