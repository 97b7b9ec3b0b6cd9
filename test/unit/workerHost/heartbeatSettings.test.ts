import { heartbeatThrottleMs } from '../../../src/activities/runSettings';
import { pollHeartbeatTimeoutMs } from '../../../src/workerHost/heartbeatSettings';

describe('polling heartbeat timeout setting', () => {
  it('defaults to 4 minutes: a heartbeat every 192 s, under 20 per run-hour', () => {
    const timeoutMs = pollHeartbeatTimeoutMs({}, {});
    expect(timeoutMs).toBe(240_000);
    const throttleMs = heartbeatThrottleMs({ pollHeartbeatTimeoutMs: timeoutMs });
    expect(throttleMs).toBe(192_000);
    expect(3_600_000 / throttleMs).toBeLessThan(20);
  });

  it('takes the flag over the environment', () => {
    expect(pollHeartbeatTimeoutMs({ heartbeatTimeout: '90s' }, { ACI_FLOW_HEARTBEAT_TIMEOUT: '10m' })).toBe(90_000);
    expect(pollHeartbeatTimeoutMs({}, { ACI_FLOW_HEARTBEAT_TIMEOUT: '10m' })).toBe(600_000);
  });

  it.each([
    [{ heartbeatTimeout: '1s' }, {}, '--heartbeat-timeout: must be between 5s and 30m'],
    [{}, { ACI_FLOW_HEARTBEAT_TIMEOUT: '2h' }, 'ACI_FLOW_HEARTBEAT_TIMEOUT: must be between 5s and 30m'],
    [{}, { ACI_FLOW_HEARTBEAT_TIMEOUT: '240' }, 'ACI_FLOW_HEARTBEAT_TIMEOUT: "240" is not a duration'],
  ])('refuses %j %j naming the setting', (flags, env, message) => {
    expect(() => pollHeartbeatTimeoutMs(flags, env)).toThrow(message);
  });
});
