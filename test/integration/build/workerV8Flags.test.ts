/**
 * The worker's V8 flags (src/workerHost/v8Flags.ts) are set by runWorker itself, so every way
 * of starting a worker gets them, and they take effect at run time: on the main thread's heap
 * and on a thread started afterwards (the SDK's workflow thread). Measured through the young
 * generation, which `--optimize-for-size` keeps at 1 MiB where V8 otherwise grows it to
 * 2 × 16 MiB under allocation.
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WORKER_V8_FLAGS } from '../../../src/workerHost/v8Flags';

const ROOT = resolve(__dirname, '../../..');

/** Allocates short-lived objects on the main thread and then on a new worker thread; prints both young generations' sizes in MiB. */
const MEASURE = `
const v8 = require('node:v8');
const { Worker } = require('node:worker_threads');
const churnAndMeasure = \`
  let keep = [];
  for (let i = 0; i < 2e6; i++) { keep.push({ i, s: 'x' + i }); if (keep.length > 100000) keep = []; }
  require('node:v8').getHeapSpaceStatistics().find((space) => space.space_name === 'new_space').space_size / 2 ** 20;
\`;
async function main() {
  if (process.argv[1] === 'worker') {
    const { runWorker } = require(${JSON.stringify(join(ROOT, 'dist', 'worker.js'))});
    // Refused at its pool file, after it set its flags: nothing is contacted.
    await runWorker({ workPool: 'flags', poolConfig: '/nonexistent/pool.yaml' }).then(() => { throw new Error('runWorker started'); }, () => undefined);
  }
  const main = eval(churnAndMeasure);
  const thread = await new Promise((resolveThread, reject) => {
    const worker = new Worker('require("node:worker_threads").parentPort.postMessage(eval(' + JSON.stringify(churnAndMeasure) + '))', { eval: true });
    worker.once('message', resolveThread).once('error', reject);
  });
  console.log(JSON.stringify({ main, thread }));
}
main();
`;

async function youngGenerationMiB(viaRunWorker: boolean): Promise<{ main: number; thread: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', MEASURE, viaRunWorker ? 'worker' : 'plain'], { cwd: ROOT });
  return JSON.parse(stdout) as { main: number; thread: number };
}

describe("the worker's V8 flags", () => {
  it('are declared once, as --optimize-for-size', () => {
    expect(WORKER_V8_FLAGS).toEqual(['--optimize-for-size']);
  });

  it('keep the young generation small on the main thread and on threads started after runWorker', async () => {
    const plain = await youngGenerationMiB(false);
    const worker = await youngGenerationMiB(true);
    // Without them V8 grows the young generation under this allocation; the comparison shows the measurement can tell.
    expect(plain.main).toBeGreaterThanOrEqual(8);
    expect(plain.thread).toBeGreaterThanOrEqual(8);
    expect(worker.main).toBeLessThanOrEqual(2);
    expect(worker.thread).toBeLessThanOrEqual(2);
  }, 60_000);
});
