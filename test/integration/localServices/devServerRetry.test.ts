/**
 * The dev server picks free ports for its internal services itself and now and then loses that
 * race to another process at start (seen with two test lanes starting servers at once, and
 * with the e2e tests' provisioning beside them): it exits before it answers. startDevServer then
 * tries again, on a fresh frontend port unless the caller chose one.
 */
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, startDevServer, temporalCliPath } from '../../../src/localServices';

jest.setTimeout(60_000);

describe('startDevServer when the server exits at start', () => {
  const realCli = temporalCliPath();
  let dir: string;

  /** A CLI that fails its first `failures` starts (exit 2, as the dev server does when a port it picked is taken), then runs the real one. */
  function flakyCli(failures = 1): { calls: () => string[] } {
    dir = mkdtempSync(join(tmpdir(), 'aci-flow-flaky-cli-'));
    const script = join(dir, 'temporal');
    const log = join(dir, 'calls');
    writeFileSync(
      script,
      `#!/bin/sh
echo "$*" >> '${log}'
if [ "$(wc -l < '${log}')" -le ${failures} ]; then echo 'panic: listen tcp 127.0.0.1:7234: bind: address already in use' >&2; seq 1 2000 | sed 's/^/    stack frame /' >&2; exit 2; fi
exec '${realCli}' "$@"
`,
    );
    chmodSync(script, 0o755);
    process.env.TEMPORAL_CLI = script;
    return { calls: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean) : []) };
  }

  afterEach(() => {
    process.env.TEMPORAL_CLI = realCli;
  });

  it('tries again on another port and serves', async () => {
    const cli = flakyCli();
    const server = await startDevServer();
    try {
      const ports = cli.calls().map((args) => /--port (\d+)/.exec(args)?.[1]);
      expect(ports).toHaveLength(2);
      expect(ports[0]).not.toBe(ports[1]);
      expect(server.address).toBe(`127.0.0.1:${ports[1]}`);
    } finally {
      await server.kill();
    }
  });

  it('tries again on the port the caller chose', async () => {
    const cli = flakyCli();
    const port = await freePort();
    const server = await startDevServer({ port });
    try {
      expect(cli.calls().map((args) => /--port (\d+)/.exec(args)?.[1])).toEqual([String(port), String(port)]);
      expect(server.address).toBe(`127.0.0.1:${port}`);
    } finally {
      await server.kill();
    }
  });

  it('gives up after three tries, naming the exit and what the server said first and last', async () => {
    const cli = flakyCli(3);
    const error = await startDevServer().then(
      () => undefined,
      (err: unknown) => err as Error,
    );
    // The panic's message (the first line) is kept though 2000 lines of stack follow it.
    expect(error?.message).toMatch(
      /exited with 2 before it was ready: panic: listen tcp 127\.0\.0\.1:7234: bind: address already in use\n[\s\S]*\[…\][\s\S]*stack frame 2000$/,
    );
    expect(cli.calls()).toHaveLength(3);
  });
});
