/**
 * `aci-flow prefect-worker` as a Prefect user switching from `prefect worker start` runs it: a
 * pool created by `prefect work-pool create --type azure-container-instance` (Prefect's own
 * template), a deployment made by `prefect deploy` from a prefect.yaml, and the bridge as a
 * process started with Prefect's flags and PREFECT_WORKER_* settings, running the pool's aci-flow
 * worker in-process with the one API key. Against a real Prefect server (tools/prefect-venv).
 *
 * @needsTestTools — a real Prefect server and `prefect deploy` (tools/prefect-venv)
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { freePort, prefectCliPath, prefectEnvironment, type PrefectServer, startPrefectServer } from '../../src/localServices';
import { withResolvedBlocks } from '../../src/cli/poolBlocks';
import { getFlowRunStatus } from '../../src/client/flowRunStatus';
import { prepareFlowRun, startFlowRun } from '../../src/client/flowRuns';
import { loadPoolConfig } from '../../src/config/poolConfig';
import { createPrefectApi, ok, type PrefectApi } from '../../src/prefect/api/client';
import { EXECUTED_EVENT, SUBMITTED_EVENT } from '../../src/prefect/events';
import { CONTAINER_LOGGER } from '../../src/prefect/prefectLogs';
import { KILL_AFTER_PENDING_ENV } from '../../src/prefect/submit';
import { runCli } from './cliProcess';
import { workflowIdForFlowRun } from '../../src/workflows/definitions';
import { groupsOf, readableHistory } from '../helpers/flowRuns';
import { startStack, type Stack, TEST_RESOURCE_GROUP, TEST_SUBSCRIPTION_ID, type WorkerProcess } from '../helpers/stack';
import { readFlowRun, waitForFlowRunState } from '../helpers/prefectRuns';
import { waitFor } from '../helpers/waitFor';
import { first, must, nth } from '../helpers/must';

jest.setTimeout(300_000);

const POOL = 'e2e-dropin';
const WORKER_NAME = 'dropin-worker';
const API_KEY = 'pnu_e2e-dropin-key';
const FLOW_SOURCE = `
import os, time
from prefect import flow

def announce_cancel(flow, flow_run, state):
    print(f"on_cancellation hook ran for {flow_run.id}", flush=True)

@flow(name="dropin-flow", on_cancellation=[announce_cancel])
def dropin_flow(hold: str = ""):
    # Printed, not logged: only the container's output has it.
    print(f"container-only line of {os.environ['PREFECT__FLOW_RUN_ID']}", flush=True)
    print(f"api key length {len(os.environ.get('PREFECT_API_KEY', ''))}", flush=True)
    deadline = time.time() + 120
    while hold and not os.path.exists(hold) and time.time() < deadline:
        time.sleep(0.2)
    print("the flow was released", flush=True)
    return 1
`;

type LogEntry = { name: string; message: string; flow_run_id?: string | null };

describe('aci-flow prefect-worker as a drop-in for prefect worker start', () => {
  let prefect: PrefectServer;
  let stack: Stack;
  let api: PrefectApi;
  let flowDir: string;
  let cliHome: string;
  let deploymentId: string;
  let healthPort: number;
  let bridge: WorkerProcess | undefined;
  const holds: string[] = [];

  const execFileAsync = promisify(execFile);
  async function prefectCli(args: string[], cwd: string): Promise<string> {
    const { stdout, stderr } = await execFileAsync(prefectCliPath(), args, {
      cwd,
      env: prefectEnvironment(cliHome, { apiUrl: prefect.apiUrl }),
      timeout: 180_000,
    });
    return stdout + stderr;
  }

  function bridgeEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
    return {
      PREFECT_API_URL: prefect.apiUrl,
      PREFECT_API_KEY: API_KEY,
      // No profile here: the environment is the whole configuration.
      PREFECT_HOME: join(flowDir, 'bridge-home'),
      PREFECT_WORKER_QUERY_SECONDS: '0.5',
      PREFECT_WORKER_HEARTBEAT_SECONDS: '5',
      PREFECT_WORKER_WEBSERVER_HOST: '127.0.0.1',
      PREFECT_WORKER_WEBSERVER_PORT: String(healthPort),
      PREFECT_WORKER_DEBUG_MODE: 'true',
      ...extra,
    };
  }

  /** The bridge with its in-process aci-flow worker: one process, one API key. */
  function startBridge(args: string[] = ['-l', '1', '--with-healthcheck'], extraEnv: NodeJS.ProcessEnv = {}): WorkerProcess {
    bridge = stack.spawnWorkerProcess({ args: ['prefect-worker', '-p', POOL, '-n', WORKER_NAME, ...args], env: bridgeEnv(extraEnv) });
    return bridge;
  }

  beforeAll(async () => {
    [prefect, stack, healthPort] = await Promise.all([startPrefectServer(), startStack({ workPool: POOL }), freePort()]);
    api = createPrefectApi({ apiUrl: prefect.apiUrl });
    flowDir = mkdtempSync(join(tmpdir(), 'aci-flow-dropin-'));
    cliHome = join(flowDir, 'cli-home');
    writeFileSync(join(flowDir, 'dropin_flow.py'), FLOW_SOURCE);
    // JSON is YAML: the prefect.yaml a `prefect init` + local folder deployment would hold.
    writeFileSync(
      join(flowDir, 'prefect.yaml'),
      JSON.stringify({
        name: 'dropin',
        'prefect-version': '3.9.1',
        build: null,
        push: null,
        pull: [{ 'prefect.deployments.steps.set_working_directory': { directory: flowDir } }],
        deployments: [
          {
            name: 'dropin',
            entrypoint: 'dropin_flow.py:dropin_flow',
            parameters: {},
            work_pool: {
              name: POOL,
              job_variables: {
                resource_group_name: TEST_RESOURCE_GROUP,
                subscription_id: TEST_SUBSCRIPTION_ID,
                entrypoint: '',
                task_watch_poll_interval: 0.3,
                task_start_timeout_seconds: 30,
                stream_output: true,
                env: { PATH: `${prefect.binDir}:${process.env.PATH ?? '/usr/bin:/bin'}`, PREFECT_HOME: join(flowDir, 'run-home') },
              },
            },
          },
        ],
      }),
    );
    await prefectCli(['work-pool', 'create', POOL, '--type', 'azure-container-instance'], flowDir);
    await prefectCli(['--no-prompt', 'deploy', '--all'], flowDir);
    deploymentId = ok(
      'read deployment',
      await api.GET('/deployments/name/{flow_name}/{deployment_name}', { params: { path: { flow_name: 'dropin-flow', deployment_name: 'dropin' } } }),
    ).id;
  });

  afterAll(async () => {
    for (const hold of holds) writeFileSync(hold, '');
    await bridge?.kill('SIGTERM');
    await stack?.close();
    await prefect?.stop();
    if (flowDir) rmSync(flowDir, { recursive: true, force: true });
  });

  function holdFile(): string {
    holds.push(join(flowDir, `release-${holds.length}`));
    return must(holds[holds.length - 1], 'the hold file just added');
  }

  async function createFlowRun(parameters: Record<string, unknown> = {}, jobVariables: Record<string, unknown> = {}): Promise<string> {
    // A busy SQLite server answers 503: the client retries as Prefect's does.
    const result = await api.POST('/deployments/{id}/create_flow_run', {
      params: { path: { id: deploymentId } },
      body: { parameters, job_variables: jobVariables } as never,
    });
    return ok('create flow run', result).id;
  }

  const readRun = (id: string) => readFlowRun(api, id);
  const waitForState = (id: string, type: string, timeoutMs?: number) =>
    waitForFlowRunState(api, id, type, { timeoutMs, bridge: () => bridge?.output().slice(-1500) ?? '' });

  async function runLogs(id: string): Promise<LogEntry[]> {
    return ok(
      'read logs',
      await api.POST('/logs/filter', {
        body: { logs: { operator: 'and_', flow_run_id: { any_: [id] } }, limit: 200, offset: 0, sort: 'TIMESTAMP_ASC' } as never,
      }),
    ) as LogEntry[];
  }

  function pollLines(): number {
    return (bridge?.output().match(/polled: /g) ?? []).length;
  }

  /** Sets (or, with undefined, removes) the defaults of the pool's variables, as an edit in the Prefect UI does. */
  async function setDefaults(values: Record<string, unknown>): Promise<void> {
    const pool = ok('read pool', await api.GET('/work_pools/{name}', { params: { path: { name: POOL } } }));
    const template = pool.base_job_template as { variables: { properties: Record<string, Record<string, unknown>> } };
    for (const [name, value] of Object.entries(values)) {
      const { default: _previous, ...schema } = template.variables.properties[name] ?? { type: 'integer' };
      template.variables.properties[name] = value === undefined ? schema : { ...schema, default: value };
    }
    const patched = await api.PATCH('/work_pools/{name}', { params: { path: { name: POOL } }, body: { base_job_template: template as never } });
    expect(`${patched.response.status} ${JSON.stringify(patched.error ?? '')}`).toBe('204 ""');
  }

  it('bad flags exit 2 naming the flag, and nothing starts', async () => {
    const limit = await runCli(['prefect-worker', '-p', POOL, '--limit', '0'], { PREFECT_API_URL: prefect.apiUrl });
    expect(limit.code).toBe(2);
    expect(limit.stderr).toContain('--limit');
    const type = await runCli(['prefect-worker', '--pool', POOL, '--type', 'kubernetes'], { PREFECT_API_URL: prefect.apiUrl });
    expect(type.code).toBe(2);
    expect(type.stderr).toContain('--type "kubernetes"');
    const template = join(flowDir, 'not-json.json');
    writeFileSync(template, '{ nope');
    const bad = await runCli(['prefect-worker', '-p', POOL, '--base-job-template', template], { PREFECT_API_URL: prefect.apiUrl });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('--base-job-template');
  });

  it('--limit 1 holds one run at a time (the others stay Scheduled); the health endpoint answers OK; container lines, messages and events reach Prefect', async () => {
    startBridge();
    const ids = [await createFlowRun({ hold: holdFile() }), await createFlowRun({ hold: holdFile() }), await createFlowRun({ hold: holdFile() })];
    const first = await waitFor(
      async () => {
        const runs = await Promise.all(ids.map(readRun));
        return runs.find((run) => run.state_type === 'RUNNING');
      },
      'one of the three runs to be Running',
      { timeoutMs: 120_000, intervalMs: 250, lastSeen: () => bridge?.output().slice(-1500) ?? '' },
    );
    // Several polls later, the other two are still Scheduled: the worker is at its limit.
    const polls = pollLines();
    await waitFor(() => pollLines() >= polls + 4, 'four more polls', { lastSeen: () => bridge?.output().slice(-500) ?? '' });
    const others = ids.filter((id) => id !== first.id);
    for (const id of others) expect((await readRun(id)).state_type).toBe('SCHEDULED');

    const health = await fetch(`http://127.0.0.1:${healthPort}/health`);
    expect({ status: health.status, body: await health.json() }).toEqual({ status: 200, body: { message: 'OK' } });

    // One after the other: each is released once Running, and the next starts only after.
    const order = [first.id];
    writeFileSync(nth(holds, ids.indexOf(first.id)), '');
    await waitForState(first.id, 'COMPLETED');
    for (let index = 0; index < 2; index++) {
      const next = await waitFor(
        async () => {
          for (const id of others) if (!order.includes(id) && (await readRun(id)).state_type === 'RUNNING') return id;
          return undefined;
        },
        'the next run to be Running',
        { timeoutMs: 120_000, intervalMs: 250 },
      );
      const waiting = others.filter((id) => !order.includes(id) && id !== next);
      for (const id of waiting) expect((await readRun(id)).state_type).toBe('SCHEDULED');
      order.push(next);
      writeFileSync(nth(holds, ids.indexOf(next)), '');
      await waitForState(next, 'COMPLETED');
    }
    const runs = await Promise.all(order.map(readRun));
    for (let index = 1; index < runs.length; index++) {
      expect(Date.parse(nth(runs, index).start_time ?? '')).toBeGreaterThanOrEqual(Date.parse(nth(runs, index - 1).end_time ?? ''));
    }

    const id = first.id;
    // The container's own output, which the flow never logged, is in the flow run's logs in Prefect: once.
    const logs = await waitFor(async () => {
      const entries = await runLogs(id);
      return entries.some((entry) => entry.name === CONTAINER_LOGGER && entry.message.includes('api key length')) ? entries : undefined;
    }, 'the container lines in Prefect');
    const containerOnly = logs.filter((entry) => entry.message === `container-only line of ${id}`);
    expect(containerOnly).toEqual([expect.objectContaining({ name: CONTAINER_LOGGER })]);
    // One API key: the in-process aci-flow worker resolved the container's secretref from the bridge's own.
    expect(logs.map((entry) => entry.message)).toContain(`api key length ${API_KEY.length}`);
    expect(logs.map((entry) => entry.message)).toEqual(
      expect.arrayContaining([`Worker '${WORKER_NAME}' submitting flow run '${id}'`, expect.stringMatching(/^aci-flow Completed \(exit code 0\)/)]),
    );

    const events = await waitFor(
      async () => {
        const page = ok(
          'events',
          await api.POST('/events/filter', {
            body: { filter: { event: { name: [SUBMITTED_EVENT, EXECUTED_EVENT] }, any_resource: { id: [`prefect.flow-run.${id}`] } }, limit: 50 } as never,
          }),
        ) as {
          events: Array<{ event: string; id: string; follows?: string | null; resource: Record<string, string>; related: Array<Record<string, string>> }>;
        };
        return page.events.length >= 2 ? page.events : undefined;
      },
      'both worker events',
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    const submitted = events.find((event) => event.event === SUBMITTED_EVENT);
    const executed = events.find((event) => event.event === EXECUTED_EVENT);
    expect(submitted?.resource['prefect.resource.id']).toBe(`prefect.worker.azure-container-instance.${WORKER_NAME}`);
    expect(executed?.follows).toBe(submitted?.id);
    const flowRunResource = executed?.related.find((resource) => resource['prefect.resource.role'] === 'flow-run');
    expect(flowRunResource).toMatchObject({ 'prefect.infrastructure.identifier': first.infrastructure_pid, 'prefect.infrastructure.status-code': '0' });
    expect(executed?.related.map((resource) => resource['prefect.resource.role'])).toEqual(expect.arrayContaining(['deployment', 'flow', 'work-pool']));
  });

  it('a Cancelling run whose flow has started cancels itself within the grace period: its on_cancellation hook runs and it ends Cancelled', async () => {
    // The pool gives none; the run's own job variable gives a grace no loaded machine runs out of
    // (the test is about the flow cancelling itself), so the run's value is the one that counts.
    await setDefaults({ cancel_grace_seconds: 0 });
    const id = await createFlowRun({ hold: holdFile() }, { cancel_grace_seconds: 180 });
    const running = await waitForState(id, 'RUNNING');
    ok('cancel', await api.POST('/flow_runs/{id}/set_state', { params: { path: { id } }, body: { state: { type: 'CANCELLING' }, force: false } as never }));
    await waitForState(id, 'CANCELLED', 90_000);
    // The hook printed in the container; the line reached Prefect with the rest of its output.
    await waitFor(
      async () => (await runLogs(id)).find((entry) => entry.message === `on_cancellation hook ran for ${id}`),
      "the on_cancellation hook's line in Prefect",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    // aci-flow did not cut it short: no cancel signal, and the group went with the run's routine cleanup.
    expect(bridge?.output()).not.toContain(`flow run ${id}: cancel requested in Prefect`);
    await waitFor(() => groupsOf(stack, running.infrastructure_pid ?? '').every((group) => group.deleted), 'the container group to be deleted', {
      timeoutMs: 60_000,
    });
    expect((await readRun(id)).state_type).toBe('CANCELLED');
  });

  it('a bridge SIGKILLed mid-run or right after proposing Pending strands nothing and sends no container line twice', async () => {
    // A run whose first lines reached Prefect when the bridge (and its in-process worker) died.
    const held = await createFlowRun({ hold: holdFile() });
    await waitFor(
      async () => (await runLogs(held)).some((entry) => entry.message === `container-only line of ${held}`),
      'the first container lines in Prefect',
      {
        timeoutMs: 120_000,
        intervalMs: 250,
      },
    );
    expect(await bridge?.kill('SIGKILL')).toBeNull();

    const doomed = startBridge(['-l', '2'], { [KILL_AFTER_PENDING_ENV]: '1' });
    const id = await createFlowRun();
    expect(await doomed.exited).toBeNull();
    expect(doomed.child.signalCode).toBe('SIGKILL');
    expect((await readRun(id)).state_type).toBe('PENDING');
    await expect(getFlowRunStatus(stack.client, id)).rejects.toThrow();

    startBridge(['-l', '2']);
    const run = await waitForState(id, 'COMPLETED');
    expect(bridge?.output()).toContain(`flow run ${id}: Pending without an aci-flow workflow`);
    // One container group, deleted once the container has exited.
    await waitFor(() => groupsOf(stack, run.infrastructure_pid ?? '').every((group) => group.deleted), 'the container group to be deleted', {
      timeoutMs: 60_000,
    });
    expect(groupsOf(stack, run.infrastructure_pid ?? '')).toHaveLength(1);

    // The held run goes on under the new bridge, which continues its lines after those Prefect has.
    writeFileSync(nth(holds, holds.length - 1), '');
    await waitForState(held, 'COMPLETED');
    const lines = await waitFor(
      async () => {
        const entries = (await runLogs(held)).filter((entry) => entry.name === CONTAINER_LOGGER);
        return entries.some((entry) => entry.message === 'the flow was released') ? entries.map((entry) => entry.message) : undefined;
      },
      "the held run's last line in Prefect",
      { timeoutMs: 60_000, intervalMs: 500 },
    );
    for (const line of [`container-only line of ${held}`, `api key length ${API_KEY.length}`, 'the flow was released']) {
      expect(lines.filter((message) => message === line)).toEqual([line]);
    }
  });

  it('--run-once takes the scheduled run, sees it through and exits 0; --base-job-template updates the pool; the API URL comes from the Prefect profile', async () => {
    expect(await bridge?.kill('SIGTERM')).toBe(0);
    const id = await createFlowRun();
    const home = join(flowDir, 'profile-home');
    rmSync(home, { recursive: true, force: true });
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'profiles.toml'), `active = "e2e"\n\n[profiles.e2e]\nPREFECT_API_URL = "${prefect.apiUrl}"\nPREFECT_API_KEY = "${API_KEY}"\n`);
    const pool = ok('read pool', await api.GET('/work_pools/{name}', { params: { path: { name: POOL } } }));
    const template = pool.base_job_template as { variables: { properties: Record<string, unknown> } };
    template.variables.properties.cancel_grace_seconds = { type: 'integer', default: 12 };
    const templateFile = join(flowDir, 'template.json');
    writeFileSync(templateFile, JSON.stringify(template));

    const once = startBridge(['--run-once', '--base-job-template', templateFile], { PREFECT_API_URL: '', PREFECT_API_KEY: '', PREFECT_HOME: home });
    expect(await once.exited).toBe(0);
    expect((await readRun(id)).state_type).toBe('COMPLETED');
    const updated = ok('read pool', await api.GET('/work_pools/{name}', { params: { path: { name: POOL } } }));
    expect((updated.base_job_template as typeof template).variables.properties.cancel_grace_seconds).toEqual({ type: 'integer', default: 12 });
    expect((await runLogs(id)).map((entry) => entry.message)).toContain(`api key length ${API_KEY.length}`);
  });

  /** A block type, schema and document made through Prefect's API, as `prefect block register` and the UI make them. */
  async function createBlock(
    slug: string,
    properties: Record<string, unknown>,
    secretFields: string[],
    name: string,
    data: Record<string, unknown>,
  ): Promise<string> {
    const existing = await api.GET('/block_types/slug/{slug}', { params: { path: { slug } } });
    const type = existing.response.ok
      ? ok('block type', existing)
      : ok('create block type', await api.POST('/block_types/', { body: { name: slug, slug } as never }));
    const schema = ok(
      'create block schema',
      await api.POST('/block_schemas/', {
        body: {
          block_type_id: type.id,
          fields: { title: slug, type: 'object', properties, secret_fields: secretFields, block_schema_references: {} },
          capabilities: [],
        } as never,
      }),
    );
    return ok(
      'create block document',
      await api.POST('/block_documents/', { body: { name, data, block_schema_id: schema.id, block_type_id: type.id } as never }),
    ).id;
  }

  it("deploys with a pool's aci_credentials and image_registry blocks, their secrets resolved by the worker at deploy time and never in workflow history; a run's other secret block or a missing block is Crashed naming it; a pool file naming them renders and deploys through the Prefect API, and a worker whose file names a missing block exits 2", async () => {
    const identity =
      '/subscriptions/00000000-0000-0000-0000-000000000000/resourceGroups/aci-flow-test/providers/Microsoft.ManagedIdentity/userAssignedIdentities/acr-pull';
    const credentialFields = {
      client_id: { type: 'string' },
      tenant_id: { type: 'string' },
      client_secret: { type: 'string', format: 'password', writeOnly: true },
    };
    const registryFields = {
      username: { type: 'string' },
      password: { type: 'string', format: 'password', writeOnly: true },
      registry_url: { type: 'string' },
    };
    const credentials = await createBlock('azure-container-instance-credentials', credentialFields, ['client_secret'], 'mi-creds', {
      client_id: 'managed-identity-client-id',
    });
    const clientSecret = `sp-secret-${Date.now()}`;
    const registryPassword = `registry-password-${Date.now()}`;
    const withSecret = await createBlock('azure-container-instance-credentials', credentialFields, ['client_secret'], 'sp-creds', {
      client_id: 'sp-client',
      tenant_id: 'sp-tenant',
      client_secret: clientSecret,
    });
    const registry = await createBlock('docker-registry-credentials', registryFields, ['password'], 'puller', {
      username: 'puller',
      password: registryPassword,
      registry_url: 'private.example.io',
    });
    const someoneElses = await createBlock('docker-registry-credentials', registryFields, ['password'], 'someone-elses', {
      username: 'x',
      password: 'not-for-runs',
      registry_url: 'evil.example.io',
    });
    await createBlock('acr-managed-identity', { registry_url: { type: 'string' }, identity: { type: 'string' } }, [], 'acr', {
      registry_url: 'myregistry.azurecr.io',
      identity,
    });
    // The same blocks named by a pool file: `render` reads them through the Prefect API (secrets
    // stay references); `worker` stops at start, exit 2, naming a block it cannot read.
    const exported = ok('read pool', await api.GET('/work_pools/{name}', { params: { path: { name: POOL } } }));
    const fileTemplate = structuredClone(exported.base_job_template) as { variables: { properties: Record<string, Record<string, unknown>> } };
    const setFileDefault = (name: string, value: unknown) => {
      fileTemplate.variables.properties[name] = { ...fileTemplate.variables.properties[name], default: value };
    };
    setFileDefault('aci_credentials', { $ref: { block_document_id: withSecret } });
    setFileDefault('image_registry', '{{ prefect.blocks.docker-registry-credentials.puller }}');
    const poolFile = join(flowDir, 'blocks-pool.json');
    writeFileSync(poolFile, JSON.stringify({ name: POOL, type: 'azure-container-instance', base_job_template: fileTemplate }));
    const prefectOnly = { PREFECT_API_URL: prefect.apiUrl, PREFECT_HOME: join(flowDir, 'bridge-home') };
    const rendered = await runCli(
      ['render', '--pool-config', poolFile, '--set', `resource_group_name=${TEST_RESOURCE_GROUP}`, '--set', `subscription_id=${TEST_SUBSCRIPTION_ID}`],
      prefectOnly,
    );
    expect({ code: rendered.code, stderr: rendered.stderr }).toEqual({ code: 0, stderr: '' });
    expect(rendered.stdout).toContain('private.example.io');
    expect(rendered.stdout).toContain(`prefect-block-${registry}-password`);
    expect(rendered.stdout).not.toContain(registryPassword);

    // `aci-flow worker --pool-config` with the Prefect API: the worker reads the file's blocks with
    // their secrets (the same pool source as prefect-worker's), a run started from the file deploys with them.
    const filePool = `${POOL}-file`;
    const fileWorker = stack.spawnWorkerProcess({ workPool: filePool, env: prefectOnly, args: ['worker', '--pool', filePool, '--pool-config', poolFile] });
    const fileRun = await startFlowRun(
      stack.client,
      prepareFlowRun({
        workPool: filePool,
        flowName: 'file-pool',
        pool: await withResolvedBlocks(await loadPoolConfig(poolFile), prefectOnly),
        values: {
          resource_group_name: TEST_RESOURCE_GROUP,
          subscription_id: TEST_SUBSCRIPTION_ID,
          entrypoint: '',
          command: "sh -c 'echo from a pool file'",
          task_watch_poll_interval: 0.3,
        },
      }),
    );
    const fileStatus = await waitFor(
      async () => {
        const status = await getFlowRunStatus(stack.client, fileRun.flowRunId);
        return status.phase === 'Completed' ? status : undefined;
      },
      'the pool-file run to complete',
      { timeoutMs: 120_000, intervalMs: 500, lastSeen: () => fileWorker.output().slice(-1500) },
    );
    expect(first(groupsOf(stack, fileStatus.containerGroupName)).registryCredentials).toEqual([
      { server: 'private.example.io', username: 'puller', passwordSha256: createHash('sha256').update(registryPassword).digest('hex') },
    ]);
    const fileHistory = await readableHistory(stack.client.workflow.getHandle(fileRun.workflowId));
    for (const secret of [clientSecret, registryPassword]) {
      expect(fileHistory).not.toContain(secret);
      expect(fileWorker.output()).not.toContain(secret);
    }
    await fileWorker.kill('SIGTERM');

    setFileDefault('aci_credentials', { $ref: { block_document_id: '00000000-0000-0000-0000-00000000dead' } });
    writeFileSync(poolFile, JSON.stringify({ name: POOL, type: 'azure-container-instance', base_job_template: fileTemplate }));
    const refused = await runCli(['worker', '--pool', filePool, '--pool-config', poolFile], prefectOnly);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('aci_credentials: Prefect block document 00000000-0000-0000-0000-00000000dead does not exist');

    // The pool's own identity default is what its runs may use (allowed_identities).
    await setDefaults({
      aci_credentials: { $ref: { block_document_id: credentials } },
      image_registry: '{{ prefect.blocks.acr-managed-identity.acr }}',
      identities: [identity],
    });
    startBridge([]);

    // Non-secret blocks: their fields travel with the run.
    const id = await createFlowRun();
    const managedRun = await waitForState(id, 'COMPLETED');
    const history = await readableHistory(stack.client.workflow.getHandle(workflowIdForFlowRun(id)));
    expect(history).toContain('managed-identity-client-id');
    expect(history).not.toContain('block_document_id');
    expect(first(groupsOf(stack, managedRun.infrastructure_pid ?? '')).registryCredentials).toEqual([{ server: 'myregistry.azurecr.io', identity }]);

    // Blocks holding secrets: the service principal's client secret and the registry password reach Azure, only references reach history.
    await setDefaults({
      aci_credentials: { $ref: { block_document_id: withSecret } },
      image_registry: '{{ prefect.blocks.docker-registry-credentials.puller }}',
      identities: undefined,
    });
    const secretRunId = await createFlowRun();
    const secretRun = await waitForState(secretRunId, 'COMPLETED');
    const group = first(groupsOf(stack, secretRun.infrastructure_pid ?? ''));
    expect(group.registryCredentials).toEqual([
      { server: 'private.example.io', username: 'puller', passwordSha256: createHash('sha256').update(registryPassword).digest('hex') },
    ]);
    const secretHistory = await readableHistory(stack.client.workflow.getHandle(workflowIdForFlowRun(secretRunId)));
    expect(secretHistory).toContain(`secretref:prefect-block-${withSecret}-client_secret`);
    for (const secret of [clientSecret, registryPassword]) {
      expect(secretHistory).not.toContain(secret);
      expect(bridge?.output()).not.toContain(secret);
    }

    // A run naming the pool's own registry block gets it; another block with a secret it cannot.
    const sameBlock = await createFlowRun({}, { image_registry: { $ref: { block_document_id: registry } } });
    await waitForState(sameBlock, 'COMPLETED');
    const otherBlock = await waitForState(await createFlowRun({}, { image_registry: { $ref: { block_document_id: someoneElses } } }), 'CRASHED');
    expect(otherBlock.state?.message).toMatch(
      /image_registry\.password: secretref:prefect-block-.*-password is the secret of a Prefect block the work pool does not use for image_registry/,
    );
    // A run-level aci_credentials block never reaches aci-flow through Prefect: Prefect's own job-variable
    // validation refuses it (422). aci-flow refuses it too (test/unit/prefect/blocks.test.ts).

    await setDefaults({ aci_credentials: '{{ prefect.blocks.azure-container-instance-credentials.no-such-block }}', image_registry: undefined });
    const missingRun = await waitForState(await createFlowRun(), 'CRASHED');
    expect(missingRun.state?.message).toContain('prefect.blocks.azure-container-instance-credentials.no-such-block does not exist');
    await setDefaults({ aci_credentials: undefined });
  });
});
