import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DefaultLogger } from '@temporalio/worker';
import { temporalCliPath } from '../../src/client/temporalCli';
import { bundleFlowRunWorkflows, WORKFLOW_BUNDLE_ENV } from '../../src/worker';

/**
 * Runs once per jest run: provisions the temporal CLI (TEMPORAL_CLI) and bundles the
 * workflows once (ACI_FLOW_WORKFLOW_BUNDLE), so every in-process and child-process worker
 * of every test file loads the same bundle instead of re-bundling.
 */
export default async function globalSetup(): Promise<void> {
  process.env.TEMPORAL_CLI = temporalCliPath();
  if (!process.env[WORKFLOW_BUNDLE_ENV]) {
    const { code } = await bundleFlowRunWorkflows({ logger: new DefaultLogger('WARN') });
    const path = join(mkdtempSync(join(tmpdir(), 'aci-flow-bundle-')), 'workflows.js');
    writeFileSync(path, code);
    process.env[WORKFLOW_BUNDLE_ENV] = path;
  }
}
