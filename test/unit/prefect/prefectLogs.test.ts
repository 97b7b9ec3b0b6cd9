import { logReadIntervalMs } from '../../../src/prefect/prefectLogs';

describe("reading held runs' container lines", () => {
  it('reads each run every second up to 50 runs, then less often, about 50 reads a second in all', () => {
    expect(logReadIntervalMs(1)).toBe(1_000);
    expect(logReadIntervalMs(50)).toBe(1_000);
    expect(logReadIntervalMs(1_000)).toBe(20_000);
    expect(1_000 / (logReadIntervalMs(1_000) / 1_000)).toBe(50);
  });
});
