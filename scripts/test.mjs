#!/usr/bin/env node
// The README's test command (`npm test`), on a 2-core machine, in two lanes that start at once:
//
// - e2e: first the Temporal CLI (scripts/setup.mjs) and the build of dist/ (scripts/build.mjs,
//   which every jest run's globalSetup would otherwise start at the same time) side by side;
//   then the e2e tests, one file at a time, while the tools only some tests need are provisioned
//   beside them (setup.mjs --test: on a fresh clone mostly pip downloading Prefect). The files
//   that need those tools are tagged @needsTestTools and run last (test/helpers/
//   testToolsLastSequencer.js); one that asks before the install is done waits for it (setup's
//   lock). Each e2e file starts a dev server, the emulator and workers; two at once only make
//   both slower and flakier. Its output is printed as it comes.
// - checks: the type check, the lint and the formatting check side by side (they need neither
//   the tools nor the build, so they run while those are made), then, once the Temporal CLI and
//   the build are there, the unit and integration tests on one worker (its @needsTestTools files
//   last too). Each part's output is printed when it ends, in one piece.
// The e2e tests mostly wait (on containers, heartbeat timeouts, servers), about one core's worth;
// the checks and the unit tests are the CPU work that fits in the other core, where one after
// the other they added two minutes to the run. The e2e lane is the longer one, so the checks
// lane runs at a lower CPU priority (nice 10): it takes what the e2e tests leave.
//
// Every part always runs, but for the tests and the test tools when the Temporal CLI or the build
// failed. The exit code is non-zero if any part failed, and the one "N passed, N failed" line CI
// reads covers both jest runs (test/helpers/summaryReporter.js). Extra arguments go to both jest runs, e.g. a path filter.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { setPriority, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const bin = (...path) => join(root, 'node_modules', ...path);
const jest = bin('jest', 'bin', 'jest.js');
const extra = process.argv.slice(2);
// A path filter may select files of one run only; without one, a run that finds no tests is broken.
const noTests = extra.length ? ['--passWithNoTests'] : [];
const dir = mkdtempSync(join(tmpdir(), 'aci-flow-test-'));
const totalsFile = join(dir, 'totals.jsonl');
const testEnv = { ...process.env, ACI_FLOW_TEST_TOTALS: totalsFile };

const PREPARE = [
  ['provisioning the Temporal CLI', [join(root, 'scripts', 'setup.mjs')]],
  ['build', [join(root, 'scripts', 'build.mjs')]],
];
const TEST_TOOLS = ['provisioning the test tools', [join(root, 'scripts', 'setup.mjs'), '--test']];

/**
 * tsc and Prettier keep caches in .cache/ (git-ignored), which only skip work whose inputs did
 * not change; ESLint gets none: its cache cannot see that a type changed in another file, which
 * the type-aware rules depend on.
 */
const CHECKS = [
  ['tsc', [bin('typescript', 'bin', 'tsc'), '--noEmit', '--incremental', '--tsBuildInfoFile', join('.cache', 'tsc.tsbuildinfo')]],
  ['eslint', [bin('eslint', 'bin', 'eslint.js'), '.']],
  ['prettier', [bin('prettier', 'bin', 'prettier.cjs'), '--check', '--cache', '--cache-location', join('.cache', 'prettier'), '.']],
];

const UNIT_AND_INTEGRATION = ['jest unit + integration', [jest, '--selectProjects', 'unit', 'integration', '--maxWorkers=1', ...noTests, ...extra]];
const E2E = ['jest e2e', [jest, '--selectProjects', 'e2e', '--runInBand', ...noTests, ...extra]];

/** The checks lane's niceness: the e2e lane, the longer one, comes first for the CPU. */
const CHECKS_LANE_NICENESS = 10;

/**
 * Runs `node <args>` and resolves with its exit status once it ends. With `collect`, its output
 * is printed then, in one piece, after a line with its name, status and time; without, it goes
 * straight to this process's output. With `niceness`, it (and what it starts) runs at that CPU
 * priority.
 */
function run([name, args], { collect = true, niceness } = {}) {
  const started = Date.now();
  return new Promise((resolveRun) => {
    const child = spawn(process.execPath, args, { cwd: root, env: testEnv, stdio: ['ignore', collect ? 'pipe' : 'inherit', collect ? 'pipe' : 'inherit'] });
    // Set before the child starts its own processes, which inherit it. Where it cannot be set,
    // the lane runs at normal priority: slower, not wrong.
    if (niceness !== undefined && child.pid !== undefined) {
      try {
        setPriority(child.pid, niceness);
      } catch {
        // see above
      }
    }
    let output = '';
    child.stdout?.on('data', (chunk) => (output += chunk));
    child.stderr?.on('data', (chunk) => (output += chunk));
    const finish = (status, why) => {
      const seconds = Math.round((Date.now() - started) / 1000);
      process.stdout.write(`\n[${name}] ${status === 0 ? 'ok' : `failed (${why})`} in ${seconds} s\n${output}`);
      resolveRun(status);
    };
    child.once('error', (err) => finish(1, err.message));
    child.once('close', (code, signal) => finish(code ?? 1, signal ?? `exit ${code}`));
  });
}

const all = (parts, options) => Promise.all(parts.map((part) => run(part, options)));
const lowPriority = { niceness: CHECKS_LANE_NICENESS };
let statuses = [];
try {
  const prepared = all(PREPARE).then((prepareStatuses) => prepareStatuses.every((status) => status === 0));
  const afterPreparing = async (part, options) => ((await prepared) ? [await run(part, options)] : []);
  const checksLane = async () => [...(await all(CHECKS, lowPriority)), ...(await afterPreparing(UNIT_AND_INTEGRATION, lowPriority))];
  const [checkStatuses, e2eStatuses, toolStatuses, preparedOk] = await Promise.all([
    checksLane(),
    afterPreparing(E2E, { collect: false }),
    afterPreparing(TEST_TOOLS),
    prepared,
  ]);
  statuses = [...checkStatuses, ...e2eStatuses, ...toolStatuses, preparedOk ? 0 : 1];
  if (preparedOk) {
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
  } else {
    process.stdout.write('\nprovisioning the Temporal CLI or the build failed: no tests run\n');
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exit(statuses.every((status) => status === 0) ? 0 : 1);
