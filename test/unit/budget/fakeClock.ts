import { abortError, type AbortSignalLike, type LimiterClock } from '../../../src/budget/rateLimiter';

/** A clock whose time moves only when the test says so; sleeps resolve as time passes them. */
export class FakeClock implements LimiterClock {
  private current = 1_000_000;
  private sleepers: Array<{ until: number; resolve: () => void }> = [];

  now(): number {
    return this.current;
  }

  sleep(ms: number, signal?: AbortSignalLike): Promise<void> {
    return new Promise((resolve, reject) => {
      const sleeper = { until: this.current + ms, resolve };
      this.sleepers.push(sleeper);
      signal?.addEventListener('abort', () => {
        this.sleepers = this.sleepers.filter((s) => s !== sleeper);
        reject(abortError());
      });
    });
  }

  /** Moves time forward and lets every promise continuation settle. */
  async advance(ms: number): Promise<void> {
    this.current += ms;
    const due = this.sleepers.filter((s) => s.until <= this.current);
    this.sleepers = this.sleepers.filter((s) => s.until > this.current);
    for (const sleeper of due) sleeper.resolve();
    await flushPromises();
  }
}

export async function flushPromises(): Promise<void> {
  for (let i = 0; i < 10; i += 1) await Promise.resolve();
}
