/**
 * The two packages as a platform team gets them: `npm pack` of each, then `npm install` of only
 * the tarballs, with the production dependencies they declare, into empty projects: one with
 * the client package alone (`@aci-flow/client`), one with `aci-flow` (CLI, worker, bridge) and
 * the client it depends on. Each is imported from plain JavaScript (ESM and CommonJS) and from
 * TypeScript, and starts and cancels a real flow run.
 *
 * The installs resolve dependencies from the npm cache first (`--prefer-offline`): after one
 * run with the registry reachable, they need no network.
 */
import { execFile, execFileSync } from 'node:child_process';
import { lstatSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { first } from '../../helpers/must';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { FLOW_RUN_ID_TAG } from '../../../src/template/deployment';
import { defaultBaseJobTemplate } from '../../../src/config';
import { startStack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type Stack } from '../../helpers/stack';
import { uniqueRunId } from '../../helpers/flowRuns';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const CLIENT_PACKAGE = '@aci-flow/client';
const execFileAsync = promisify(execFile);
const LIBRARY_FUNCTIONS = ['connectClient', 'startFlowRun', 'cancelFlowRun', 'getFlowRunStatus', 'listFlowRuns', 'followLogs'];
/** What an orchestrator must not have to install: the worker and its bundler, tracing, the Azure SDKs. */
const WORKER_ONLY_PACKAGES = /^(@temporalio\/(worker|core-bridge)|webpack|@swc\/.*|@opentelemetry\/.*|@azure\/.*)$/;

/** `npm pack` of the root package or a workspace; returns the tarball's path. */
async function pack(destination: string, workspace?: string): Promise<string> {
  // --ignore-scripts: globalSetup already built both packages; `prepare` would also provision tools.
  const args = ['pack', '--json', '--ignore-scripts', '--pack-destination', destination, ...(workspace ? ['--workspace', workspace] : [])];
  const { stdout } = await execFileAsync('npm', args, { cwd: REPO_ROOT, encoding: 'utf8' });
  const { filename } = first(JSON.parse(stdout) as Array<{ filename: string }>);
  return join(destination, filename);
}

/** Makes `consumer` a project with only these tarballs installed, as `npm install <tarball>…` installs them for a user. */
async function installTarballs(consumer: string, tarballs: string[]): Promise<void> {
  writeFileSync(join(consumer, 'package.json'), JSON.stringify({ name: 'consumer', private: true }));
  // --ignore-scripts: no production dependency needs its install script (package.json's
  // allowScripts records why), and a test should not run third-party scripts.
  await execFileAsync('npm', ['install', '--prefer-offline', '--ignore-scripts', '--no-audit', '--no-fund', ...tarballs], {
    cwd: consumer,
    encoding: 'utf8',
  });
}

/** Installed packages of a node_modules tree, as `name` → directory (nested copies included). */
function installedPackages(modules: string): Array<{ name: string; dir: string }> {
  return readdirSync(modules)
    .filter((entry) => !entry.startsWith('.'))
    .flatMap((entry) => (entry.startsWith('@') ? readdirSync(join(modules, entry)).map((name) => `${entry}/${name}`) : [entry]))
    .flatMap((name) => {
      const dir = join(modules, name);
      const nested = join(dir, 'node_modules');
      return [{ name, dir }, ...(exists(nested) ? installedPackages(nested) : [])];
    });
}

function exists(path: string): boolean {
  try {
    lstatSync(path);
    return true;
  } catch {
    return false;
  }
}

/** Bytes of the files under `dir`, without nested node_modules (separate packages). */
function ownBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((sum, entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'node_modules' ? sum : sum + ownBytes(path);
    return sum + lstatSync(path).size;
  }, 0);
}

/** The package directory Node resolves `name` to from `fromDir`. */
function resolvePackageDir(name: string, fromDir: string): string | undefined {
  for (let dir = fromDir; ; dir = resolve(dir, '..')) {
    const candidate = join(dir, 'node_modules', name);
    if (exists(join(candidate, 'package.json'))) return candidate;
    if (resolve(dir, '..') === dir) return undefined;
  }
}

