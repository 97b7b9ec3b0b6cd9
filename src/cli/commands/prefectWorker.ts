import type { Command } from 'commander';
import { Option } from 'commander';
import { collect, isPositiveInteger, numberParser, withUsageExitCode } from '../commandSupport';

// Mirrors src/prefect/settings.ts and worker.ts, which --help must not load.
const DEFAULTS = { query: 10, heartbeat: 30, prefetch: 10, apiKeySecret: 'PREFECT_API_KEY', type: 'azure-container-instance' };
const INSTALL_POLICIES = ['always', 'if-not-present', 'never', 'prompt'];

interface PrefectWorkerFlags {
  pool?: string;
  workPool?: string;
  workQueue: string[];
  emptyWorkQueue?: boolean;
  name?: string;
  type?: string;
  limit?: number;
  prefetchSeconds?: number;
  runOnce?: boolean;
  withHealthcheck?: boolean;
  baseJobTemplate?: string;
  createPoolIfNotFound: boolean;
  installPolicy?: string;
  pollSeconds?: number;
  heartbeatSeconds?: number;
  apiKeySecret?: string;
  worker: boolean;
  profile?: string;
  prompt?: boolean;
}

const positiveNumber = numberParser('a positive number of seconds, e.g. 10', (value) => Number.isFinite(value) && value > 0);
const nonNegativeNumber = numberParser('a number of seconds, e.g. 10', (value) => Number.isFinite(value) && value >= 0);
const positiveInteger = numberParser('a positive whole number, e.g. 4', isPositiveInteger);

