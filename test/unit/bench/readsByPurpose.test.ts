import { describeReadsPerRun, lifecycleReads, readsPerRun } from '../../../bench/readsByPurpose';

describe('reads per run by purpose', () => {
  it('divides the window’s reads by the runs and leaves state and log polls out of the lifecycle', () => {
    const perRun = readsPerRun({ state: 100, deploy: 10 }, { state: 500, logs: 40, deploy: 30, groupCheck: 10, delete: 0 }, 10);
    expect(perRun).toEqual({ state: 40, logs: 4, deploy: 2, groupCheck: 1, delete: 0 });
    expect(lifecycleReads(perRun)).toBe(3);
    expect(describeReadsPerRun(perRun)).toBe('state 40.00, logs 4.00, deploy 2.00, groupCheck 1.00 (lifecycle 3.00)');
  });

  it('says nothing per run when no run ended in the window', () => {
    expect(readsPerRun({}, { state: 5 }, 0)).toEqual({});
    expect(describeReadsPerRun({})).toBe('–');
  });
});
