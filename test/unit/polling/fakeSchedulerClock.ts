import type { SchedulerClock } from '../../../src/polling/pollScheduler';

/** Manual time: timers fire only when the test advances the clock. */
export class FakeClock implements SchedulerClock {
  private time = 0;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private ids = 0;

  now(): number {
    return this.time;
  }

  setTimer(callback: () => void, ms: number): () => void {
    const id = this.ids++;
    this.timers.push({ at: this.time + ms, callback, id });
    return () => {
      this.timers = this.timers.filter((timer) => timer.id !== id);
    };
  }

  /** Moves time forward to `until`, firing due timers in order and letting promise callbacks run after each. */
  async advanceTo(until: number): Promise<void> {
    await flush();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
      await flush();
    }
    this.time = until;
  }
}

async function flush(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}
