import { joinByName } from '../../../src/activities/sweep';
import { FLOW_RUN_ID_TAG, MANAGED_BY_TAG, MANAGED_BY_VALUE, WORKFLOW_ID_TAG } from '../../../src/template/deployment';
import { first } from '../../helpers/must';

const scope = { subscriptionId: 'sub', resourceGroupName: 'rg' };
const tagsOf = (flowRunId: string) => ({ [MANAGED_BY_TAG]: MANAGED_BY_VALUE, [FLOW_RUN_ID_TAG]: flowRunId, [WORKFLOW_ID_TAG]: `flow-run-${flowRunId}` });

describe('joinByName', () => {
  it('joins a group and its aci-flow-<group> deployment into one candidate', () => {
    const candidates = joinByName(
      scope,
      [{ name: 'etl-1', resourceGroupName: 'rg', tags: tagsOf('1') }],
      [{ name: 'aci-flow-etl-1', resourceGroupName: 'rg', timestamp: '2026-01-01T00:00:00.000Z', tags: tagsOf('1') }],
    );
    expect(candidates).toEqual([
      {
        ...scope,
        containerGroupName: 'etl-1',
        deploymentName: 'aci-flow-etl-1',
        hasGroup: true,
        hasDeployment: true,
        workflowId: 'flow-run-1',
        flowRunId: '1',
        deploymentTimestamp: '2026-01-01T00:00:00.000Z',
      },
    ]);
  });

  it('keeps a deployment whose group is gone, owned by its own tags', () => {
    const candidate = first(joinByName(scope, [], [{ name: 'aci-flow-etl-2', resourceGroupName: 'rg', tags: tagsOf('2') }]));
    expect(candidate).toMatchObject({ containerGroupName: 'etl-2', hasGroup: false, hasDeployment: true, workflowId: 'flow-run-2' });
  });

  it('leaves an untagged deployment without an owner, so it is never removed', () => {
    const candidate = first(joinByName(scope, [], [{ name: 'aci-flow-by-hand', resourceGroupName: 'rg', tags: {} }]));
    expect(candidate.workflowId).toBeUndefined();
  });

  it("takes the owner from the group's tags over the deployment's", () => {
    const candidate = first(
      joinByName(
        scope,
        [{ name: 'etl-3', resourceGroupName: 'rg', tags: tagsOf('3') }],
        [{ name: 'aci-flow-etl-3', resourceGroupName: 'rg', tags: tagsOf('other') }],
      ),
    );
    expect(candidate.workflowId).toBe('flow-run-3');
  });
});
