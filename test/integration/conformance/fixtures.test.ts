/** The vendored Azure contracts are the files their manifest names, byte for byte (git blob hashes). */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const SCRIPT = path.resolve(__dirname, '..', '..', '..', 'scripts', 'refreshAzureSpecs.mjs');

describe('conformance fixtures', () => {
  it('match the git blob hashes recorded in test/fixtures/azure-specs/manifest.json', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, [SCRIPT, '--check']);
    expect(stdout).toContain(
      'ok azure-rest-api-specs/specification/containerinstance/resource-manager/Microsoft.ContainerInstance/stable/2023-05-01/containerInstance.json',
    );
    expect(stdout).toContain('ok azure-resource-manager-schemas/schemas/2019-04-01/deploymentTemplate.json');
  });
});
