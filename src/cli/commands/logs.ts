import type { Command } from 'commander';
import { DEFAULT_LOG_BLOB_CONTAINER, LOG_BLOB_CONNECTION_STRING_ENV, LOG_BLOB_CONTAINER_ENV, LOG_BLOB_URL_ENV } from '../../logs/blobLogs';
import { DEFAULT_LOG_DIR, LOG_DIR_ENV } from '../../logs/logFiles';
import { withUsageExitCode } from '../commandSupport';
import { CliError } from '../output';

export function register(program: Command): void {
  const command = program
    .command('logs')
    .description("Print a flow run's container log lines, from the storage account its workers write to (or this machine's log files)")
    .argument('<run-id>', 'flow run id')
    .option('-f, --follow', 'keep printing new lines until the run finishes')
    .option('--log-dir <dir>', `directory of the worker log files when logs are not in blobs; default $${LOG_DIR_ENV} or ${DEFAULT_LOG_DIR}`)
    .option('--pool <name>', "the run's work pool, which names its blob's folder; default: the folder holding the run's log")
    .addHelpText(
      'after',
      [
        '',
        `Blob Storage: $${LOG_BLOB_URL_ENV} (signs in with DefaultAzureCredential; needs Storage Blob Data Reader)`,
        `or $${LOG_BLOB_CONNECTION_STRING_ENV} (Azurite), container $${LOG_BLOB_CONTAINER_ENV} (default ${DEFAULT_LOG_BLOB_CONTAINER}).`,
        'Without --follow a stored log needs only these settings; Temporal (TEMPORAL_ADDRESS) is asked only',
        'when storage holds no log of the run, and --follow asks it when the run ends.',
        '',
        'Example:',
        '  aci-flow logs 7f1c --follow',
      ].join('\n'),
    )
    .action(async (flowRunId: string, flags: { follow?: boolean; logDir?: string; pool?: string }) => {
      const [{ TemporalUnreachableError, withClient }, { followLogs, logLocation, readStoredLog }] = await Promise.all([
        import('../clientSession'),
        import('../../client/flowRunLogs'),
      ]);
      let searched: string | undefined;
      if (!flags.follow) {
        const stored = await readStoredLog(flowRunId, { logDir: flags.logDir, workPool: flags.pool });
        if (stored.found) {
          for (const line of stored.lines) process.stdout.write(`${line}\n`);
          if (stored.lines.length === 0) process.stderr.write(`aci-flow: no log lines recorded at ${stored.location} yet\n`);
          return;
        }
        searched = stored.searched;
      }
      const stop = new AbortController();
      const onInterrupt = () => stop.abort();
      process.once('SIGINT', onInterrupt);
      try {
        await withClient(async (client) => {
          let printed = 0;
          for await (const line of followLogs(flowRunId, { client, follow: flags.follow, logDir: flags.logDir, signal: stop.signal })) {
            process.stdout.write(`${line}\n`);
            printed += 1;
          }
          if (printed === 0 && !stop.signal.aborted) {
            process.stderr.write(
              `aci-flow: no log lines recorded at ${await logLocation(flowRunId, { client, logDir: flags.logDir })}: the run has ` +
                'stream_output off, has printed nothing yet, or its workers write logs elsewhere (set the same ACI_FLOW_LOG_BLOB_* ' +
                'variables as the workers, or point --log-dir / ACI_FLOW_LOG_DIR at their log directory)\n',
            );
          }
        });
      } catch (err) {
        // Storage had no log, and Temporal, which knows whether the run exists and its pool, is out of reach: say both.
        if (searched !== undefined && err instanceof TemporalUnreachableError) {
          throw new CliError(`no log of flow run ${flowRunId} at ${searched}; ${err.message} Or pass --pool / --log-dir where the run's log is.`, err.exitCode);
        }
        throw err;
      } finally {
        process.off('SIGINT', onInterrupt);
      }
    });
  withUsageExitCode(command);
}
