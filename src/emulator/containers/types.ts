/** The container runtimes' common shape: a local process or a simulated timeline. */

export interface ContainerEventView {
  count: number;
  firstTimestamp: string;
  lastTimestamp: string;
  name: string;
  message: string;
  type: 'Normal' | 'Warning';
}

export interface ContainerStateView {
  state: 'Waiting' | 'Running' | 'Terminated';
  detailStatus: string;
  startTime?: string;
  finishTime?: string;
  exitCode?: number;
}

export interface ContainerInstanceView {
  restartCount: number;
  currentState: ContainerStateView;
  events: ContainerEventView[];
}

/** One captured output line; `timestamp` is RFC 3339 with nanoseconds, as ACI prints it. */
export interface LogLine {
  timestamp: string;
  text: string;
}

export interface ContainerRuntime {
  readonly name: string;
  instanceView(now: number): ContainerInstanceView;
  /** The last `tail` lines (all when undefined), readable after exit until the group is deleted. */
  logs(now: number, tail: number | undefined): LogLine[];
  /** Ends the container: SIGTERM, then SIGKILL after a grace period. Resolves when it is gone. */
  stop(now: number): Promise<void>;
}

export function event(name: string, message: string, at: number, type: 'Normal' | 'Warning' = 'Normal'): ContainerEventView {
  const timestamp = new Date(at).toISOString();
  return { count: 1, firstTimestamp: timestamp, lastTimestamp: timestamp, name, message, type };
}

/** RFC 3339 with nine fractional digits from a millisecond time plus sub-millisecond nanoseconds. */
export function rfc3339Nano(epochMs: number, subMillisecondNanos = 0): string {
  const whole = Math.floor(epochMs);
  const iso = new Date(whole).toISOString(); // 2024-01-01T00:00:00.123Z
  const nanos = Math.round((epochMs - whole) * 1e6) + subMillisecondNanos;
  return `${iso.slice(0, 23)}${String(Math.min(nanos, 999_999)).padStart(6, '0')}Z`;
}

export function formatLogs(lines: LogLine[], timestamps: boolean): string {
  return lines.map((line) => (timestamps ? `${line.timestamp} ${line.text}\n` : `${line.text}\n`)).join('');
}
