/**
 * The worker's V8 flags (src/workerHost/v8Flags.ts) are set by runWorker itself, so every way
 * of starting a worker gets them, and they take effect at run time: on the main thread's heap
 * and on a thread started afterwards (the SDK's workflow thread). Measured through what the flag
 * is there for: how far V8 lets a heap grow past its live size while old objects keep dying.
 * The young generation is no measure of it on the main thread: its cap is fixed when node starts,
 * and after a late `--optimize-for-size` it shrinks and grows again (1–16 MiB from run to run).
 */
import { execFile } from 'node:child_process';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { WORKER_V8_FLAGS } from '../../../src/workerHost/v8Flags';

const ROOT = resolve(__dirname, '../../..');

/**
 * Keeps about two batches of 200,000 small objects alive at a time (each batch lives long enough
 * to reach the old generation, then dies), on the main thread and then on a new worker thread;
 * prints each heap's peak total size in MiB.
 */
const MEASURE = `
const { Worker } = require('node:worker_threads');
const churnAndMeasure = \`
  let peak = 0;
  let batches = [];
  for (let round = 0; round < 16; round++) {
    const batch = [];
    for (let i = 0; i < 200000; i++) batch.push({ i, s: 'x' + i, a: [i, i + 1] });
    batches.push(batch);
    if (batches.length > 2) batches.shift();
    peak = Math.max(peak, require('node:v8').getHeapStatistics().total_heap_size);
  }
  peak / 2 ** 20;
\`;
async function main() {
  const { runWorker } = require(${JSON.stringify(join(ROOT, 'dist', 'worker.js'))});
  if (process.argv[1] === 'worker') {
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

async function peakHeapMiB(viaRunWorker: boolean): Promise<{ main: number; thread: number }> {
  const { stdout } = await promisify(execFile)(process.execPath, ['-e', MEASURE, viaRunWorker ? 'worker' : 'plain'], { cwd: ROOT });
  return JSON.parse(stdout) as { main: number; thread: number };
}

describe("the worker's V8 flags", () => {
  it('are declared once, as --optimize-for-size', () => {
    expect(WORKER_V8_FLAGS).toEqual(['--optimize-for-size']);
  });

  it('keep the heaps near their live size on the main thread and on threads started after runWorker', async () => {
    // Both processes load the same modules; only the second calls runWorker.
    const plain = await peakHeapMiB(false);
    const worker = await peakHeapMiB(true);
    // Measured on the 2-core VM: without the flags 464–501 MiB (main) and 294–316 (thread), with them 125–130 and 92–93.
    expect(worker.main).toBeLessThanOrEqual(plain.main / 2);
    expect(worker.thread).toBeLessThanOrEqual(plain.thread / 2);
  }, 120_000);
});
