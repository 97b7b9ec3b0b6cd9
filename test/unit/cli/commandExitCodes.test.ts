import { Command, CommanderError } from 'commander';
import { register as registerList } from '../../../src/cli/commands/list';
import { register as registerStatus } from '../../../src/cli/commands/status';
import { register as registerWorker } from '../../../src/cli/commands/worker';
import { CliError, ExitCodes } from '../../../src/cli/output';

function program(): Command {
  const root = new Command('aci-flow').exitOverride().configureOutput({ writeErr: () => undefined, writeOut: () => undefined });
  registerList(root);
  registerStatus(root);
  registerWorker(root);
  return root;
}

async function exitCodeOf(args: string[]): Promise<number> {
  try {
    await program().parseAsync(['node', 'aci-flow', ...args]);
    return -1;
  } catch (err) {
    if (err instanceof CommanderError || err instanceof CliError) return err.exitCode;
    throw err;
  }
}

describe('flow-run commands on bad usage', () => {
  it('exit with the usage code 2 when a required argument is missing', async () => {
    expect(await exitCodeOf(['status'])).toBe(ExitCodes.usage);
  });

  it('exit with 2 for an unknown option', async () => {
    expect(await exitCodeOf(['list', '--bogus'])).toBe(ExitCodes.usage);
  });

  it('exit with 2 when --limit is not a positive whole number', async () => {
    expect(await exitCodeOf(['list', '--limit', 'ten'])).toBe(ExitCodes.usage);
    expect(await exitCodeOf(['list', '--limit', '0'])).toBe(ExitCodes.usage);
  });

  it('exit with 2 when the worker is asked to cache fewer than 2 workflows, or not a number of them', async () => {
    for (const bad of ['1', '0', 'lots', '2.5']) {
      expect(await exitCodeOf(['worker', '--pool', 'p', '--max-cached-workflows', bad])).toBe(ExitCodes.usage);
    }
  });

  it('exit with 2 when the worker gets a heartbeat timeout that is no duration or out of range', async () => {
    for (const bad of ['240', '1s', '2h']) {
      expect(await exitCodeOf(['worker', '--pool', 'p', '--heartbeat-timeout', bad])).toBe(ExitCodes.usage);
    }
  });

  it('exit with 2 when --phase is not a flow-run phase', async () => {
    expect(await exitCodeOf(['list', '--phase', 'Sleeping'])).toBe(ExitCodes.usage);
  });

  it('exit with 0 for --help', async () => {
    expect(await exitCodeOf(['list', '--help'])).toBe(0);
  });
});
