import { visibilityQuery } from '../../../src/client/flowRunList';

describe('visibilityQuery', () => {
  it('selects only flow-run workflows when no filter is given', () => {
    expect(visibilityQuery({})).toBe("WorkflowType = 'flowRunWorkflow'");
  });

  it('filters by work pool and phase search attributes', () => {
    expect(visibilityQuery({ workPool: 'etl-pool', phase: 'Running' })).toBe(
      "WorkflowType = 'flowRunWorkflow' AND WorkPool = 'etl-pool' AND Phase = 'Running'",
    );
  });

  it('escapes quotes so a pool name cannot change the query', () => {
    expect(visibilityQuery({ workPool: "x' OR WorkflowType = 'other" })).toBe(
      "WorkflowType = 'flowRunWorkflow' AND WorkPool = 'x\\' OR WorkflowType = \\'other'",
    );
  });
});
