/** freePort against real loopback sockets: what the demo relies on to pick its ports. */
import { createServer } from 'node:net';
import { freePort } from '../../../src/localServices';

describe('freePort', () => {
  it('returns the preferred port when nothing listens on it', async () => {
    const port = await freePort();
    expect(await freePort(port)).toBe(port);
  });

  it('picks another port when the preferred one is taken or must be avoided', async () => {
    const server = createServer();
    const taken = await new Promise<number>((resolve) => server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)));
    try {
      expect(await freePort(taken)).not.toBe(taken);
      const other = await freePort();
      expect(await freePort(other, [other])).not.toBe(other);
    } finally {
      server.close();
    }
  });
});
