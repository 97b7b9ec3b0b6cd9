import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../../../src/localServices';
import { nth } from '../../helpers/must';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const PRELOAD = join(REPO_ROOT, 'test', 'helpers', 'reportLoadedModules.js');

/**
 * What a command must never load: the worker (and the Temporal worker SDK with its webpack
 * bundler), the emulator (and selfsigned), the demo and the local services it launches. The two small settings modules
 * (workerHost/settings, emulator/defaults) hold defaults the help text shows, and are allowed.
 */
const HEAVY = [
  /dist\/worker\.js$/,
  /dist\/workerHost\/(?!settings\.js$)/,
  /dist\/emulator\/(?!defaults\.js$)/,
  /dist\/cli\/demo\//,
  /dist\/localServices\//,
  /node_modules\/selfsigned\//,
  /node_modules\/@temporalio\/worker\//,
  /node_modules\/webpack\//,
];

async function loadedModules(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; modules: string[] }> {
  const report = join(mkdtempSync(join(tmpdir(), 'aci-flow-startup-')), 'modules.json');
  const child = spawn(process.execPath, ['-r', PRELOAD, join(REPO_ROOT, 'bin', 'aci-flow.js'), ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env, ACI_FLOW_TEST_LOADED_MODULES: report },
    stdio: 'ignore',
  });
  const code = await new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
  return { code, modules: JSON.parse(readFileSync(report, 'utf8')) as string[] };
}

describe('the compiled CLI loads only what a command needs', () => {
  it('never loads the worker, the emulator, selfsigned or the demo for --help, status, list, cancel, logs, start, render and codec-server', async () => {
    // Nothing listens there: the commands that connect fail after loading everything they need.
    const env = {
      TEMPORAL_ADDRESS: `127.0.0.1:${await freePort()}`,
      ACI_FLOW_POOL_CONFIG: join(REPO_ROOT, 'examples', 'pool.yaml'),
      // With a codec key every command loads the payload codec as well.
      ACI_FLOW_CODEC_KEYS: `startup=${'0'.repeat(64)}`,
      ACI_FLOW_CODEC_SERVER_TOKEN: 'startup-test-token-0123456789',
    };
    const commands = [
      ['--help'],
      ['status', 'run-1'],
      ['list'],
      ['cancel', 'run-1'],
      ['logs', 'run-1'],
      ['start', '--flow', 'etl', '--run-id', 'run-1'],
      ['start', '--flow', 'etl', '--set', 'cpu=lots'],
      ['render', '--flow', 'etl'],
      // An address that cannot be listened on: the command fails once it has loaded the server.
      ['codec-server', '--host', '256.0.0.1', '--port', '0'],
    ];
    const results = await Promise.all(commands.map((args) => loadedModules(args, env)));
    const report = commands.map((args, index) => ({
      command: args.join(' '),
      code: nth(results, index).code,
      heavy: nth(results, index).modules.filter((path) => HEAVY.some((pattern) => pattern.test(path))),
    }));
    expect(report).toEqual(
      commands.map((args) => ({
        command: args.join(' '),
        // --help and render succeed, bad input exits 2, the rest cannot reach Temporal.
        code: args[0] === '--help' || args[0] === 'render' ? 0 : args.includes('cpu=lots') ? 2 : 1,
        heavy: [],
      })),
    );
    // The check above is only meaningful if the preload saw the CLI's own modules.
    expect(nth(results, 1).modules.some((path) => path.endsWith(join('dist', 'client', 'flowRunStatus.js')))).toBe(true);
    expect(results.at(-1)?.modules.some((path) => path.endsWith(join('dist', 'cli', 'codecServer', 'server.js')))).toBe(true);
  }, 60_000);
});
