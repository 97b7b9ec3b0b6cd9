#!/usr/bin/env node
// The test run of `npm test`: unit and integration tests on two workers, then the e2e tests one
// file at a time (each starts a dev server, the emulator and workers; two at once on a 2-core
// machine only make both slower and flakier). Both runs always run; the exit code is non-zero if
// either failed, and the one "N passed, N failed" line CI reads covers both
// (test/helpers/summaryReporter.js). Extra arguments go to both jest runs, e.g. a path filter.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const jest = join(root, 'node_modules', 'jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);
// A path filter may select files of one run only; without one, a run that finds no tests is broken.
const noTests = extra.length ? ['--passWithNoTests'] : [];

const RUNS = [
  ['--selectProjects', 'unit', 'integration', '--maxWorkers=2'],
  ['--selectProjects', 'e2e', '--runInBand'],
];

const dir = mkdtempSync(join(tmpdir(), 'aci-flow-test-'));
const totalsFile = join(dir, 'totals.jsonl');
let status = 0;
try {
  for (const args of RUNS) {
    const run = spawnSync(process.execPath, [jest, ...args, ...noTests, ...extra], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ACI_FLOW_TEST_TOTALS: totalsFile },
    });
    if (run.status !== 0) status = run.status ?? 1;
  }
  let passed = 0;
  let failed = 0;
  // A jest run that crashed before reporting left no line; its non-zero exit already failed the run.
  const lines = existsSync(totalsFile) ? readFileSync(totalsFile, 'utf8').split('\n').filter(Boolean) : [];
  for (const line of lines) {
    const counts = JSON.parse(line);
    passed += counts.passed;
    failed += counts.failed;
  }
  process.stdout.write(`\n${passed} passed, ${failed} failed\n`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(status);
