import { cancelGraceSeconds, DEFAULT_CANCEL_GRACE_SECONDS, graceLeftSeconds } from '../../../src/prefect/cancellation';
import { defaultBaseJobTemplate } from '../../../src/config';

describe('the cancel grace period', () => {
  it("is the run's cancel_grace_seconds, else the pool's default, else 30 s; aci-flow's default template declares it for the Prefect UI", () => {
    const template = defaultBaseJobTemplate();
    expect(template.variables.properties.cancel_grace_seconds).toMatchObject({ type: 'integer', minimum: 0, default: 30, title: 'Cancel Grace Seconds' });
    expect(template.job_configuration.cancel_grace_seconds).toBe('{{ cancel_grace_seconds }}');
    expect(cancelGraceSeconds(template)).toBe(DEFAULT_CANCEL_GRACE_SECONDS);
    expect(cancelGraceSeconds(template, 90)).toBe(90);
    expect(cancelGraceSeconds(template, 0)).toBe(0);
    expect(cancelGraceSeconds(template, 'soon')).toBe(DEFAULT_CANCEL_GRACE_SECONDS);
    delete template.variables.properties.cancel_grace_seconds;
    expect(cancelGraceSeconds(template)).toBe(DEFAULT_CANCEL_GRACE_SECONDS);
    template.variables.properties.cancel_grace_seconds = { type: 'integer', default: 5 };
    expect(cancelGraceSeconds(template)).toBe(5);
    template.variables.properties.cancel_grace_seconds = { type: 'integer', default: -1 };
    expect(cancelGraceSeconds(template)).toBe(DEFAULT_CANCEL_GRACE_SECONDS);
  });

  it('counts from the Cancelling state, and is none for a flow that has not started', () => {
    const cancellingAt = Date.parse('2026-12-05T10:00:00Z');
    const started = { start_time: '2026-12-05T09:59:00Z', state: { timestamp: '2026-12-05T10:00:00Z' } } as never;
    expect(graceLeftSeconds(started, 30, cancellingAt + 10_000)).toBe(20);
    expect(graceLeftSeconds(started, 30, cancellingAt + 31_000)).toBe(0);
    expect(graceLeftSeconds({ start_time: null, state: { timestamp: '2026-12-05T10:00:00Z' } } as never, 30, cancellingAt)).toBe(0);
  });
});
