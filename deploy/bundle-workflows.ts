/**
 * Bundles the workflow code once at image build time, so a worker container starts
 * polling in seconds instead of running webpack on every start; the worker loads it
 * from ACI_FLOW_WORKFLOW_BUNDLE (set in the Dockerfile).
 *   node -r tsx/cjs deploy/bundle-workflows.ts <out-file>
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { bundleFlowRunWorkflows } from '../src/worker';

async function main(outFile: string | undefined): Promise<void> {
  if (!outFile) throw new Error('usage: bundle-workflows.ts <out-file>, e.g. dist/workflow-bundle.js');
  const { code } = await bundleFlowRunWorkflows();
  await mkdir(dirname(resolve(outFile)), { recursive: true });
  await writeFile(outFile, code);
  process.stdout.write(`workflow bundle written to ${outFile} (${code.length} bytes)\n`);
}

main(process.argv[2]).catch((err) => {
  process.stderr.write(`bundle-workflows: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
