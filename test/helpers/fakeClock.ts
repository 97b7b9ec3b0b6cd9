import { type AbortSignalLike, type Clock, sleep } from '../../src/common/clock';

/**
 * The one fake of src/common/clock's Clock: time moves only when the test says so, and timers
 * (and sleeps, which are timers) fire in order as it passes them, promise callbacks settling after each.
 */
export class FakeClock implements Clock {
  private time: number;
  private timers: Array<{ at: number; callback: () => void; id: number }> = [];
  private ids = 0;

  constructor(start = 0) {
    this.time = start;
  }

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

  /** The abortable sleep of src/common/clock on this clock. */
  sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    return sleep(ms, signal, this);
  }

  /**
   * Moves time forward by `ms` in one step: every timer due by then fires at the new time, in
   * order, then promise callbacks settle. For simulations whose time is quantized to steps
   * (test/unit/budget/budgetSimulation.test.ts); `advance` fires each timer at its own time.
   */
  async jump(ms: number): Promise<void> {
    this.time += ms;
    const due = this.timers.filter((timer) => timer.at <= this.time).sort((a, b) => a.at - b.at || a.id - b.id);
    this.timers = this.timers.filter((timer) => timer.at > this.time);
    for (const timer of due) timer.callback();
    await flushPromises();
  }

  /** Moves time forward by `ms`, firing due timers at their own times. */
  async advance(ms: number): Promise<void> {
    await this.advanceTo(this.time + ms);
  }

  /** Moves time forward to `until`, firing due timers in order and letting promise callbacks run after each. */
  async advanceTo(until: number): Promise<void> {
    await flushPromises();
    for (;;) {
      const due = this.timers.filter((timer) => timer.at <= until).sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (!due) break;
      this.timers = this.timers.filter((timer) => timer !== due);
      this.time = Math.max(this.time, due.at);
      due.callback();
      await flushPromises();
    }
    this.time = Math.max(this.time, until);
  }
}

/** Lets every pending promise continuation settle. */
export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 20; i += 1) await Promise.resolve();
}
