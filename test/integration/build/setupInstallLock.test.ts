/**
 * scripts/setup.mjs installs a tool holding a lock, because `npm test` provisions the test tools
 * while tests that need them may already ask setup for them: a second setup must wait for the
 * first install instead of starting another into the same folder, and a lock left by a killed
 * setup must not block the next one.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { waitFor } from '../../helpers/waitFor';

const SETUP = resolve(__dirname, '../../../scripts/setup.mjs');

/** A process that takes setup's lock `tool` in `locksDir`, appends its name to `events` on entering and leaving, and holds the lock for `holdMs`. */
function installer(
  name: string,
  locksDir: string,
  events: string,
  holdMs: number,
): { child: ChildProcess; exited: Promise<{ code: number | null; stderr: string }> } {
  const script = `
    const { appendFileSync } = require('node:fs');
    import(${JSON.stringify(SETUP)}).then(({ withInstallLock }) =>
      withInstallLock('tool', () => {
        appendFileSync(${JSON.stringify(events)}, '${name} in\\n');
        Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ${holdMs});
        appendFileSync(${JSON.stringify(events)}, '${name} out\\n');
      }, ${JSON.stringify(locksDir)}));
  `;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<{ code: number | null; stderr: string }>((resolveExit) => child.once('close', (code) => resolveExit({ code, stderr })));
  return { child, exited };
}

describe("setup's install lock", () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'setup-lock-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('makes a second setup wait for the install under way, then run its own check', async () => {
    const locks = join(dir, 'locks');
    const events = join(dir, 'events');
    writeFileSync(events, '');
    const first = installer('first', locks, events, 1500);
    await waitFor(() => readFileSync(events, 'utf8').includes('first in'), 'the first setup to hold the lock', { timeoutMs: 20_000 });
    const second = installer('second', locks, events, 0);

    const [firstExit, secondExit] = await Promise.all([first.exited, second.exited]);
    expect(firstExit.code).toBe(0);
    expect(secondExit.code).toBe(0);
    expect(readFileSync(events, 'utf8').split('\n').filter(Boolean)).toEqual(['first in', 'first out', 'second in', 'second out']);
    expect(secondExit.stderr).toMatch(/waiting for another setup \(pid \d+\) to finish installing tool/);
    expect(existsSync(join(locks, 'tool'))).toBe(false);
  }, 30_000);

  it('takes over a lock whose setup was killed', async () => {
    const locks = join(dir, 'locks');
    const events = join(dir, 'events');
    writeFileSync(events, '');
    // A process that has ended: its pid is the killed setup's.
    const gone = spawn(process.execPath, ['-e', '']);
    await new Promise((resolveExit) => gone.once('close', resolveExit));
    mkdirSync(join(locks, 'tool'), { recursive: true });
    writeFileSync(join(locks, 'tool', 'pid'), String(gone.pid));

    const next = await installer('next', locks, events, 0).exited;
    expect(next.code).toBe(0);
    expect(readFileSync(events, 'utf8')).toBe('next in\nnext out\n');
    expect(next.stderr).not.toMatch(/waiting/);
  }, 30_000);
});
