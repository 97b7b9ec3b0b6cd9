import { TypedSearchAttributes } from '@temporalio/common';
import { recordedStatus } from '../../../src/client/flowRunStatus';
import { searchAttributes } from '../../../src/workflows/definitions';

const attributes = new TypedSearchAttributes([
  { key: searchAttributes.flowRunId, value: 'r1' },
  { key: searchAttributes.containerGroup, value: 'etl-r1' },
  { key: searchAttributes.phase, value: 'Running' },
]);

describe('status recorded by the starter, for runs no worker answers for', () => {
  it('reports the deployment name the client recorded at start, never a recomputed one', () => {
    const status = recordedStatus('r1', {
      typedSearchAttributes: attributes,
      memo: { resourceGroupName: 'rg', containerGroupName: 'etl-r1', deploymentName: 'aci-flow-recorded' },
    });
    expect(status).toMatchObject({ containerGroupName: 'etl-r1', deploymentName: 'aci-flow-recorded', resourceGroupName: 'rg', phase: 'Running' });
  });

  it('leaves the deployment name empty for runs started before it was recorded', () => {
    const status = recordedStatus('r1', { typedSearchAttributes: attributes, memo: { resourceGroupName: 'rg', containerGroupName: 'etl-r1' } });
    expect(status.deploymentName).toBe('');
  });
});
