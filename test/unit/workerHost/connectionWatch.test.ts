import { watchConnection } from '../../../src/workerHost/connectionWatch';
import { waitFor } from '../../helpers/waitFor';

describe('Temporal connection watch', () => {
  const address = '127.0.0.1:7233';
  let reachable: boolean;
  let checks: number;
  let lines: string[];
  const start = (timeoutMs = 1_000) =>
    watchConnection({
      address,
      check: async () => {
        checks += 1;
        if (!reachable) throw new Error('tcp connect error');
      },
      warn: (message) => lines.push(`WARN ${message}`),
      info: (message) => lines.push(`INFO ${message}`),
      intervalMs: 10,
      timeoutMs,
    });

  beforeEach(() => {
    reachable = true;
    checks = 0;
    lines = [];
  });

  it('logs once when Temporal becomes unreachable and once when it is back, nothing while the state holds', async () => {
    const watch = start();
    try {
      await waitFor(() => checks >= 3, 'a few healthy checks');
      expect(lines).toEqual([]);
      reachable = false;
      const lostAt = checks;
      await waitFor(() => checks >= lostAt + 3, 'a few failed checks');
      reachable = true;
      const backAt = checks;
      await waitFor(() => checks >= backAt + 3, 'a few healthy checks again');
      expect(lines).toEqual([`WARN lost connection to Temporal at ${address}: tcp connect error; retrying`, `INFO reconnected to Temporal at ${address}`]);
    } finally {
      watch.stop();
    }
  });

  it('counts a check that does not answer in time as unreachable', async () => {
    const watch = watchConnection({
      address,
      check: () => new Promise(() => undefined),
      warn: (message) => lines.push(message),
      info: (message) => lines.push(message),
      intervalMs: 10,
      timeoutMs: 20,
    });
    try {
      await waitFor(() => lines.length > 0, 'the outage to be logged');
      expect(lines).toEqual([`lost connection to Temporal at ${address}: no answer within 0.02 s; retrying`]);
    } finally {
      watch.stop();
    }
  });

  it('stops checking once stopped', async () => {
    const watch = start();
    await waitFor(() => checks >= 1, 'the first check');
    watch.stop();
    const stoppedAt = checks;
    reachable = false;
    await expect(waitFor(() => checks > stoppedAt, 'another check', { timeoutMs: 200 })).rejects.toThrow(/Timed out/);
    expect(lines).toEqual([]);
  });
});
