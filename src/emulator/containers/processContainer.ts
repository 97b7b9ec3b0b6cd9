import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, type WriteStream } from 'node:fs';
import { constants } from 'node:os';
import { event, rfc3339Nano, type ContainerEventView, type ContainerInstanceView, type ContainerRuntime, type ContainerStateView, type LogLine } from './types';
import type { ContainerSpec } from '../containerGroupSpec';

/** The Prefect image's entrypoint only execs its arguments, so locally it is skipped. */
const PREFECT_ENTRYPOINT = '/opt/prefect/entrypoint.sh';
/** Without a command the image's default would run; locally it "runs" this long and exits 0. */
const DEFAULT_COMMAND_RUNTIME_MS = 200;
const STOP_GRACE_MS = 2000;
/** Bounded like ACI's log window, so a chatty process cannot exhaust memory. */
const MAX_LOG_LINES = 100_000;
const MAX_LINE_LENGTH = 64 * 1024;

export interface ProcessContainerOptions {
  spec: ContainerSpec;
  createdAt: number;
  pullDelayMs: number;
  neverStart: boolean;
  cwd: string;
  logFile: string;
}

/** A container run as a local child process with the template's command and environment. */
export class ProcessContainer implements ContainerRuntime {
  readonly name: string;
  private state: ContainerStateView = { state: 'Waiting', detailStatus: 'ContainerCreating' };
  private readonly events: ContainerEventView[] = [];
  private readonly lines: LogLine[] = [];
  private child: ChildProcess | undefined;
  private pullTimer: NodeJS.Timeout | undefined;
  private readonly logFile: WriteStream;
  private finished: Promise<void> | undefined;
  private lastStampNanos = 0n;
  /** Set while a container without command "runs" the image default. */
  private endDefaultCommand: (() => void) | undefined;
  private stopRequested = false;

  constructor(private readonly options: ProcessContainerOptions) {
    this.name = options.spec.name;
    this.logFile = createWriteStream(options.logFile, { flags: 'a' });
    this.logFile.on('error', () => undefined); // a full disk must not crash the emulator
    this.events.push(event('Pulling', `pulling image "${options.spec.image}"`, options.createdAt));
    if (!options.neverStart) {
      this.pullTimer = setTimeout(() => this.start(), options.pullDelayMs);
    }
  }

  instanceView(): ContainerInstanceView {
    return { restartCount: 0, currentState: { ...this.state }, events: [...this.events] };
  }

  logs(_now: number, tail: number | undefined): LogLine[] {
    return tail === undefined ? [...this.lines] : this.lines.slice(Math.max(0, this.lines.length - tail));
  }

