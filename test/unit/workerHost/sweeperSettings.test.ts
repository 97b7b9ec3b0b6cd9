import { parseDurationMs, sweeperSettings } from '../../../src/workerHost/sweeperSettings';

describe('sweeper settings', () => {
  it('defaults to no scopes, a 10 minute interval and a 15 minute grace', () => {
    expect(sweeperSettings({}, {})).toEqual({ scopes: [], intervalMs: 600_000, graceSeconds: 900 });
  });

  it('reads comma-separated scopes and durations from the environment', () => {
    const settings = sweeperSettings({}, { ACI_FLOW_SWEEP_SCOPES: 'sub-1/rg-a, sub-2/rg-b', ACI_FLOW_SWEEP_INTERVAL: '90s', ACI_FLOW_SWEEP_GRACE: '1h' });
    expect(settings).toEqual({
      scopes: [
        { subscriptionId: 'sub-1', resourceGroupName: 'rg-a' },
        { subscriptionId: 'sub-2', resourceGroupName: 'rg-b' },
      ],
      intervalMs: 90_000,
      graceSeconds: 3600,
    });
  });

  it('prefers flags over the environment and drops repeated scopes', () => {
    const settings = sweeperSettings({ scopes: ['s/rg', 'S/RG'], interval: '5m' }, { ACI_FLOW_SWEEP_SCOPES: 'x/y', ACI_FLOW_SWEEP_INTERVAL: '1h' });
    expect(settings.scopes).toEqual([{ subscriptionId: 's', resourceGroupName: 'rg' }]);
    expect(settings.intervalMs).toBe(300_000);
  });

  it('names the setting and shows the expected shape on a bad scope', () => {
    expect(() => sweeperSettings({}, { ACI_FLOW_SWEEP_SCOPES: 'just-a-resource-group' })).toThrow(
      'ACI_FLOW_SWEEP_SCOPES: "just-a-resource-group" is not <subscriptionId>/<resourceGroup>',
    );
  });

  it('refuses durations without a unit or of zero', () => {
    expect(() => parseDurationMs('600', '--sweep-interval')).toThrow('--sweep-interval: "600" is not a duration');
    expect(() => parseDurationMs('0m', '--sweep-interval')).toThrow('is not a duration');
  });
});
