import { formatSideBySide } from '../../../src/cli/demo/stateHistory';

const at = (time: string) => new Date(`2026-01-01T${time}Z`);

describe('formatSideBySide', () => {
  it('merges both histories by time, Prefect states on the left and Temporal events on the right', () => {
    const lines = formatSideBySide(
      [
        { time: at('10:00:00.000'), text: 'Scheduled' },
        { time: at('10:00:02.000'), text: 'Crashed (Container exited with code 3)' },
      ],
      [
        { time: at('10:00:01.000'), text: 'WorkflowExecutionStarted Phase=Deploying' },
        { time: at('10:00:01.500'), text: 'WorkflowExecutionFailed' },
      ],
    );
    expect(lines).toEqual([
      'TIME (UTC)    PREFECT STATE                           TEMPORAL EVENT',
      '10:00:00.000  Scheduled',
      '10:00:01.000                                          WorkflowExecutionStarted Phase=Deploying',
      '10:00:01.500                                          WorkflowExecutionFailed',
      '10:00:02.000  Crashed (Container exited with code 3)',
    ]);
  });

  it('keeps the header as wide as its title when the states are short', () => {
    expect(formatSideBySide([{ time: at('10:00:00.000'), text: 'Pending' }], [])).toEqual([
      'TIME (UTC)    PREFECT STATE  TEMPORAL EVENT',
      '10:00:00.000  Pending',
    ]);
  });
});
