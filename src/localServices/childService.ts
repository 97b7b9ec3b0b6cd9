/**
 * A local service (the Temporal dev server, Azurite, a Prefect server) as a child process:
 * started, waited for until it answers, and stopped, also when this process exits without
 * stopping it (a crash, a closed terminal), so none is left orphaned.
 */
import { type ChildProcess, spawn, type SpawnOptions } from 'node:child_process';
import { setTimeout as sleep } from 'node:timers/promises';

/** How long a service may take to exit after SIGTERM before it gets SIGKILL. */
const STOP_GRACE_MS = 10_000;
const OUTPUT_KEPT_CHARS = 4000;
/** The start of what it printed is kept too: a Go panic's message comes first, its long stack trace after. */
const OUTPUT_HEAD_CHARS = 1000;

export interface LocalService<Ready> {
  /** What `ready` resolved with (an endpoint, say). */
  ready: Ready;
  /** What it printed lately, for error messages. */
  output(): string;
  /** SIGTERM (to its process group when it has one), SIGKILL after a grace period; resolves once it exited. */
  stop(): Promise<void>;
  /** SIGKILL at once, no shutdown (what a crash does); resolves once it exited. */
  kill(): Promise<void>;
}

export interface LocalServiceOptions<Ready> extends Pick<SpawnOptions, 'env' | 'cwd'> {
  /** For messages: "the Temporal dev server". */
  name: string;
  /** Polled until it resolves with a value: the service answers. Receives what it printed so far. */
  ready: (output: string) => Promise<Ready | undefined>;
  readyTimeoutMs: number;
  readyPollMs?: number;
  /** Its own process group, so stop() also ends the processes it starts. */
  processGroup?: boolean;
  /** After it exited, e.g. removing its temporary folder. */
  afterStop?: () => void;
}

/** Spawns the service and resolves once `ready` says it answers; stops it and rejects if it exits first or takes too long. */
export async function startLocalService<Ready>(command: string, args: string[], options: LocalServiceOptions<Ready>): Promise<LocalService<Ready>> {
  const child = spawn(command, args, {
    env: options.env,
    cwd: options.cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: options.processGroup === true,
  });
  let output = '';
  let head = '';
  let printedChars = 0;
  const collect = (chunk: Buffer) => {
    const text = chunk.toString();
    printedChars += text.length;
    if (head.length < OUTPUT_HEAD_CHARS) head += text.slice(0, OUTPUT_HEAD_CHARS - head.length);
    output = (output + text).slice(-OUTPUT_KEPT_CHARS);
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const signal = (name: NodeJS.Signals) => signalService(child, name, options.processGroup === true);
  const killOnExit = () => signal('SIGKILL');
  process.once('exit', killOnExit);
  const running = () => child.exitCode === null && child.signalCode === null;
  const stopped = () => {
    process.off('exit', killOnExit);
    options.afterStop?.();
  };
  const stop = async () => {
    if (running()) {
      signal('SIGTERM');
      // The grace timer is cancelled once the service exits, so it does not keep this process alive.
      const grace = new AbortController();
      const gone = await Promise.race([exited.then(() => true), sleep(STOP_GRACE_MS, false, { signal: grace.signal }).catch(() => true)]);
      grace.abort();
      if (!gone) {
        signal('SIGKILL');
        await exited;
      }
    }
    stopped();
  };
  const kill = async () => {
    if (running()) signal('SIGKILL');
    await exited;
    stopped();
  };
  const printed = () => (printedChars > OUTPUT_KEPT_CHARS ? `${head.trim()}\n[…]\n${output.trim()}` : output.trim() || '(no output)');

  const deadline = Date.now() + options.readyTimeoutMs;
  try {
    for (;;) {
      if (!running()) {
        throw new ServiceExitedError(`${options.name} exited with ${child.exitCode ?? child.signalCode} before it was ready: ${printed()}`);
      }
      const ready = await options.ready(output).catch(() => undefined);
      if (ready !== undefined) return { ready, output: () => output, stop, kill };
      if (Date.now() > deadline) throw new Error(`${options.name} was not ready within ${options.readyTimeoutMs / 1000} s: ${printed()}`);
      await sleep(options.readyPollMs ?? 250);
    }
  } catch (err) {
    await stop();
    throw err;
  }
}

/** The service ended on its own before it answered (as opposed to not answering in time). */
export class ServiceExitedError extends Error {
  override name = 'ServiceExitedError';
}

function signalService(child: ChildProcess, signal: NodeJS.Signals, processGroup: boolean): void {
  if (!processGroup || child.pid === undefined) {
    child.kill(signal);
    return;
  }
  try {
    process.kill(-child.pid, signal);
  } catch {
    // Already gone.
  }
}
