import { execFileSync } from 'node:child_process';
import { join, resolve } from 'node:path';
import { temporalCliPath } from '../../src/localServices';
import { WORKFLOW_BUNDLE_ENV } from '../../src/workerHost/settings';

const REPO_ROOT = resolve(__dirname, '..', '..');

/**
 * Runs once per jest run: provisions the temporal CLI (TEMPORAL_CLI), and rebuilds dist/
 * when a source changed since the last build, so the tests that run `bin/aci-flow.js`
 * (the compiled CLI and worker, as users run them) never test stale code. Every in-process
 * and child-process worker of every test file then loads the one prebuilt workflow bundle.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI = temporalCliPath();
  execFileSync(process.execPath, [join(REPO_ROOT, 'scripts', 'build.mjs')], { cwd: REPO_ROOT, stdio: 'inherit' });
  process.env[WORKFLOW_BUNDLE_ENV] ??= join(REPO_ROOT, 'dist', 'workflow-bundle.js');
}
