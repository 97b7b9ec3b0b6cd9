import type { Command } from 'commander';
import { LOG_DIR_ENV, runWorker, WORKFLOW_BUNDLE_ENV } from '../../worker';
import { DEFAULT_LOG_DIR } from '../flowRunLogs';
import { withUsageExitCode } from '../commandSupport';

export function register(program: Command): void {
  const command = program
    .command('worker')
    .description("Run a worker for one work pool: it polls the pool's task queue and does all Azure calls of its flow runs")
    .requiredOption('--pool <name>', 'work pool name (= Temporal task queue)')
    .option('--log-dir <dir>', `directory for per-run log files (default: $${LOG_DIR_ENV} or ${DEFAULT_LOG_DIR})`)
    .addHelpText(
      'after',
      [
        '',
        'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or a config profile (default localhost:7233).',
        'Azure: DefaultAzureCredential; ACI_FLOW_ARM_ENDPOINT + ACI_FLOW_ARM_CA_FILE select the local emulator.',
        `Workflow code: bundled at start, or loaded from $${WORKFLOW_BUNDLE_ENV}. Stops gracefully on SIGINT/SIGTERM.`,
        '',
        'Example:',
        '  aci-flow worker --pool my-pool',
      ].join('\n'),
    )
    .action(async (flags: { pool: string; logDir?: string }) => {
      await runWorker({ workPool: flags.pool, logDir: flags.logDir });
    });
  withUsageExitCode(command);
}
