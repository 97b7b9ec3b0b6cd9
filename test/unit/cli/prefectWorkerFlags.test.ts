import { Command, CommanderError } from 'commander';
import { register } from '../../../src/cli/commands/prefectWorker';
import { CliError, ExitCodes } from '../../../src/cli/output';

/** The exit code and message `aci-flow prefect-worker <args>` fails with before it reaches Prefect or Temporal. */
async function failureOf(args: string[]): Promise<{ code: number; message: string }> {
  const root = new Command('aci-flow').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  register(root);
  try {
    await root.parseAsync(['node', 'aci-flow', 'prefect-worker', ...args]);
  } catch (err) {
    if (err instanceof CommanderError) return { code: err.exitCode, message: err.message };
    if (err instanceof CliError) return { code: err.exitCode, message: err.message };
    throw err;
  }
  throw new Error('expected a usage error');
}

describe("prefect-worker's flags, as prefect worker start takes them", () => {
  it('exits 2 naming the flag for a bad value', async () => {
    for (const [args, flag] of [
      [['-p', 'pool', '--limit', '0'], '--limit'],
      [['-p', 'pool', '-l', 'many'], '--limit'],
      [['-p', 'pool', '--prefetch-seconds', '-1'], '--prefetch-seconds'],
      [['-p', 'pool', '--bogus'], '--bogus'],
      [['-p', 'pool', '--type', 'kubernetes'], '--type'],
      [['-p', 'pool', '--install-policy', 'sometimes'], '--install-policy'],
      [['-p', 'pool', '--base-job-template', '/nonexistent/template.json'], '--base-job-template'],
      [['-p', 'pool', '-q', 'default', '--empty-work-queue'], '--empty-work-queue'],
    ] as const) {
      const failure = await failureOf([...args]);
      expect({ args, code: failure.code, names: failure.message.includes(flag) }).toEqual({ args, code: ExitCodes.usage, names: true });
    }
  });

  it('needs the pool, by --pool, -p or --work-pool, and refuses two different ones', async () => {
    expect(await failureOf([])).toEqual({ code: ExitCodes.usage, message: expect.stringContaining('--pool') });
    expect(await failureOf(['--pool', 'a', '--work-pool', 'b'])).toEqual({ code: ExitCodes.usage, message: expect.stringContaining('name different pools') });
  });
});
