/**
 * The package as a platform team gets it: `npm pack`, the tarball unpacked into an empty
 * project next to its production dependencies only, then imported from plain JavaScript
 * (ESM and CommonJS) and from TypeScript to start and cancel a real flow run.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join, relative, resolve, sep } from 'node:path';
import { promisify } from 'node:util';
import { FLOW_RUN_ID_TAG } from '../../src/template/deployment';
import { defaultBaseJobTemplate } from '../../src/config';
import { startStack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type Stack } from '../helpers/stack';
import { uniqueRunId } from '../helpers/flowRuns';

const REPO_ROOT = resolve(__dirname, '..', '..');
const execFileAsync = promisify(execFile);

/** Unpacks the tarball as node_modules/aci-flow and links only the production dependency tree beside it. */
function installPackedTarball(consumer: string): void {
  const packDir = mkdtempSync(join(tmpdir(), 'aci-flow-pack-'));
  // --ignore-scripts: globalSetup already built dist/; `prepare` would also provision tools.
  const [{ filename }] = JSON.parse(
    execFileSync('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', packDir], { cwd: REPO_ROOT, encoding: 'utf8' }),
  ) as Array<{ filename: string }>;
  const modules = join(consumer, 'node_modules');
  mkdirSync(modules, { recursive: true });
  execFileSync('tar', ['-xzf', join(packDir, basename(filename)), '-C', packDir]);
  renameSync(join(packDir, 'package'), join(modules, 'aci-flow'));
  // Only what `npm ls --omit=dev` lists: a runtime import of a dev dependency would fail here, as it would for users.
  const production = execFileSync('npm', ['ls', '--omit=dev', '--all', '--parseable'], { cwd: REPO_ROOT, encoding: 'utf8' })
    .split('\n')
    .map((path) => relative(join(REPO_ROOT, 'node_modules'), path))
    .filter((path) => path && !path.startsWith('..') && !path.split(sep).slice(1).includes('node_modules'))
    .filter((path) => !path.startsWith('@') || path.split(sep).length === 2);
  for (const name of new Set(production)) {
    mkdirSync(dirname(join(modules, name)), { recursive: true });
    symlinkSync(join(REPO_ROOT, 'node_modules', name), join(modules, name));
  }
}

