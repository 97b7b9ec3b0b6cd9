#!/usr/bin/env node
// The README's test command (`npm test`). First, side by side: provisioning the test tools
// (scripts/setup.mjs --test), the type check, the lint and the formatting check; they are
// independent, and one after the other they left a core idle while pip waited on the network or
// tsc ran alone. Each one's output is printed when it ends, in one piece. If any fails, nothing
// else runs. Then the unit and integration tests on two workers, then the e2e tests one file at
// a time (each starts a dev server, the emulator and workers; two at once on a 2-core machine
// only make both slower and flakier). Both jest runs always run; the exit code is non-zero if
// either failed, and the one "N passed, N failed" line CI reads covers both
// (test/helpers/summaryReporter.js). Extra arguments go to both jest runs, e.g. a path filter.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (...path) => join(root, 'node_modules', ...path);
const jest = bin('jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);
// A path filter may select files of one run only; without one, a run that finds no tests is broken.
const noTests = extra.length ? ['--passWithNoTests'] : [];

/**
 * The checks before the tests. tsc and Prettier keep caches in .cache/ (git-ignored), which
 * only skip work whose inputs did not change; ESLint gets none: its cache cannot see that a
 * type changed in another file, which the type-aware rules depend on.
 */
const CHECKS = [
  ['provisioning', [join(root, 'scripts', 'setup.mjs'), '--test']],
  ['tsc', [bin('typescript', 'bin', 'tsc'), '--noEmit', '--incremental', '--tsBuildInfoFile', join('.cache', 'tsc.tsbuildinfo')]],
  ['eslint', [bin('eslint', 'bin', 'eslint.js'), '.']],
  ['prettier', [bin('prettier', 'bin', 'prettier.cjs'), '--check', '--cache', '--cache-location', join('.cache', 'prettier'), '.']],
];

/** Runs `node <args>` with its output collected; resolves with the exit status and the output. */
function check(name, args) {
  const started = Date.now();
  return new Promise((resolveCheck) => {
    const child = spawn(process.execPath, args, { cwd: root, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', (err) => resolveCheck({ name, status: 1, output: `${output}${err.message}\n` }));
    child.once('close', (code, signal) => {
      const status = code ?? 1;
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`\n[${name}] ${status === 0 ? 'ok' : `failed (${signal ?? `exit ${code}`})`} in ${seconds} s\n${output}`);
      resolveCheck({ name, status });
    });
  });
}

const failedChecks = (await Promise.all(CHECKS.map(([name, args]) => check(name, args)))).filter((result) => result.status !== 0);
if (failedChecks.length) {
  process.stdout.write(`\n${failedChecks.map((result) => result.name).join(', ')} failed: no tests run\n`);
  process.exit(1);
}

const RUNS = [
  ['--selectProjects', 'unit', 'integration', '--maxWorkers=2'],
  ['--selectProjects', 'e2e', '--runInBand'],
];

const dir = mkdtempSync(join(tmpdir(), 'aci-flow-test-'));
const totalsFile = join(dir, 'totals.jsonl');
let status = 0;
try {
  for (const args of RUNS) {
    const started = Date.now();
    const run = spawnSync(process.execPath, [jest, ...args, ...noTests, ...extra], {
      cwd: root,
      stdio: 'inherit',
      env: { ...process.env, ACI_FLOW_TEST_TOTALS: totalsFile },
    });
    if (run.status !== 0) status = run.status ?? 1;
    process.stdout.write(`\n[jest ${args.slice(1, -1).join(' + ')}] ${run.status === 0 ? 'ok' : 'failed'} in ${Math.round((Date.now() - started) / 1000)} s\n`);
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