export function register(program: Command): void {
  const command = program
    .command('prefect-worker')
    .description(
      "Run a Prefect 3 worker for an azure-container-instance work pool, as `prefect worker start` would: it takes the pool's flow runs from the Prefect API and runs each as an aci-flow flow run",
    )
    .option('-p, --pool <name>', 'Prefect work pool (created if missing); its runs go to the aci-flow pool of the same name')
    .addOption(new Option('--work-pool <name>', 'same as --pool').hideHelp())
    .option('-q, --work-queue <name>', 'only this work queue of the pool (repeatable; default: all)', collect, [])
    .option('--empty-work-queue', "every work queue of the pool (Prefect's explicit empty --work-queue list; the default)")
    .option('-n, --name <name>', 'worker name shown in the Prefect UI (default: aci-flow-<host>-<pid>)')
    .option('-t, --type <type>', `worker type; only ${DEFAULTS.type} (the pool's type is checked either way)`)
    .option('-l, --limit <n>', 'flow runs this worker holds at once; runs over it stay Scheduled (default: no limit)', positiveInteger)
    .option(
      '--prefetch-seconds <s>',
      `take runs scheduled up to this far ahead (default: $PREFECT_WORKER_PREFETCH_SECONDS or ${DEFAULTS.prefetch})`,
      nonNegativeNumber,
    )
    .option('--run-once', 'poll once, see the runs it took through to the end, then exit')
    .option('--no-run-once', 'keep polling (the default)')
    .option('--with-healthcheck', 'serve GET /health on $PREFECT_WORKER_WEBSERVER_HOST:$PREFECT_WORKER_WEBSERVER_PORT (default 0.0.0.0:8080)')
    .option('--no-with-healthcheck', 'no health endpoint (the default)')
    .option('--base-job-template <file>', "JSON base job template: the pool is created with it, or an existing pool's template is replaced by it")
    .option('--create-pool-if-not-found', 'create the work pool when it does not exist (default)')
    .option('--no-create-pool-if-not-found', 'fail when the work pool does not exist')
    .option('--install-policy <policy>', `accepted for scripts written for prefect worker start (${INSTALL_POLICIES.join(', ')}); aci-flow installs nothing`)
    .option('--profile <name>', 'the Prefect profile to read PREFECT_* settings from (as PREFECT_PROFILE; the environment still wins)')
    .option('--prompt', 'accepted for scripts written for prefect worker start; aci-flow never prompts')
    .option('--no-prompt', 'accepted likewise (aci-flow never prompts)')
    .option('--no-worker', 'do not run the aci-flow worker of the pool in this process (run `aci-flow worker --pool <name>` fleets separately)')
    .option('--poll-seconds <s>', `seconds between polls (default: $PREFECT_WORKER_QUERY_SECONDS or ${DEFAULTS.query})`, positiveNumber)
    .option('--heartbeat-seconds <s>', `seconds between heartbeats (default: $PREFECT_WORKER_HEARTBEAT_SECONDS or ${DEFAULTS.heartbeat})`, positiveNumber)
    .option(
      '--api-key-secret <name>',
      `secret NAME the injected PREFECT_API_KEY refers to (secretref:NAME, resolved by the aci-flow worker from ACI_FLOW_SECRET_<NAME>; default: ${DEFAULTS.apiKeySecret})`,
    )
    .addHelpText(
      'after',
      [
        '',
        'Prefect: PREFECT_API_URL (required), PREFECT_API_KEY (Prefect Cloud) or PREFECT_API_AUTH_STRING (basic auth), from the',
        'environment or the active Prefect profile (PREFECT_PROFILE, $PREFECT_HOME/profiles.toml); PREFECT_WORKER_* settings likewise.',
        'Temporal: TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TEMPORAL_TLS_* or a config profile (default localhost:7233).',
        'The aci-flow worker of the pool runs in this process (Azure as for `aci-flow worker`) unless --no-worker. See docs/prefect.md.',
        '',
        'Example:',
        '  PREFECT_API_URL=http://127.0.0.1:4200/api aci-flow prefect-worker --pool my-aci-pool --limit 10 --with-healthcheck',
      ].join('\n'),
    )
    .action(async (flags: PrefectWorkerFlags) => {
      const { CliError, ExitCodes } = await import('../output');
      const usage = (message: string) => new CliError(message, ExitCodes.usage);
      if (flags.pool && flags.workPool && flags.pool !== flags.workPool)
        throw usage(`--pool "${flags.pool}" and --work-pool "${flags.workPool}" name different pools; give one`);
      if (flags.emptyWorkQueue && flags.workQueue.length > 0) throw usage('--empty-work-queue (every queue) and --work-queue name different queues; give one');
      const workPool = flags.pool ?? flags.workPool;
      if (!workPool) throw usage('--pool <name> (-p) is required: the Prefect work pool to poll');
      if (flags.type !== undefined && flags.type !== DEFAULTS.type) throw usage(`--type "${flags.type}": aci-flow runs ${DEFAULTS.type} work pools only`);
      if (flags.installPolicy !== undefined && !INSTALL_POLICIES.includes(flags.installPolicy)) {
        throw usage(`--install-policy "${flags.installPolicy}" is not one of ${INSTALL_POLICIES.join(', ')}`);
      }
      const baseJobTemplate = flags.baseJobTemplate === undefined ? undefined : await readJsonFile(flags.baseJobTemplate, usage);
      if (baseJobTemplate !== undefined) {
        const { parsePoolConfig } = await import('../../config');
        try {
          parsePoolConfig(baseJobTemplate, `--base-job-template ${flags.baseJobTemplate}`);
        } catch (err) {
          throw usage(err instanceof Error ? err.message : String(err));
        }
      }
      const {
        runPrefectWorker,
        createPrefectApi,
        prefectPoolSource,
        withActiveProfile,
        workerSettingsFromEnv,
        prefectApiSettingsFromEnv,
        DEFAULT_API_KEY_SECRET,
        DEFAULT_AUTH_STRING_SECRET,
      } = await import('../../prefect');
      let prefect, settings;
      // Prefect's --profile: that profile instead of the active one, for this process (the in-process worker too).
      if (flags.profile !== undefined) process.env.PREFECT_PROFILE = flags.profile;
      try {
        const env = withActiveProfile(process.env);
        prefect = prefectApiSettingsFromEnv(env);
        settings = workerSettingsFromEnv(env);
      } catch (err) {
        throw usage(err instanceof Error ? err.message : String(err));
      }
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once('SIGINT', onSignal);
      process.once('SIGTERM', onSignal);
      const log = (message: string) => process.stderr.write(`[prefect-worker] ${message}\n`);
      if (flags.installPolicy) log(`--install-policy ${flags.installPolicy}: aci-flow needs no worker packages; nothing is installed`);
      try {
        const tasks: Array<Promise<void>> = [];
        if (flags.worker) {
          // One API key: the in-process worker resolves the injected secretref from the bridge's own key.
          const secretEnv = (name: string) => `ACI_FLOW_SECRET_${name.toUpperCase().replace(/-/g, '_')}`;
          const keyEnv = secretEnv(flags.apiKeySecret ?? DEFAULT_API_KEY_SECRET);
          if (prefect.apiKey && !process.env[keyEnv]) process.env[keyEnv] = prefect.apiKey;
          const authEnv = secretEnv(DEFAULT_AUTH_STRING_SECRET);
          if (prefect.authString && !process.env[authEnv]) process.env[authEnv] = prefect.authString;
          const { runWorker } = await import('../../worker');
          log(`running the aci-flow worker of pool "${workPool}" in this process (--no-worker to run it separately)`);
          // It renders every run from the pool's base job template as the Prefect API holds it.
          const poolConfig = prefectPoolSource(createPrefectApi(prefect), workPool);
          tasks.push(runWorker({ workPool, poolConfig, signal: stop.signal }).finally(() => stop.abort()));
        }
        tasks.push(
          runPrefectWorker({
            workPool,
            workQueues: flags.workQueue.length ? flags.workQueue : undefined,
            name: flags.name,
            prefect,
            settings,
            limit: flags.limit,
            runOnce: flags.runOnce,
            withHealthcheck: flags.withHealthcheck,
            baseJobTemplate,
            createPoolIfNotFound: flags.createPoolIfNotFound,
            pollSeconds: flags.pollSeconds,
            heartbeatSeconds: flags.heartbeatSeconds,
            prefetchSeconds: flags.prefetchSeconds,
            apiKeySecret: flags.apiKeySecret,
            signal: stop.signal,
            log,
          }).finally(() => stop.abort()),
        );
        await Promise.all(tasks);
      } finally {
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
      }
    });
  withUsageExitCode(command);
}

async function readJsonFile(path: string, usage: (message: string) => Error): Promise<unknown> {
  const { readFile } = await import('node:fs/promises');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw usage(`--base-job-template ${path}: ${err instanceof Error ? err.message : String(err)}`);
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw usage(`--base-job-template ${path} is not JSON: ${err instanceof Error ? err.message : String(err)}`);
  }
}