describe('the packed aci-flow package', () => {
  let stack: Stack;
  let consumer: string;

  beforeAll(async () => {
    consumer = mkdtempSync(join(tmpdir(), 'aci-flow-consumer-'));
    writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
    installPackedTarball(consumer);
    stack = await startStack();
    await stack.startWorker();
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  // Asynchronous: the worker runs in this process and must keep working while the script runs.
  const run = async (script: string, env: NodeJS.ProcessEnv = {}) =>
    (
      await execFileAsync(process.execPath, [script], {
        cwd: consumer,
        encoding: 'utf8',
        env: { ...process.env, TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default', ...env },
      })
    ).stdout;

  it('ships compiled JavaScript, its types and the CLI, and no TypeScript sources', () => {
    const files = readdirSync(join(consumer, 'node_modules', 'aci-flow'));
    expect(files).toEqual(expect.arrayContaining(['bin', 'dist', 'package.json']));
    expect(files).not.toContain('src');
    expect(readdirSync(join(consumer, 'node_modules', 'aci-flow', 'dist', 'client'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
  });

  it('starts and cancels a flow run through an ESM import', async () => {
    const flowRunId = uniqueRunId('pkg-esm');
    writeFileSync(
      join(consumer, 'start-and-cancel.mjs'),
      `
import { readFileSync } from 'node:fs';
import { cancelFlowRun, connectClient, getFlowRunStatus, listFlowRuns, followLogs, startFlowRun, parsePoolConfig } from 'aci-flow';

const client = await connectClient();
try {
  const pool = parsePoolConfig(JSON.parse(readFileSync(process.env.POOL_FILE, 'utf8')), 'pool.json');
  const started = await startFlowRun(client, {
    workPool: process.env.WORK_POOL,
    flowName: 'packaged',
    flowRunId: process.env.FLOW_RUN_ID,
    pool,
    values: { image: 'busybox:latest', command: 'sleep 300', resource_group_name: process.env.RESOURCE_GROUP,
              subscription_id: process.env.SUBSCRIPTION_ID, task_watch_poll_interval: 0.3 },
  });
  for (;;) {
    const status = await getFlowRunStatus(client, started.flowRunId);
    if (status.phase === 'Running') break;
    if (['Completed', 'Failed', 'Cancelled', 'TimedOut'].includes(status.phase)) throw new Error('ended early: ' + status.phase);
    await new Promise((r) => setTimeout(r, 200));
  }
  await cancelFlowRun(client, started.flowRunId, 'from the packaged library');
  await started.handle.result().catch(() => undefined);
  const status = await getFlowRunStatus(client, started.flowRunId);
  const listed = await listFlowRuns(client, { workPool: process.env.WORK_POOL, limit: 100 });
  const lines = [];
  for await (const line of followLogs(started.flowRunId, { client })) lines.push(line);
  process.stdout.write(JSON.stringify({ phase: status.phase, message: status.message, listed: listed.some((r) => r.flowRunId === started.flowRunId), followLogs: typeof followLogs }));
} finally {
  await client.connection.close();
}
`,
    );
    writeFileSync(join(consumer, 'pool.json'), JSON.stringify({ name: stack.workPool, base_job_template: defaultBaseJobTemplate() }));
    const output = JSON.parse(
      await run('start-and-cancel.mjs', {
        POOL_FILE: join(consumer, 'pool.json'),
        WORK_POOL: stack.workPool,
        FLOW_RUN_ID: flowRunId,
        RESOURCE_GROUP: TEST_RESOURCE_GROUP,
        SUBSCRIPTION_ID: TEST_SUBSCRIPTION_ID,
        ACI_FLOW_LOG_DIR: stack.logDir,
      }),
    );
    expect(output).toEqual({ phase: 'Cancelled', message: 'Flow run cancelled: from the packaged library', listed: true, followLogs: 'function' });
    // The cancel reached the worker: the run's group is gone from Azure.
    expect((await stack.gateway.listManagedContainerGroups({ subscriptionId: TEST_SUBSCRIPTION_ID, resourceGroupName: TEST_RESOURCE_GROUP })).map((g) => g.tags?.[FLOW_RUN_ID_TAG])).not.toContain(flowRunId);
  }, 120_000);

  it('exposes the same functions to CommonJS require', async () => {
    writeFileSync(
      join(consumer, 'names.cjs'),
      `const lib = require('aci-flow');
process.stdout.write(JSON.stringify(['connectClient', 'startFlowRun', 'cancelFlowRun', 'getFlowRunStatus', 'listFlowRuns', 'followLogs'].map((name) => [name, typeof lib[name]])));`,
    );
    expect(JSON.parse(await run('names.cjs'))).toEqual(
      ['connectClient', 'startFlowRun', 'cancelFlowRun', 'getFlowRunStatus', 'listFlowRuns', 'followLogs'].map((name) => [name, 'function']),
    );
  });

  it('type-checks a TypeScript orchestrator against the published types', () => {
    writeFileSync(
      join(consumer, 'orchestrator.ts'),
      `import { connectClient, startFlowRun, cancelFlowRun, getFlowRunStatus, type FlowRunStatus, type StartFlowRunOptions } from 'aci-flow';
export async function restart(options: StartFlowRunOptions): Promise<FlowRunStatus['phase']> {
  const client = await connectClient();
  const started = await startFlowRun(client, options);
  await cancelFlowRun(client, started.flowRunId, 'restart');
  return (await getFlowRunStatus(client, started.flowRunId)).phase;
}
// A wrong field must not compile: the types are real, not any.
// @ts-expect-error flowRunId is a string
export const wrong: StartFlowRunOptions['flowRunId'] = 42;
`,
    );
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({ compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', noEmit: true, types: [], skipLibCheck: true }, files: ['orchestrator.ts'] }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    expect(() => execFileSync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, encoding: 'utf8', stdio: 'pipe' })).not.toThrow();
  });
});

