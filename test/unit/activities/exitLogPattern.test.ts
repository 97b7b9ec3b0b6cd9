import { exitLineMatcher, MATCHED_LINE_CHARS } from '../../../src/activities/exitLogPattern';
import { DEFAULT_EXIT_LOG_PATTERN } from '../../../src/config/defaults';
import { parseJobConfiguration } from '../../../src/config/jobConfiguration';

describe('exit_log_pattern', () => {
  const isExitLine = exitLineMatcher(DEFAULT_EXIT_LOG_PATTERN);

  it("matches Prefect's engine line for the end of a flow run, not a task run's", () => {
    expect(isExitLine?.("12:00:01.250 | INFO    | Flow run 'crimson-fox' - Finished in state Completed()")).toBe(true);
    expect(isExitLine?.("12:00:01.250 | INFO    | Flow run 'crimson-fox' - Finished in state Failed('Flow run encountered an exception.')")).toBe(true);
    expect(isExitLine?.("12:00:00.900 | INFO    | Task run 'say_hello-0' - Finished in state Completed()")).toBe(false);
    expect(isExitLine?.("12:00:00.100 | INFO    | Flow run 'crimson-fox' - Beginning flow run 'crimson-fox' for flow 'etl'")).toBe(false);
  });

  it('takes everything but * literally, and is off when null or empty', () => {
    const matcher = exitLineMatcher('done (100%) [ok]');
    expect(matcher?.('job done (100%) [ok]!')).toBe(true);
    expect(matcher?.('job done (1000%) [ok]')).toBe(false);
    expect(exitLineMatcher(null)).toBeUndefined();
    expect(exitLineMatcher('')).toBeUndefined();
  });

  it('stays fast on a hostile line: only its start is matched', () => {
    const matcher = exitLineMatcher('a*a*a*a*b');
    const hostile = 'a'.repeat(1_000_000);
    const started = performance.now();
    expect(matcher?.(hostile)).toBe(false);
    expect(performance.now() - started).toBeLessThan(2_000);
    expect(matcher?.(`${'a'.repeat(MATCHED_LINE_CHARS)}b`)).toBe(false);
  });

  it('is declared once in the job configuration, bounded, with Prefect’s line as default', () => {
    const required = { resource_group_name: 'rg', subscription_id: '11111111-2222-3333-4444-555555555555' };
    expect(parseJobConfiguration(required).exit_log_pattern).toBe(DEFAULT_EXIT_LOG_PATTERN);
    expect(parseJobConfiguration({ ...required, exit_log_pattern: null }).exit_log_pattern).toBeNull();
    expect(() => parseJobConfiguration({ ...required, exit_log_pattern: '*a*b*c*d*' })).toThrow(/exit_log_pattern: must have at most 4 \* wildcards/);
    expect(() => parseJobConfiguration({ ...required, exit_log_pattern: 'x'.repeat(201) })).toThrow(/exit_log_pattern: must be at most 200 characters/);
  });
});