  stop(now: number): Promise<void> {
    if (this.pullTimer) {
      clearTimeout(this.pullTimer);
      this.pullTimer = undefined;
    }
    if (this.state.state === 'Waiting') {
      this.state = { state: 'Terminated', detailStatus: 'Stopped', finishTime: new Date(now).toISOString() };
      this.logFile.end();
      return Promise.resolve();
    }
    if (this.stopRequested) return this.finished ?? Promise.resolve();
    this.stopRequested = true;
    this.endDefaultCommand?.();
    const child = this.child;
    if (this.state.state === 'Running' && child?.pid !== undefined) {
      this.events.push(event('Killing', `Killing container with id ${child.pid}.`, now));
      signalGroup(child.pid, 'SIGTERM');
      const forceKill = setTimeout(() => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'), STOP_GRACE_MS);
      forceKill.unref();
      void this.finished?.then(() => clearTimeout(forceKill));
    }
    return this.finished ?? Promise.resolve();
  }

  private start(): void {
    this.pullTimer = undefined;
    const now = Date.now();
    this.events.push(event('Pulled', `Successfully pulled image "${this.options.spec.image}"`, now));
    const command = this.options.spec.command?.[0] === PREFECT_ENTRYPOINT ? this.options.spec.command.slice(1) : this.options.spec.command;
    this.events.push(event('Started', 'Started container', now));
    this.state = { state: 'Running', detailStatus: '', startTime: new Date(now).toISOString() };
    this.finished = new Promise((resolve) => {
      let settled = false;
      const settle = (exitCode: number): void => {
        if (settled) return;
        settled = true;
        this.terminate(exitCode);
        resolve();
      };
      const program = command?.[0];
      if (!command || program === undefined) {
        const imageDefault = setTimeout(() => settle(0), DEFAULT_COMMAND_RUNTIME_MS);
        this.endDefaultCommand = () => {
          clearTimeout(imageDefault);
          settle(128 + signalNumber('SIGTERM'));
        };
        return;
      }
      const failToStart = (reason: string): void => {
        this.events.push(event('Failed', `Error: failed to start container "${this.name}": exec: "${program}": ${reason}`, Date.now(), 'Warning'));
        settle(127);
      };
      let child: ChildProcess;
      try {
        child = spawn(program, command.slice(1), {
          cwd: this.options.cwd,
          env: { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: process.env.HOME ?? '/tmp', LANG: 'C.UTF-8', ...this.options.spec.environment },
          stdio: ['ignore', 'pipe', 'pipe'],
          // its own process group, so stop/delete also end the command's children
          detached: true,
        });
      } catch (error) {
        // e.g. an empty command or a NUL byte in an argument or variable: Node refuses before exec
        failToStart(error instanceof Error ? error.message : String(error));
        return;
      }
      this.child = child;
      this.captureLines(child.stdout);
      this.captureLines(child.stderr);
      child.on('error', (error: NodeJS.ErrnoException) => failToStart(error.code === 'ENOENT' ? 'executable file not found in $PATH' : error.message));
      // when the main process ends, the container ends: leftover background processes go too,
      // as when PID 1 of a container exits (otherwise they would hold the output pipes open)
      child.on('exit', () => child.pid !== undefined && signalGroup(child.pid, 'SIGKILL'));
      // 'close' waits for stdout/stderr to drain, so the last lines are captured before the state says Terminated
      child.on('close', (code, signal) => settle(code ?? (signal ? 128 + signalNumber(signal) : 1)));
    });
  }

  private terminate(exitCode: number): void {
    this.state = {
      state: 'Terminated',
      detailStatus: exitCode === 0 ? 'Completed' : 'Error',
      exitCode,
      startTime: this.state.startTime,
      finishTime: new Date().toISOString(),
    };
    this.logFile.end();
  }

  private captureLines(stream: NodeJS.ReadableStream | null): void {
    if (!stream) return;
    let partial = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => {
      const parts = (partial + chunk).split('\n');
      partial = parts.pop() ?? '';
      for (const text of parts) this.append(text.replace(/\r$/, ''));
      // output without newlines must not grow without bound: break it like a terminal would
      while (partial.length > MAX_LINE_LENGTH) {
        this.append(partial.slice(0, MAX_LINE_LENGTH));
        partial = partial.slice(MAX_LINE_LENGTH);
      }
    });
    stream.on('end', () => {
      if (partial) this.append(partial);
      partial = '';
    });
  }

  private append(text: string): void {
    const line = { timestamp: this.nextTimestamp(), text };
    this.lines.push(line);
    if (this.lines.length > MAX_LOG_LINES) this.lines.splice(0, this.lines.length - MAX_LOG_LINES);
    this.logFile.write(`${line.timestamp} ${text}\n`);
  }

  /** Strictly increasing, so a reader can use the timestamp as a cursor. */
  private nextTimestamp(): string {
    let nanos = BigInt(Date.now()) * 1_000_000n + (process.hrtime.bigint() % 1_000_000n);
    if (nanos <= this.lastStampNanos) nanos = this.lastStampNanos + 1n;
    this.lastStampNanos = nanos;
    return rfc3339Nano(Number(nanos / 1_000_000n), Number(nanos % 1_000_000n));
  }
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // already gone
  }
}

function signalNumber(signal: NodeJS.Signals): number {
  return constants.signals[signal] ?? 1;
}