/** Directories of `root` and every package it depends on (optional ones when installed). */
function dependencyClosure(root: string): Set<string> {
  const seen = new Set<string>();
  const visit = (dir: string) => {
    if (seen.has(dir)) return;
    seen.add(dir);
    const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    for (const name of Object.keys({ ...manifest.dependencies, ...manifest.optionalDependencies })) {
      const found = resolvePackageDir(name, dir);
      if (found) visit(found);
    }
  };
  visit(root);
  return seen;
}

/** Files under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/** The packages a compiled file or declaration names: `require('x')`, `from 'x'`, `import('x')`, without relative paths and Node's built-ins. */
function packagesNamedIn(file: string): string[] {
  const specifiers = [...readFileSync(file, 'utf8').matchAll(/(?:require\(|from |import\()\s*["']([^"']+)["']/g)].map((match) => match[1]!); // the group always takes part
  return specifiers
    .filter((specifier) => !specifier.startsWith('.') && !specifier.startsWith('node:') && !builtinModules.includes(specifier))
    .map((specifier) =>
      specifier
        .split('/')
        .slice(0, specifier.startsWith('@') ? 2 : 1)
        .join('/'),
    );
}

const megabytes = (bytes: number) => Math.round(bytes / 1e5) / 10;

describe('the packed packages', () => {
  let stack: Stack;
  let packDir: string;
  let clientOnly: string;
  let withAciFlow: string;

  beforeAll(async () => {
    packDir = mkdtempSync(join(tmpdir(), 'aci-flow-pack-'));
    clientOnly = mkdtempSync(join(tmpdir(), 'aci-flow-consumer-'));
    withAciFlow = mkdtempSync(join(tmpdir(), 'aci-flow-consumer-'));
    // Independent steps side by side: the packs and installs mostly wait on npm and the disk, the stack on its servers.
    const installs = (async () => {
      const [clientTarball, aciFlowTarball] = await Promise.all([pack(packDir, 'packages/client'), pack(packDir)]);
      await Promise.all([installTarballs(clientOnly, [clientTarball]), installTarballs(withAciFlow, [clientTarball, aciFlowTarball])]);
    })();
    const started = startStack().then(async (running) => {
      stack = running;
      await running.startWorker();
    });
    // Both settle before either failure is thrown, so afterAll never closes a stack still starting.
    const [installed, stackStarted] = await Promise.allSettled([installs, started]);
    if (installed.status === 'rejected') throw installed.reason;
    if (stackStarted.status === 'rejected') throw stackStarted.reason;
  }, 300_000);

  afterAll(async () => {
    await stack?.close();
    // aci-flow's install is over 400 MB: leave none of it behind.
    for (const dir of [packDir, clientOnly, withAciFlow]) if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Asynchronous: the worker runs in this process and must keep working while the script runs.
  const run = async (consumer: string, script: string, env: NodeJS.ProcessEnv = {}) =>
    (
      await execFileAsync(process.execPath, [script], {
        cwd: consumer,
        encoding: 'utf8',
        env: { ...process.env, TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default', ...env },
      })
    ).stdout;

  /** Starts a run through `packageName`'s ESM import, waits for Running, cancels it and reports what the library saw. */
  async function startAndCancel(consumer: string, packageName: string, env: NodeJS.ProcessEnv = {}) {
    const flowRunId = uniqueRunId('pkg-esm');
    writeFileSync(
      join(consumer, 'start-and-cancel.mjs'),
      `
import { readFileSync } from 'node:fs';
import { cancelFlowRun, connectClient, getFlowRunStatus, listFlowRuns, followLogs, startFlowRun, parsePoolConfig } from '${packageName}';

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
  let blobLogs = 'not tried';
  if (process.env.TRY_BLOB_LOGS) {
    try {
      for await (const line of followLogs(started.flowRunId, { client, blob: { connectionString: 'UseDevelopmentStorage=true', container: 'aci-flow-logs' } })) lines.push(line);
      blobLogs = 'read';
    } catch (err) {
      blobLogs = err.message;
    }
  }
  process.stdout.write(JSON.stringify({ phase: status.phase, message: status.message, listed: listed.some((r) => r.flowRunId === started.flowRunId), blobLogs }));
} finally {
  await client.connection.close();
}
`,
    );
    writeFileSync(join(consumer, 'pool.json'), JSON.stringify({ name: stack.workPool, base_job_template: defaultBaseJobTemplate() }));
    const output = JSON.parse(
      await run(consumer, 'start-and-cancel.mjs', {
        POOL_FILE: join(consumer, 'pool.json'),
        WORK_POOL: stack.workPool,
        FLOW_RUN_ID: flowRunId,
        RESOURCE_GROUP: TEST_RESOURCE_GROUP,
        SUBSCRIPTION_ID: TEST_SUBSCRIPTION_ID,
        ACI_FLOW_LOG_DIR: stack.logDir,
        ...env,
      }),
    ) as Record<string, unknown>;
    // The cancel reached the worker: the run's group is gone from Azure.
    const groups = await stack.gateway.listManagedContainerGroups({ subscriptionId: TEST_SUBSCRIPTION_ID, resourceGroupName: TEST_RESOURCE_GROUP });
    return { output, groupLeft: groups.some((g) => g.tags?.[FLOW_RUN_ID_TAG] === flowRunId) };
  }

  function typeCheck(consumer: string, source: string) {
    writeFileSync(join(consumer, 'orchestrator.ts'), source);
    writeFileSync(
      join(consumer, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: { strict: true, module: 'node16', moduleResolution: 'node16', target: 'ES2022', noEmit: true, types: [], skipLibCheck: true },
        files: ['orchestrator.ts'],
      }),
    );
    const tsc = join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
    return execFileSync(process.execPath, [tsc, '-p', consumer], { cwd: consumer, encoding: 'utf8', stdio: 'pipe' });
  }

  const orchestratorSource = (
    packageName: string,
  ) => `import { connectClient, startFlowRun, cancelFlowRun, getFlowRunStatus, type FlowRunStatus, type StartFlowRunOptions } from '${packageName}';
export async function restart(options: StartFlowRunOptions): Promise<FlowRunStatus['phase']> {
  const client = await connectClient();
  const started = await startFlowRun(client, options);
  await cancelFlowRun(client, started.flowRunId, 'restart');
  return (await getFlowRunStatus(client, started.flowRunId)).phase;
}
// A wrong field must not compile: the types are real, not any.
// @ts-expect-error flowRunId is a string
export const wrong: StartFlowRunOptions['flowRunId'] = 42;
`;

  describe(`${CLIENT_PACKAGE} alone`, () => {
    it('ships compiled JavaScript, its types and the license, and no TypeScript sources', () => {
      const files = readdirSync(join(clientOnly, 'node_modules', CLIENT_PACKAGE));
      expect(files.sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
      expect(readdirSync(join(clientOnly, 'node_modules', CLIENT_PACKAGE, 'dist', 'client'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    });

    it('names in its code and types only the packages it declares (a worker type in a declaration would break on install)', () => {
      const installed = join(clientOnly, 'node_modules', CLIENT_PACKAGE);
      const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as { dependencies: object; peerDependencies: object };
      // Its own name too: doc comments show the import.
      const declared = new Set([CLIENT_PACKAGE, ...Object.keys(manifest.dependencies), ...Object.keys(manifest.peerDependencies)]);
      const named = new Set(filesUnder(join(installed, 'dist')).flatMap(packagesNamedIn));
      expect(named.size).toBeGreaterThan(3);
      expect([...named].filter((name) => !declared.has(name))).toEqual([]);
    });

    it('installs a Temporal client and what the library needs, not the worker, webpack, swc, OpenTelemetry or the Azure SDKs', () => {
      const modules = join(clientOnly, 'node_modules');
      const installed = installedPackages(modules);
      expect(installed.map((p) => p.name).filter((name) => WORKER_ONLY_PACKAGES.test(name))).toEqual([]);
      // The budget: at most 1.5 times what `npm install @temporalio/client` alone installs.
      const total = installed.reduce((sum, p) => sum + ownBytes(p.dir), 0);
      const temporalClient = [...dependencyClosure(join(modules, '@temporalio', 'client'))].reduce((sum, dir) => sum + ownBytes(dir), 0);
      const sizes = { installedMB: megabytes(total), temporalClientAloneMB: megabytes(temporalClient) };
      expect({ ...sizes, withinBudget: total <= 1.5 * temporalClient }).toEqual({ ...sizes, withinBudget: true });
    });

    it('starts and cancels a flow run through an ESM import, and says what to install to read blob logs', async () => {
      const { output, groupLeft } = await startAndCancel(clientOnly, CLIENT_PACKAGE, { TRY_BLOB_LOGS: '1' });
      expect(output).toEqual({
        phase: 'Cancelled',
        message: 'Flow run cancelled: from the packaged library',
        listed: true,
        blobLogs: expect.stringContaining('npm install @azure/storage-blob @azure/identity'),
      });
      expect(groupLeft).toBe(false);
    }, 120_000);

    it('exposes the same functions to CommonJS require', async () => {
      writeFileSync(
        join(clientOnly, 'names.cjs'),
        `const lib = require('${CLIENT_PACKAGE}');
process.stdout.write(JSON.stringify(${JSON.stringify(LIBRARY_FUNCTIONS)}.map((name) => [name, typeof lib[name]])));`,
      );
      expect(JSON.parse(await run(clientOnly, 'names.cjs'))).toEqual(LIBRARY_FUNCTIONS.map((name) => [name, 'function']));
    });

    it('type-checks a TypeScript orchestrator against the published types', () => {
      expect(() => typeCheck(clientOnly, orchestratorSource(CLIENT_PACKAGE))).not.toThrow();
    });
  });

  describe('aci-flow, with the client it depends on', () => {
    it('ships compiled JavaScript, its types and the CLI, and no TypeScript sources', () => {
      const files = readdirSync(join(withAciFlow, 'node_modules', 'aci-flow'));
      expect(files).toEqual(expect.arrayContaining(['LICENSE', 'bin', 'dist', 'index.js', 'index.d.ts', 'package.json']));
      expect(files).not.toContain('src');
      expect(readdirSync(join(withAciFlow, 'node_modules', 'aci-flow', 'dist', 'prefect'))).toEqual(expect.arrayContaining(['index.js', 'index.d.ts']));
    });

    it('starts and cancels a flow run through an ESM import of aci-flow', async () => {
      const { output, groupLeft } = await startAndCancel(withAciFlow, 'aci-flow');
      expect(output).toEqual({ phase: 'Cancelled', message: 'Flow run cancelled: from the packaged library', listed: true, blobLogs: 'not tried' });
      expect(groupLeft).toBe(false);
    }, 120_000);

    it(`gives CommonJS require the client package's own functions, and the Prefect bridge at aci-flow/prefect`, async () => {
      writeFileSync(
        join(withAciFlow, 'names.cjs'),
        `const lib = require('aci-flow');
const client = require('${CLIENT_PACKAGE}');
const prefect = require('aci-flow/prefect');
process.stdout.write(JSON.stringify({
  functions: ${JSON.stringify(LIBRARY_FUNCTIONS)}.map((name) => [name, typeof lib[name], lib[name] === client[name]]),
  prefect: typeof prefect.runPrefectWorker,
}));`,
      );
      expect(JSON.parse(await run(withAciFlow, 'names.cjs'))).toEqual({
        functions: LIBRARY_FUNCTIONS.map((name) => [name, 'function', true]),
        prefect: 'function',
      });
    });

    it('type-checks a TypeScript orchestrator against aci-flow and aci-flow/prefect', () => {
      const source = `${orchestratorSource('aci-flow')}
import { runPrefectWorker, type PrefectWorkerOptions } from 'aci-flow/prefect';
export const bridge: (options: PrefectWorkerOptions) => Promise<void> = runPrefectWorker;
`;
      expect(() => typeCheck(withAciFlow, source)).not.toThrow();
    });

    it('runs the installed CLI from its production dependencies', async () => {
      const { stdout } = await execFileAsync(join(withAciFlow, 'node_modules', '.bin', 'aci-flow'), ['--help'], { cwd: withAciFlow, encoding: 'utf8' });
      expect(stdout).toMatch(/^\s+worker \[options\]/m);
    });
  });
});
