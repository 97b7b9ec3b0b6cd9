import { packageVersion } from '../../../src/workerHost/packageVersion';
import { versioningSettings, workerDeploymentOptions } from '../../../src/workerHost/versioning';

describe('worker versioning settings', () => {
  it('is on by default: deployment aci-flow-<pool>, build id the package version, runs Pinned', () => {
    const settings = versioningSettings('etl.pool', {}, {});
    expect(settings).toEqual({ deploymentName: 'aci-flow-etl-pool', buildId: packageVersion() });
    expect(workerDeploymentOptions(settings)).toEqual({ useWorkerVersioning: true, version: settings, defaultVersioningBehavior: 'PINNED' });
  });

  it('takes flags over the environment, and is off with ACI_FLOW_VERSIONING=off', () => {
    const env = { ACI_FLOW_DEPLOYMENT_NAME: 'fleet', ACI_FLOW_BUILD_ID: '2026.12.1' };
    expect(versioningSettings('p', { buildId: 'hotfix-1' }, env)).toEqual({ deploymentName: 'fleet', buildId: 'hotfix-1' });
    expect(versioningSettings('p', {}, { ACI_FLOW_VERSIONING: 'off' })).toBeUndefined();
    expect(workerDeploymentOptions(undefined)).toBeUndefined();
  });

  it.each([
    [{ deploymentName: 'a.b' }, {}, '--deployment-name'],
    [{ buildId: 'has space' }, {}, '--build-id'],
    [{}, { ACI_FLOW_VERSIONING: 'maybe' }, 'ACI_FLOW_VERSIONING'],
  ])('refuses %j %j naming the setting', (flags, env, field) => {
    expect(() => versioningSettings('p', flags, env)).toThrow(field);
  });
});
