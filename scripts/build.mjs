#!/usr/bin/env node
// `npm run build`: type-checks and compiles src/ to dist/ with tsc, then bundles the workflow
// code once into dist/workflow-bundle.js, which the compiled worker loads instead of running
// webpack at every start (as temporalio/samples-typescript's production sample does).
// It also compiles the client package (packages/client): src/client and what it imports, to
// packages/client/dist, so both publishable packages come from this one build.
//
//   node scripts/build.mjs            build when a source is newer than the last build
//   node scripts/build.mjs --force    build unconditionally
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const bundleFile = join(dist, 'workflow-bundle.js');
const clientPackage = join(root, 'packages', 'client');
const clientEntry = join(clientPackage, 'dist', 'client', 'index.js');
const inputs = [
  'src',
  'tsconfig.json',
  'tsconfig.build.json',
  'package.json',
  'packages/client/package.json',
  'packages/client/tsconfig.json',
  'scripts/build.mjs',
].map((p) => join(root, p));

function newestMtime(path) {
  const stat = statSync(path);
  if (!stat.isDirectory()) return stat.mtimeMs;
  return Math.max(stat.mtimeMs, ...readdirSync(path).map((name) => newestMtime(join(path, name))));
}

export function buildIsCurrent() {
  // The bundle is written last, after both compilations (tsc leaves unchanged outputs untouched).
  return existsSync(clientEntry) && existsSync(bundleFile) && statSync(bundleFile).mtimeMs >= Math.max(...inputs.filter(existsSync).map(newestMtime));
}

export async function build({ force = false } = {}) {
  if (!force && buildIsCurrent()) return false;
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  execFileSync(process.execPath, [tsc, '-p', join(clientPackage, 'tsconfig.json')], { cwd: root, stdio: 'inherit' });
  const { bundleFlowRunWorkflows } = createRequire(import.meta.url)(join(dist, 'workerHost', 'index.js'));
  const { code } = await bundleFlowRunWorkflows({ logger: quietLogger });
  writeFileSync(bundleFile, code);
  process.stderr.write(`[build] dist/ and packages/client/dist/ compiled, workflow bundle ${bundleFile} (${code.length} bytes)\n`);
  return true;
}

// webpack's progress lines are noise in a build log; warnings and errors still show.
const quietLogger = {
  trace() {},
  debug() {},
  info() {},
  log() {},
  warn: (message) => process.stderr.write(`[build] ${message}\n`),
  error: (message) => process.stderr.write(`[build] ${message}\n`),
};

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  build({ force: process.argv.includes('--force') }).catch((err) => {
    process.stderr.write(`[build] ${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  });
}
