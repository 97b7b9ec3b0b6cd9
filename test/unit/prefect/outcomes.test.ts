import { stateForOutcome } from '../../../src/prefect/outcomes';

describe('stateForOutcome', () => {
  it.each(['COMPLETED', 'FAILED', 'CANCELLED', 'CRASHED'] as const)('never overwrites a final state (%s)', (current) => {
    expect(stateForOutcome({ phase: 'Failed', message: 'exit 3' }, current)).toBeUndefined();
    expect(stateForOutcome({ phase: 'Cancelled' }, current)).toBeUndefined();
  });

  it("proposes Crashed for infrastructure failures with aci-flow's message", () => {
    expect(stateForOutcome({ phase: 'Failed', message: 'Container exited with code 3' }, 'RUNNING')).toEqual({
      type: 'CRASHED',
      message: 'Flow run infrastructure failed (aci-flow Failed): Container exited with code 3',
    });
    expect(stateForOutcome({ phase: 'TimedOut', message: 'no start in 240 s' }, 'PENDING')).toMatchObject({ type: 'CRASHED' });
  });

  it("leaves an exit 0 to the flow's own report", () => {
    expect(stateForOutcome({ phase: 'Completed', exitCode: 0 }, 'RUNNING')).toBeUndefined();
  });

  it('ends a Prefect cancel Cancelled (forced, like Prefect workers) and a Temporal-side cancel Cancelled (not forced)', () => {
    expect(stateForOutcome({ phase: 'Cancelled' }, 'CANCELLING')).toEqual({
      type: 'CANCELLED',
      message: 'Cancelled: aci-flow ended the flow run and cleaned up its container group (aci-flow Cancelled)',
      force: true,
    });
    expect(stateForOutcome({ phase: 'Completed', exitCode: 0 }, 'CANCELLING')).toMatchObject({ type: 'CANCELLED', force: true });
    const temporalSide = stateForOutcome({ phase: 'Cancelled', message: 'Flow run cancelled: operator' }, 'RUNNING');
    expect(temporalSide).toMatchObject({ type: 'CANCELLED', message: expect.stringContaining('operator') });
    expect(temporalSide?.force).toBeUndefined();
  });
});
