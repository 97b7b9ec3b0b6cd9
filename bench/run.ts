/**
 * `npm run bench`: the Temporal dev server, the ACI emulator with
 * ARM-shaped throttling and, per scenario, a fresh worker process; N concurrent simulated
 * flow runs per (size, poll strategy); one markdown table on stdout, the table and the raw
 * figures in bench/results/. See docs/benchmark.md.
 */
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger } from '@temporalio/worker';
import { startDevServer } from '../src/localServices';
import { loadPoolConfig } from '../src/config';
import { startEmulator } from '../src/emulator';
import { bundleFlowRunWorkflows } from '../src/workerHost';
import { cliStartupTable, measureCliStartup, type CliStartupResult } from './cliStartup';
import { parseBenchOptions, type BenchOptions } from './options';
import { runScenario, type ScenarioResult } from './scenario';
import { runSteadyScenario, type SteadyResult } from './steady';
import { steadyTable, steadyTargets } from './steadyTable';
import { markdownTable } from './table';

const REPO_ROOT = resolve(__dirname, '..');
const RESOURCE_GROUP = 'aci-flow-bench';
type Closer = () => Promise<unknown>;

async function main(options: BenchOptions): Promise<void> {
  const resultsDir = resolve(REPO_ROOT, options.resultsDir);
  mkdirSync(resultsDir, { recursive: true });
  const closers: Closer[] = [];
  const results: ScenarioResult[] = [];
  const steadyResults: SteadyResult[] = [];
  const save = () => writeResults(resultsDir, startedAt, options, results, steadyResults, cliStartup);
  let cliStartup: CliStartupResult[] = [];
  const startedAt = new Date();
  try {
    const devServer = await startDevServer();
    closers.push(devServer.stop);
    // First, on a quiet machine: `status` talks to the dev server, nothing else runs yet.
    cliStartup = measureCliStartup(REPO_ROOT, devServer.address);
    save();
    if (options.scenario === 'cli') return;
    // reads ~25/s, writes and deletes ~10/s per subscription, 429 + Retry-After, as ARM does
    const emulator = await startEmulator({ resourceGroups: [RESOURCE_GROUP], faults: { throttling: {} } });
    closers.push(() => emulator.close());
    const connection = await Connection.connect({ address: devServer.address });
    closers.push(() => connection.close());
    const client = new Client({ connection });

    // One bundle for every worker process, so their CPU figures do not include bundling.
    const workflowBundlePath = join(mkdtempSync(join(tmpdir(), 'aci-flow-bench-')), 'workflows.js');
    writeFileSync(workflowBundlePath, (await bundleFlowRunWorkflows({ logger: new DefaultLogger('WARN') })).code);
    const context = {
      client,
      emulator,
      resourceGroup: RESOURCE_GROUP,
      pool: await loadPoolConfig(join(REPO_ROOT, 'examples', 'pool.yaml')),
      temporalAddress: devServer.address,
      workflowBundlePath,
      resultsDir,
      runTag: Date.now().toString(36).slice(-4),
    };
    if (options.scenario === 'steady') {
      // Strategies innermost, so the rows they are compared on sit next to each other.
      for (const size of options.sizes) {
        for (const subscriptions of options.subscriptions) {
          for (const workers of options.workers) {
            for (const strategy of options.strategies) {
              steadyResults.push(await runSteadyScenario(context, options, { strategy, size, workers, subscriptions }));
              save();
            }
          }
        }
      }
    } else {
      for (const size of options.sizes) {
        for (const strategy of options.strategies) {
          results.push(await runScenario(context, options, strategy, size));
          save();
        }
      }
    }
  } finally {
    for (const close of closers.reverse()) await close().catch((err: unknown) => console.error(`cleanup failed: ${String(err)}`));
  }
  console.log(resultTables(options, results, steadyResults, cliStartup));
}

function resultTables(options: BenchOptions, results: ScenarioResult[], steadyResults: SteadyResult[], cliStartup: CliStartupResult[]): string {
  return [
    cliStartupTable(cliStartup),
    ...(results.length > 0 ? [markdownTable(results, options.pollIntervalSeconds)] : []),
    ...(steadyResults.length > 0 ? [steadyTable(steadyResults), steadyTargets(steadyResults)] : []),
  ].join('\n\n');
}

/** After every scenario, so an interrupted run keeps what it measured. */
function writeResults(
  resultsDir: string,
  startedAt: Date,
  options: BenchOptions,
  results: ScenarioResult[],
  steadyResults: SteadyResult[],
  cliStartup: CliStartupResult[],
): void {
  const stamp = startedAt.toISOString().replace(/[:.]/g, '-');
  writeFileSync(join(resultsDir, `bench-${stamp}.md`), `${resultTables(options, results, steadyResults, cliStartup)}\n`);
  writeFileSync(join(resultsDir, `bench-${stamp}.json`), `${JSON.stringify({ startedAt, options, cliStartup, results, steadyResults }, null, 2)}\n`);
}

let options: BenchOptions;
try {
  options = parseBenchOptions(process.argv.slice(2));
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(2);
}
main(options).then(
  () => process.exit(0),
  (err: unknown) => {
    console.error(`benchmark failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}`);
    process.exit(1);
  },
);
