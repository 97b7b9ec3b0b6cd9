import { z } from 'zod';
import { event, rfc3339Nano, type ContainerInstanceView, type ContainerRuntime, type LogLine } from './types';
import type { ContainerSpec } from '../containerGroupSpec';

/** Images whose name contains this run as a scripted timeline instead of a process. */
export const SIM_IMAGE_MARKER = 'aci-flow/sim';

const SimSettingsSchema = z.object({
  SIM_START_DELAY_MS: z.coerce.number().int().nonnegative().default(0),
  SIM_DURATION_MS: z.coerce.number().int().nonnegative().default(1000),
  SIM_EXIT_CODE: z.coerce.number().int().min(0).max(255).default(0),
  SIM_LOG_LINES_PER_SECOND: z.coerce.number().nonnegative().default(1),
});
export type SimSettings = z.infer<typeof SimSettingsSchema>;

export function parseSimSettings(environment: Record<string, string>): { settings: SimSettings } | { problem: string } {
  const result = SimSettingsSchema.safeParse(environment);
  if (result.success) return { settings: result.data };
  const issue = result.error.issues[0]!; // a failed parse has at least one issue
  return { problem: `environment variable ${issue.path.join('.')}: ${issue.message}` };
}

export interface SimContainerOptions {
  spec: ContainerSpec;
  settings: SimSettings;
  createdAt: number;
  pullDelayMs: number;
  neverStart: boolean;
}

/**
 * A container whose whole life is computed from its creation time: no process, no timer,
 * no stored log lines, so thousands of them cost only their records.
 */
export class SimContainer implements ContainerRuntime {
  readonly name: string;
  private readonly pulledAt: number;
  private startAt: number;
  private finishAt: number;
  private exitCode: number;
  private stoppedAt: number | undefined;

  constructor(private readonly options: SimContainerOptions) {
    this.name = options.spec.name;
    this.pulledAt = options.createdAt + options.pullDelayMs;
    this.startAt = options.neverStart ? Infinity : this.pulledAt + options.settings.SIM_START_DELAY_MS;
    this.finishAt = this.startAt + options.settings.SIM_DURATION_MS;
    this.exitCode = options.settings.SIM_EXIT_CODE;
  }

  instanceView(now: number): ContainerInstanceView {
    const image = this.options.spec.image;
    const events = [event('Pulling', `pulling image "${image}"`, this.options.createdAt)];
    if (!this.options.neverStart && now >= this.pulledAt && (this.stoppedAt ?? Infinity) >= this.pulledAt) {
      events.push(event('Pulled', `Successfully pulled image "${image}"`, this.pulledAt));
    }
    if (now >= this.startAt) events.push(event('Started', 'Started container', this.startAt));
    if (this.stoppedAt !== undefined && this.stoppedAt > this.startAt && this.stoppedAt <= now) {
      events.push(event('Killing', `Killing container with id sim-${this.name}.`, this.stoppedAt));
    }
    if (now < this.startAt) {
      if (this.stoppedAt !== undefined && now >= this.stoppedAt) {
        return { restartCount: 0, currentState: { state: 'Terminated', detailStatus: 'Stopped', finishTime: iso(this.stoppedAt) }, events };
      }
      return { restartCount: 0, currentState: { state: 'Waiting', detailStatus: 'ContainerCreating' }, events };
    }
    if (now < this.finishAt) {
      return { restartCount: 0, currentState: { state: 'Running', detailStatus: '', startTime: iso(this.startAt) }, events };
    }
    return {
      restartCount: 0,
      currentState: {
        state: 'Terminated',
        detailStatus: this.exitCode === 0 ? 'Completed' : 'Error',
        exitCode: this.exitCode,
        startTime: iso(this.startAt),
        finishTime: iso(this.finishAt),
      },
      events,
    };
  }

  logs(now: number, tail: number | undefined): LogLine[] {
    const rate = this.options.settings.SIM_LOG_LINES_PER_SECOND;
    const end = Math.min(now, this.finishAt);
    if (rate <= 0 || end < this.startAt) return [];
    const intervalMs = 1000 / rate;
    // line i (0-based) is written at startAt + i * interval, strictly before the finish
    const count = Math.min(Math.floor((end - this.startAt) / intervalMs) + 1, Math.ceil((this.finishAt - this.startAt) / intervalMs));
    const first = tail === undefined ? 0 : Math.max(0, count - tail);
    const lines: LogLine[] = [];
    for (let i = first; i < count; i++) {
      lines.push({ timestamp: rfc3339Nano(this.startAt + i * intervalMs), text: `sim line ${i + 1}` });
    }
    return lines;
  }

  stop(now: number): Promise<void> {
    if (now < this.finishAt && this.stoppedAt === undefined) {
      this.stoppedAt = now;
      if (now >= this.startAt) {
        this.finishAt = now;
        this.exitCode = 143; // SIGTERM, as a process would report it
      } else {
        this.startAt = Infinity;
        this.finishAt = Infinity;
      }
    }
    return Promise.resolve();
  }
}

function iso(at: number): string {
  return new Date(at).toISOString();
}
