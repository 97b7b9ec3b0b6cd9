import type { ContainerGroup } from '@azure/arm-containerinstance';
import { resourceGroupFromId, toContainerGroupSummary, toContainerGroupView } from '../../../src/azure/containerGroupView';
import { first } from '../../helpers/must';

const id = '/subscriptions/s-1/resourceGroups/Aci-Flow-Demo/providers/Microsoft.ContainerInstance/containerGroups/etl-1';

const sdkGroup = {
  id,
  name: 'etl-1',
  provisioningState: 'Succeeded',
  tags: { 'managed-by': 'aci-flow' },
  osType: 'Linux',
  instanceView: { state: 'Succeeded', events: [] },
  containers: [
    {
      name: 'etl',
      image: 'img',
      resources: { requests: { cpu: 1, memoryInGB: 1 } },
      instanceView: {
        restartCount: 0,
        currentState: {
          state: 'Terminated',
          exitCode: 3,
          startTime: new Date('2026-11-23T10:00:00.000Z'),
          finishTime: new Date('2026-11-23T10:01:00.000Z'),
          detailStatus: 'Completed',
        },
        events: [{ name: 'Pulling', message: 'pulling image "img"', count: 1, type: 'Normal', firstTimestamp: new Date('2026-11-23T09:59:00.000Z') }],
      },
    },
  ],
} as unknown as ContainerGroup;

describe('toContainerGroupView', () => {
  it('turns SDK dates into ISO strings so the view survives Temporal payloads unchanged', () => {
    const view = toContainerGroupView(sdkGroup);

    expect(JSON.parse(JSON.stringify(view))).toEqual(view);
    expect(first(view.containers).currentState).toEqual({
      state: 'Terminated',
      exitCode: 3,
      detailStatus: 'Completed',
      startTime: '2026-11-23T10:00:00.000Z',
      finishTime: '2026-11-23T10:01:00.000Z',
    });
    expect(first(first(view.containers).events)).toMatchObject({ name: 'Pulling', firstTimestamp: '2026-11-23T09:59:00.000Z' });
    expect(view).toMatchObject({ name: 'etl-1', state: 'Succeeded', provisioningState: 'Succeeded', tags: { 'managed-by': 'aci-flow' } });
  });

  it('leaves the state out for a container without an instance view yet', () => {
    const view = toContainerGroupView({ ...sdkGroup, containers: [{ name: 'etl', image: 'img', resources: { requests: { cpu: 1, memoryInGB: 1 } } }] });

    expect(view.containers[0]).toEqual({ name: 'etl', currentState: undefined, previousState: undefined, restartCount: undefined, events: [] });
  });
});

describe('resourceGroupFromId', () => {
  it('reads the resource group from an ARM id regardless of case', () => {
    expect(resourceGroupFromId(id)).toBe('Aci-Flow-Demo');
    expect(resourceGroupFromId(id.replace('resourceGroups', 'resourcegroups'))).toBe('Aci-Flow-Demo');
    expect(resourceGroupFromId(undefined)).toBeUndefined();
  });

  it('lets a listed group without an id fall back to the listed resource group', () => {
    expect(toContainerGroupSummary({ ...sdkGroup, id: undefined }, 'fallback-rg').resourceGroupName).toBe('fallback-rg');
  });
});
