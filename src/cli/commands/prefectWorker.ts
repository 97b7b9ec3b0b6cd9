import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { withUsageExitCode } from '../commandSupport';

// Mirrors src/prefect/worker.ts, which --help must not load.
const DEFAULTS = { poll: 10, heartbeat: 30, prefetch: 10, apiKeySecret: 'PREFECT_API_KEY' };

export function register(program: Command): void {
  const command = program
    .command('prefect-worker')
    .description(
      'Run a Prefect 3 worker for an azure-container-instance work pool: it takes the pool\'s flow runs from the Prefect API and runs each as an aci-flow flow run',
    )
    .requiredOption('--work-pool <name>', 'Prefect work pool (created with aci-flow\'s default template if missing); its runs go to the aci-flow pool of the same name')
    .option('--work-queue <name>', 'only this work queue of the pool (repeatable; default: all)', addQueue)
    .option('--name <name>', 'worker name shown in the Prefect UI (default: aci-flow-<host>-<pid>)')
    .option('--poll-seconds <s>', `seconds between polls for scheduled and cancelling runs (default: ${DEFAULTS.poll})`, positiveNumber)
    .option('--heartbeat-seconds <s>', `seconds between heartbeats into the pool (default: ${DEFAULTS.heartbeat})`, positiveNumber)
    .option('--prefetch-seconds <s>', `take runs scheduled up to this far ahead (default: ${DEFAULTS.prefetch})`, positiveNumber)
    .option(
      '--api-key-secret <name>',
      `secret NAME the injected PREFECT_API_KEY refers to (secretref:NAME, resolved by the aci-flow worker from ACI_FLOW_SECRET_<NAME>; default: ${DEFAULTS.apiKeySecret})`,
    )
    .addHelpText(
      'after',
      [
        '',
        'Prefect: PREFECT_API_URL (required), PREFECT_API_KEY (Prefect Cloud) or PREFECT_API_AUTH_STRING (basic auth).',
        'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or a config profile (default localhost:7233).',
        'Run `aci-flow worker --pool <same name>` too: it does the Azure calls. Stops on SIGINT/SIGTERM. See docs/prefect.md.',
        '',
        'Example:',
        '  PREFECT_API_URL=http://127.0.0.1:4200/api aci-flow prefect-worker --work-pool my-aci-pool',
      ].join('\n'),
    )
    .action(
      async (flags: {
        workPool: string;
        workQueue?: string[];
        name?: string;
        pollSeconds?: number;
        heartbeatSeconds?: number;
        prefetchSeconds?: number;
        apiKeySecret?: string;
      }) => {
        const { runPrefectWorker } = await import('../../prefect');
        const stop = new AbortController();
        const onSignal = () => stop.abort();
        process.once('SIGINT', onSignal);
        process.once('SIGTERM', onSignal);
        try {
          await runPrefectWorker({
            workPool: flags.workPool,
            workQueues: flags.workQueue,
            name: flags.name,
            pollSeconds: flags.pollSeconds,
            heartbeatSeconds: flags.heartbeatSeconds,
            prefetchSeconds: flags.prefetchSeconds,
            apiKeySecret: flags.apiKeySecret,
            signal: stop.signal,
          });
        } finally {
          process.off('SIGINT', onSignal);
          process.off('SIGTERM', onSignal);
        }
      },
    );
  withUsageExitCode(command);
}

function positiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`"${value}" is not a positive number of seconds, e.g. 10`);
  return parsed;
}

function addQueue(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}
