import { PollClock, startHealthServer } from '../../../src/prefect/health';

describe("the health endpoint (Prefect's --with-healthcheck)", () => {
  it('answers 200 while polls are within 30 intervals, 503 once they are stale, 404 elsewhere', async () => {
    let now = 1_000_000;
    const clock = new PollClock(10, () => now);
    const server = await startHealthServer(clock, '127.0.0.1', 0);
    const get = async (path: string) => {
      const response = await fetch(`http://127.0.0.1:${server.port}${path}`);
      return { status: response.status, body: await response.json() };
    };
    try {
      expect(await get('/health')).toEqual({ status: 200, body: { message: 'OK' } });
      now += 300_000;
      expect((await get('/health')).status).toBe(200);
      now += 1;
      expect(await get('/health')).toEqual({ status: 503, body: { message: 'Worker may be unresponsive at this time' } });
      clock.polled();
      expect((await get('/health')).status).toBe(200);
      expect((await get('/other')).status).toBe(404);
    } finally {
      await server.close();
    }
  });
});
