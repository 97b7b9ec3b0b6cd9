/**
 * Calls by kind, e.g. `deployments.put`, `containerGroups.get`, `containerGroups.logs`,
 * plus `reads`/`writes`/`deletes` totals per ARM request class and outcome counts
 * (`throttled`, `serverErrors`, `badRequests`, `unauthorized`, `notFound`).
 */
export type EmulatorCounters = Record<string, number>;

export class Counters {
  private counts: EmulatorCounters = {};

  increment(kind: string): void {
    this.counts[kind] = (this.counts[kind] ?? 0) + 1;
  }

  snapshot(): EmulatorCounters {
    return { ...this.counts };
  }

  reset(): void {
    this.counts = {};
  }
}
