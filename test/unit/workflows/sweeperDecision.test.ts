import { decideOrphans, type DecisionInput } from '../../../src/workflows/sweeperDecision';
import type { FlowRunState, SweepCandidate } from '../../../src/workflows/sweeperDefinitions';

const NOW = Date.parse('2026-01-01T12:00:00Z');
const GRACE_MS = 15 * 60_000;
const minutesAgo = (minutes: number) => new Date(NOW - minutes * 60_000).toISOString();

function candidate(overrides: Partial<SweepCandidate> = {}): SweepCandidate {
  return {
    subscriptionId: 'sub',
    resourceGroupName: 'rg',
    containerGroupName: 'etl-run-1',
    deploymentName: 'aci-flow-etl-run-1',
    hasGroup: true,
    hasDeployment: true,
    workflowId: 'flow-run-run-1',
    flowRunId: 'run-1',
    deploymentTimestamp: minutesAgo(60),
    ...overrides,
  };
}

function decide(candidates: SweepCandidate[], runs: FlowRunState[], overrides: Partial<DecisionInput> = {}) {
  return decideOrphans({
    candidates,
    runs: Object.fromEntries(runs.map((run) => [run.workflowId, run])),
    workPool: 'pool-a',
    nowMs: NOW,
    graceMs: GRACE_MS,
    ...overrides,
  }).map(({ orphan, reason }) => ({ orphan, reason }));
}

describe('decideOrphans', () => {
  it('removes the group of a run that closed longer ago than the grace period', () => {
    expect(decide([candidate()], [{ workflowId: 'flow-run-run-1', state: 'closed', closeTime: minutesAgo(16), workPool: 'pool-a' }])).toEqual([
      { orphan: true, reason: 'run-closed' },
    ]);
  });

  it('keeps the group of a run that closed within the grace period', () => {
    expect(decide([candidate()], [{ workflowId: 'flow-run-run-1', state: 'closed', closeTime: minutesAgo(14), workPool: 'pool-a' }])).toEqual([
      { orphan: false, reason: 'in-grace' },
    ]);
  });

  it('never removes the group of an open run, however old', () => {
    expect(decide([candidate({ deploymentTimestamp: minutesAgo(10_000) })], [{ workflowId: 'flow-run-run-1', state: 'open', workPool: 'pool-a' }])).toEqual([
      { orphan: false, reason: 'run-open' },
    ]);
  });

  it('never removes an untagged group or deployment', () => {
    expect(decide([candidate({ workflowId: undefined, flowRunId: undefined })], [])).toEqual([{ orphan: false, reason: 'untagged' }]);
  });

  it('keeps a candidate whose run state was not looked up', () => {
    expect(decide([candidate()], [])).toEqual([{ orphan: false, reason: 'run-unknown' }]);
  });

  it("leaves another pool's closed runs to that pool's sweeper", () => {
    expect(decide([candidate()], [{ workflowId: 'flow-run-run-1', state: 'closed', closeTime: minutesAgo(60), workPool: 'pool-b' }])).toEqual([
      { orphan: false, reason: 'other-pool' },
    ]);
  });

  it('removes the group of a missing run once its deployment is older than the grace period', () => {
    expect(decide([candidate({ deploymentTimestamp: minutesAgo(16) })], [{ workflowId: 'flow-run-run-1', state: 'missing' }])).toEqual([
      { orphan: true, reason: 'run-missing' },
    ]);
  });

  it('keeps the group of a missing run while its deployment is younger than the grace period', () => {
    expect(decide([candidate({ deploymentTimestamp: minutesAgo(1) })], [{ workflowId: 'flow-run-run-1', state: 'missing' }])).toEqual([
      { orphan: false, reason: 'in-grace' },
    ]);
  });

  it('removes the group of a missing run that has no deployment record left (ARM prunes old ones)', () => {
    expect(decide([candidate({ hasDeployment: false, deploymentTimestamp: undefined })], [{ workflowId: 'flow-run-run-1', state: 'missing' }])).toEqual([
      { orphan: true, reason: 'run-missing' },
    ]);
  });

  it('with no grace, removes a closed run group at once', () => {
    expect(decide([candidate()], [{ workflowId: 'flow-run-run-1', state: 'closed', closeTime: minutesAgo(0), workPool: 'pool-a' }], { graceMs: 0 })).toEqual([
      { orphan: true, reason: 'run-closed' },
    ]);
  });

  it('decides each candidate on its own run', () => {
    const runs: FlowRunState[] = [
      { workflowId: 'flow-run-open', state: 'open', workPool: 'pool-a' },
      { workflowId: 'flow-run-done', state: 'closed', closeTime: minutesAgo(30), workPool: 'pool-a' },
    ];
    expect(decide([candidate({ workflowId: 'flow-run-open' }), candidate({ containerGroupName: 'etl-done', workflowId: 'flow-run-done' })], runs)).toEqual([
      { orphan: false, reason: 'run-open' },
      { orphan: true, reason: 'run-closed' },
    ]);
  });
});
