import type { Command } from 'commander';
import { collect, withUsageExitCode } from '../commandSupport';
import { CliError, ExitCodes, print } from '../output';

interface SweepFlags {
  pool?: string;
  scope: string[];
  dryRun?: boolean;
  json?: boolean;
}

export function register(program: Command): void {
  const command = program
    .command('sweep')
    .description("Run the pool's orphan sweeper now: delete the container groups and deployments whose flow run has closed or is gone")
    .option('--pool <name>', 'work pool whose workers run the sweep; default: the name in $ACI_FLOW_POOL_CONFIG')
    .option('--scope <subscriptionId/resourceGroup>', "where to look (repeatable); default: the scopes of the pool's sweeper schedule", collect, [])
    .option('--dry-run', 'list what would be removed, remove nothing')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nA worker of the pool must be running: it does the Azure calls.\n\nExample:\n  aci-flow sweep --pool my-pool --dry-run')
    .action(async (flags: SweepFlags) => {
      const [{ withClient }, { sweepOrphans }, { parseSweepScope }, { formatSweep }] = await Promise.all([
        import('../clientSession'),
        import('../../client/sweep'),
        import('../../workerHost/sweeperSettings'),
        import('../sweepText'),
      ]);
      const workPool = flags.pool ?? (await poolFromConfig());
      let scopes;
      try {
        scopes = flags.scope.map((text) => parseSweepScope(text, '--scope'));
      } catch (err) {
        throw new CliError(err instanceof Error ? err.message : String(err), ExitCodes.usage);
      }
      const result = await withClient((client) => sweepOrphans(client, { workPool, scopes, dryRun: flags.dryRun ?? false }));
      print(flags.json ?? false, result, () => formatSweep(result));
      // Whatever could not be removed is retried by the next sweep; say so in the exit code too.
      if (result.failed.length > 0) process.exitCode = ExitCodes.failure;
    });
  withUsageExitCode(command);
}

async function poolFromConfig(): Promise<string> {
  const path = process.env.ACI_FLOW_POOL_CONFIG;
  if (path) {
    const { loadPoolConfig } = await import('../../config/poolConfig');
    const name = (await loadPoolConfig(path)).name;
    if (name) return name;
  }
  throw new CliError('--pool <name> is required (or set ACI_FLOW_POOL_CONFIG to a work pool file that names the pool)', ExitCodes.usage);
}
