/**
 * The build output the Docker image and `bin/aci-flow.js` start from. An integration test, not a
 * unit test: it needs dist/, which the integration project's globalSetup builds with the same
 * scripts/build.mjs the image runs.
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const root = join(__dirname, '..', '..', '..');

describe('the compiled build', () => {
  it('holds the compiled CLI the bin requires and the workflow bundle the compiled worker loads', () => {
    expect(readFileSync(join(root, 'bin', 'aci-flow.js'), 'utf8')).toContain("require('../dist/cli/main.js')");
    expect(existsSync(join(root, 'dist', 'cli', 'main.js'))).toBe(true);
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- the compiled output, loaded as the image loads it
    const compiledWorker = require(join(root, 'dist', 'workerHost', 'index.js')) as { prebuiltWorkflowBundlePath(): string | undefined };
    expect(compiledWorker.prebuiltWorkflowBundlePath()).toBe(join(root, 'dist', 'workflow-bundle.js'));
  });
});
