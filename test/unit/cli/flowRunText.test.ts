import { formatList, formatStatus } from '../../../src/cli/flowRunText';

describe('formatStatus', () => {
  it('prints one aligned line per known field and leaves out unknown ones', () => {
    const text = formatStatus({
      flowRunId: 'r1',
      flowName: 'etl',
      workPool: 'pool',
      phase: 'Failed',
      containerGroupName: 'etl-r1',
      deploymentName: '',
      resourceGroupName: 'rg',
      exitCode: 3,
      message: 'container exited with code 3',
    });
    expect(text.split('\n')).toEqual([
      'Flow run         r1',
      'Flow             etl',
      'Work pool        pool',
      'Phase            Failed',
      'Container group  etl-r1',
      'Resource group   rg',
      'Exit code        3',
      'Message          container exited with code 3',
    ]);
  });

  it('shows the cancel reason and the cleanup state with its last error', () => {
    const text = formatStatus({
      flowRunId: 'r2',
      flowName: 'etl',
      workPool: 'pool',
      phase: 'CleaningUp',
      containerGroupName: 'etl-r2',
      deploymentName: 'aci-flow-etl-r2',
      resourceGroupName: 'rg',
      cancelRequested: { reason: 'superseded', phase: 'Running' },
      cleanup: { state: 'retrying', lastError: 'Conflict' },
    });
    expect(text).toContain('Cancel requested  superseded (while Running)');
    expect(text).toContain('Cleanup           retrying: Conflict');
  });

  it('shows the last polling error with the streak length and its time', () => {
    const text = formatStatus({
      flowRunId: 'r3',
      flowName: 'etl',
      workPool: 'pool',
      phase: 'Running',
      containerGroupName: 'etl-r3',
      deploymentName: 'aci-flow-etl-r3',
      resourceGroupName: 'rg',
      lastPollError: { message: 'get container group failed: AuthorizationFailed (HTTP 403): no access', at: '2024-05-01T10:00:05.000Z', attempts: 3 },
    });
    expect(text).toContain(
      'Last poll error  get container group failed: AuthorizationFailed (HTTP 403): no access (3 failed polls in a row, latest at 2024-05-01T10:00:05.000Z)',
    );
  });
});

describe('formatList', () => {
  it('says so when there are no runs', () => {
    expect(formatList([])).toBe('No flow runs found.');
  });

  it('prints a header and one row per run in columns', () => {
    const rows = formatList([
      {
        flowRunId: 'a',
        workflowId: 'flow-run-a',
        flowName: 'etl',
        workPool: 'p',
        phase: 'Completed',
        containerGroupName: 'etl-a',
        exitCode: 0,
        workflowStatus: 'COMPLETED',
        startTime: '2026-01-01T00:00:00.000Z',
      },
      {
        flowRunId: 'long-run-id',
        workflowId: 'flow-run-long-run-id',
        flowName: 'report',
        workPool: 'p',
        phase: 'Running',
        containerGroupName: 'report-long-run-id',
        workflowStatus: 'RUNNING',
        startTime: '2026-01-01T00:01:00.000Z',
      },
    ]).split('\n');
    expect(rows).toEqual([
      'FLOW RUN     FLOW    POOL  PHASE      EXIT  STARTED',
      'a            etl     p     Completed  0     2026-01-01T00:00:00.000Z',
      'long-run-id  report  p     Running          2026-01-01T00:01:00.000Z',
    ]);
  });
});
