#!/usr/bin/env node
// Regenerates src/prefect/api/schema.ts, the types of the Prefect REST client, from the
// OpenAPI document of a real Prefect server (the version scripts/setup.mjs pins): starts
// `prefect server start` on loopback with a throwaway PREFECT_HOME, reads /api/openapi.json,
// runs openapi-typescript, stops the server. Run it after changing the pinned Prefect version.
//
//   node scripts/generate-prefect-api.mjs
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { ensurePrefect } from './setup.mjs';

const { fetch } = globalThis;

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const output = join(root, 'src', 'prefect', 'api', 'schema.ts');

function freePort() {
  return new Promise((resolvePort, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolvePort(port));
    });
  });
}

async function waitForHealth(apiUrl, child, logs) {
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`prefect server exited with code ${child.exitCode}:\n${logs()}`);
    const response = await fetch(`${apiUrl}/health`).catch(() => undefined);
    if (response?.ok) return;
    await sleep(250);
  }
  throw new Error(`the Prefect server at ${apiUrl} did not answer /health within 120 s:\n${logs()}`);
}

async function main() {
  const prefect = ensurePrefect();
  const home = mkdtempSync(join(tmpdir(), 'aci-flow-prefect-openapi-'));
  const port = await freePort();
  const apiUrl = `http://127.0.0.1:${port}/api`;
  const child = spawn(prefect, ['server', 'start', '--host', '127.0.0.1', '--port', String(port)], {
    env: { ...process.env, PREFECT_HOME: home, PREFECT_SERVER_ANALYTICS_ENABLED: 'false', PREFECT_UI_ENABLED: 'false' },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let logs = '';
  child.stdout.on('data', (c) => (logs += c));
  child.stderr.on('data', (c) => (logs += c));
  const exited = new Promise((r) => child.once('exit', r));
  try {
    await waitForHealth(apiUrl, child, () => logs);
    const response = await fetch(`${apiUrl}/openapi.json`);
    if (!response.ok) throw new Error(`GET ${apiUrl}/openapi.json answered ${response.status}`);
    const documentPath = join(home, 'openapi.json');
    writeFileSync(documentPath, await response.text());
    execFileSync(process.execPath, [join(root, 'node_modules', 'openapi-typescript', 'bin', 'cli.js'), documentPath, '-o', output], {
      stdio: 'inherit',
    });
    process.stderr.write(`[generate-prefect-api] wrote ${output}\n`);
  } finally {
    if (child.exitCode === null) process.kill(-child.pid, 'SIGTERM');
    await exited;
    rmSync(home, { recursive: true, force: true });
  }
}

main().catch((err) => {
  process.stderr.write(`[generate-prefect-api] FAILED: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
