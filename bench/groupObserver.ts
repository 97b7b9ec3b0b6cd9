/**
 * Watches the emulator's container groups from inside the benchmark process (its snapshot
 * API: no ARM call, so the worker's budget is untouched) and records when each group was
 * first seen running, when its container exited and when the group was deleted.
 *
 * The emulator exposes states, not transition timestamps, so each transition is timed as the
 * midpoint between the last snapshot before it and the first after it (± half the sampling
 * interval: ±50 ms at the default 100 ms).
 */
import type { RunningEmulator } from '../src/emulator';

export interface GroupTimeline {
  /** First seen in the emulator (deployed). */
  createdAt?: number;
  runningAt?: number;
  exitedAt?: number;
  deletedAt?: number;
  /** Last state seen: Pending, Running, Succeeded, Failed, Stopped, Deleted. */
  state?: string;
}

const EXITED_STATES = new Set(['Succeeded', 'Failed', 'Stopped']);

export class GroupObserver {
  private readonly timelines = new Map<string, GroupTimeline>();
  private lastSampleAt = Date.now();
  private timer: NodeJS.Timeout | undefined;
  /** Longest snapshot so far, ms: the sampling shares the emulator's event loop, so a slow one delays ARM answers too. */
  slowestSampleMs = 0;

  constructor(
    private readonly emulator: RunningEmulator,
    private readonly resourceGroup: string,
    groupNames: Iterable<string>,
    private readonly intervalMs = 100,
  ) {
    for (const name of groupNames) this.timelines.set(name, {});
  }

  start(): void {
    this.sample();
    this.timer = setInterval(() => this.sample(), this.intervalMs);
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.sample();
  }

  /** Starts recording a group created after the observer started (steady scenario: replacement runs). */
  track(groupName: string): void {
    if (!this.timelines.has(groupName)) this.timelines.set(groupName, {});
  }

  timeline(groupName: string): GroupTimeline {
    return this.timelines.get(groupName) ?? {};
  }

  private sample(): void {
    const now = Date.now();
    const started = performance.now();
    const at = (this.lastSampleAt + now) / 2;
    for (const group of this.emulator.containerGroups()) {
      if (group.resourceGroup !== this.resourceGroup) continue;
      const timeline = this.timelines.get(group.name);
      if (!timeline) continue;
      timeline.state = group.state;
      timeline.createdAt ??= at;
      if (group.state === 'Running') timeline.runningAt ??= at;
      // A group deleted between two snapshots also exited (or was killed) in that window.
      if (EXITED_STATES.has(group.state) || group.deleted) timeline.exitedAt ??= at;
      if (group.deleted) timeline.deletedAt ??= at;
    }
    this.lastSampleAt = now;
    this.slowestSampleMs = Math.max(this.slowestSampleMs, performance.now() - started);
  }
}
