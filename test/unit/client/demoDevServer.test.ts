import { createServer } from 'node:net';
import { devServerArgs } from '../../../src/cli/demo/devServer';
import { freePort } from '../../../src/cli/demo/ports';
import { ALL_SEARCH_ATTRIBUTES } from '../../../src/workflows/definitions';

describe('demo dev server arguments', () => {
  it('binds gRPC and UI to loopback on the chosen ports', () => {
    const args = devServerArgs(7300, 8300).join(' ');
    expect(args).toMatch(/^server start-dev --ip 127\.0\.0\.1 --port 7300 --ui-port 8300 /);
  });

  it('registers every aci-flow search attribute, the exit code as Int', () => {
    const args = devServerArgs(7300, 8300);
    const registered = args.filter((_, i) => args[i - 1] === '--search-attribute');
    expect(registered).toHaveLength(ALL_SEARCH_ATTRIBUTES.length);
    expect(registered).toEqual(expect.arrayContaining(['FlowRunId=Keyword', 'ContainerGroup=Keyword', 'Phase=Keyword', 'ExitCode=Int']));
  });
});

describe('freePort', () => {
  it('returns the preferred port when nothing listens on it', async () => {
    const port = await freePort();
    expect(await freePort(port)).toBe(port);
  });

  it('picks another port when the preferred one is taken or must be avoided', async () => {
    const server = createServer();
    const taken = await new Promise<number>((resolve) =>
      server.listen(0, '127.0.0.1', () => resolve((server.address() as { port: number }).port)),
    );
    try {
      expect(await freePort(taken)).not.toBe(taken);
      const other = await freePort();
      expect(await freePort(other, [other])).not.toBe(other);
    } finally {
      server.close();
    }
  });
});
