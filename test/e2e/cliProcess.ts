import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';

export const REPO_ROOT = resolve(__dirname, '..', '..');
export const ACI_FLOW_BIN = join(REPO_ROOT, 'bin', 'aci-flow.js');

/** `aci-flow start` of flow `flow` as run `runId` on `workPool`, rendered from examples/pool.yaml, then `more`. */
export function startArgs(run: { workPool: string; flow: string; runId: string }, ...more: string[]): string[] {
  return ['start', '--pool', run.workPool, '--pool-config', 'examples/pool.yaml', '--flow', run.flow, '--run-id', run.runId, ...more];
}

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `node bin/aci-flow.js <args>` as a user would, with extra environment variables. */
export function runCli(args: string[], env: NodeJS.ProcessEnv = {}, timeoutMs = 60_000): Promise<CliResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [ACI_FLOW_BIN, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`aci-flow ${args.join(' ')} did not finish within ${timeoutMs} ms; output so far:\n${stdout}\n${stderr}`));
    }, timeoutMs);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolvePromise({ code, stdout, stderr });
    });
  });
}

export interface RunningCli {
  child: ChildProcess;
  /** stdout and stderr so far, interleaved as a terminal shows them. */
  output(): string;
  exited: Promise<number | null>;
  /** SIGKILL unless it has exited: for a test's `finally`. */
  killIfRunning(): void;
}

/** Starts `node bin/aci-flow.js <args>` and leaves it running, for commands that run until interrupted. */
export function startCli(args: string[], env: NodeJS.ProcessEnv = {}): RunningCli {
  const child = spawn(process.execPath, [ACI_FLOW_BIN, ...args], {
    cwd: REPO_ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => (output += chunk));
  child.stderr?.on('data', (chunk) => (output += chunk));
  const exited = new Promise<number | null>((resolvePromise) => child.once('exit', (code) => resolvePromise(code)));
  return {
    child,
    output: () => output,
    exited,
    killIfRunning: () => {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    },
  };
}
