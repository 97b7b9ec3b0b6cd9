/**
 * Encrypted history, end to end: with a codec key, a run started through the CLI leaves no
 * image, command, env value or failure message in clear text in Temporal's history, and
 * `aci-flow codec-server` lets `temporal workflow show` decode it for a token holder.
 */
import { execFile } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { promisify } from 'node:util';
import { temporalCliPath } from '../../src/localServices';
import { loadPoolConfig, type PoolConfig } from '../../src/config';
import { AesGcmCodec, encryptingDataConverter } from '../../src/common/codec';
import { workflowIdForFlowRun } from '../../src/workflows/definitions';
import { runFailure } from '../helpers/flowRuns';
import { startStack, type Stack } from '../helpers/stack';
import { waitFor } from '../helpers/waitFor';
import { runCli, startArgs, startCli } from './cliProcess';

jest.setTimeout(180_000);

const key = randomBytes(32);
const KEYS_ENV = { ACI_FLOW_CODEC_KEYS: `e2e-1=${key.toString('base64')}` };
const TOKEN = randomBytes(24).toString('hex');

describe('encrypted history', () => {
  let stack: Stack;
  let cliEnv: NodeJS.ProcessEnv;
  let pool: PoolConfig;

  beforeAll(async () => {
    const codec = new AesGcmCodec({ currentKeyId: 'e2e-1', keys: new Map([['e2e-1', key]]) });
    // The worker renders from the same pool file the CLI starts runs with.
    pool = await loadPoolConfig('examples/pool.yaml');
    stack = await startStack({ workPool: 'e2e-codec', dataConverter: encryptingDataConverter(codec), pool });
    await stack.startWorker();
    cliEnv = { TEMPORAL_ADDRESS: stack.env.address, TEMPORAL_NAMESPACE: 'default', ACI_FLOW_LOG_DIR: stack.logDir, ACI_FLOW_POOL_CONFIG: '', ...KEYS_ENV };
  }, 180_000);

  afterAll(async () => {
    await stack?.close();
  });

  /**
   * `temporal workflow show --output json`, made searchable: the output itself plus every
   * base64 string in it decoded (the CLI prints payload data as base64), so a value stored
   * in clear text is found wherever it sits.
   */
  const workflowShow = async (...extra: string[]) => {
    const { stdout } = await promisify(execFile)(
      temporalCliPath(),
      ['workflow', 'show', '--address', stack.env.address, '--namespace', 'default', '--output', 'json', ...extra],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    const decodedStrings: string[] = [];
    JSON.parse(stdout, (_key, value: unknown) => {
      if (typeof value === 'string' && value.length % 4 === 0 && /^[A-Za-z0-9+/]+={0,2}$/.test(value)) {
        decodedStrings.push(Buffer.from(value, 'base64').toString('utf8'));
      }
      return value;
    });
    return [stdout, ...decodedStrings].join('\n');
  };

  it('holds no image, command, env value or failure message in clear text; the codec server decodes them', async () => {
    const marker = randomUUID().slice(0, 8);
    const image = `registry.example.com/codec-e2e/${marker}:v1`;
    const printed = `printed-${marker}`;
    const envValue = `env-value-${marker}`;
    const flowRunId = `codec-${marker}`;
    const started = await runCli(
      startArgs(
        { workPool: stack.workPool, flow: 'codec-etl', runId: flowRunId },
        '--set',
        `image=${image}`,
        '--set',
        `command=sh -c 'echo ${printed}; exit 3'`,
        '--set',
        `env={"E2E_VALUE": "${envValue}"}`,
        '--json',
      ),
      cliEnv,
    );
    expect(started).toMatchObject({ code: 0, stderr: '' });

    // The client decrypts results and failures transparently: the message is the real one.
    const handle = stack.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
    expect(await runFailure(handle)).toMatchObject({ message: 'Container exited with code 3' });
    // The memo is encrypted in history (checked below) and reads back through the codec.
    expect((await handle.describe()).memo).toMatchObject({ resourceGroupName: 'aci-flow-demo', containerGroupName: expect.stringContaining(flowRunId) });
    // So does the CLI, from the encrypted memo and query result.
    const status = await runCli(['status', flowRunId, '--json'], cliEnv);
    expect(status.code).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({ phase: 'Failed', exitCode: 3 });

    const clearTexts = [image, printed, envValue, 'Container exited with code 3'];
    const raw = await workflowShow('--workflow-id', workflowIdForFlowRun(flowRunId));
    expect(raw).toContain('EVENT_TYPE_WORKFLOW_EXECUTION_FAILED');
    for (const text of clearTexts) expect({ text, found: raw.includes(text) }).toEqual({ text, found: false });
    expect(raw).toContain('binary/encrypted');
    // Every payload is encrypted, whatever it holds (inputs, results, heartbeats, memo, failures), except search attributes.
    const { stdout: rawJson } = await promisify(execFile)(
      temporalCliPath(),
      ['workflow', 'show', '--address', stack.env.address, '--namespace', 'default', '--output', 'json', '--workflow-id', workflowIdForFlowRun(flowRunId)],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    expect(plainPayloadPaths(JSON.parse(rawJson))).toEqual([]);

    const server = startCli(['codec-server', '--port', '0'], { ...KEYS_ENV, ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN });
    try {
      const endpoint = await waitFor(() => /listening on (\S+)/.exec(server.output())?.[1], 'the codec server endpoint', { lastSeen: server.output });
      const decoded = await workflowShow('--workflow-id', workflowIdForFlowRun(flowRunId), '--codec-endpoint', endpoint, '--codec-auth', `Bearer ${TOKEN}`);
      for (const text of clearTexts) expect({ text, found: decoded.includes(text) }).toEqual({ text, found: true });
      // Without the token the codec server refuses (401), and the Temporal CLI gives up showing anything.
      await expect(workflowShow('--workflow-id', workflowIdForFlowRun(flowRunId), '--codec-endpoint', endpoint)).rejects.toThrow(/Command failed/);
    } finally {
      server.killIfRunning();
    }
  });

  it('the `aci-flow worker` process encrypts with the key from its environment, failure messages included', async () => {
    const workPool = 'e2e-codec-process';
    const worker = stack.spawnWorkerProcess({ workPool, pool, env: KEYS_ENV });
    const flowRunId = `codec-process-${randomUUID().slice(0, 8)}`;
    const started = await runCli(startArgs({ workPool, flow: 'codec-etl', runId: flowRunId }, '--set', "command=sh -c 'exit 4'", '--json'), cliEnv);
    expect(started).toMatchObject({ code: 0, stderr: '' });
    // The worker bundles the workflow code (with the encrypting failure converter) at start: give it time.
    const handle = stack.client.workflow.getHandle(workflowIdForFlowRun(flowRunId));
    expect(await runFailure(handle)).toMatchObject({ message: 'Container exited with code 4' });
    const { stdout } = await promisify(execFile)(
      temporalCliPath(),
      ['workflow', 'show', '--address', stack.env.address, '--namespace', 'default', '--output', 'json', '--workflow-id', workflowIdForFlowRun(flowRunId)],
      { maxBuffer: 64 * 1024 * 1024 },
    );
    expect(plainPayloadPaths(JSON.parse(stdout))).toEqual([]);
    expect(stdout).not.toContain('Container exited with code 4');
    expect(stdout).toContain('Encoded failure');
    await worker.kill('SIGTERM');
  });
});

/** Paths of payloads whose encoding is not the codec's, search attributes aside (they stay plain on purpose). */
function plainPayloadPaths(value: unknown, path = ''): string[] {
  if (Array.isArray(value)) return value.flatMap((item, index) => plainPayloadPaths(item, `${path}[${index}]`));
  // Search attributes stay plain by design; a local activity's marker `data` is written by the SDK's core
  // (sequence number, attempt, activity type, times), not by aci-flow's data converter, and holds no run value
  // (its result is in `details.result`, encrypted).
  if (typeof value !== 'object' || value === null || path.endsWith('searchAttributes') || path.endsWith('markerRecordedEventAttributes.details.data'))
    return [];
  const record = value as Record<string, unknown>;
  const encoding = (record.metadata as Record<string, string> | undefined)?.encoding;
  if (typeof encoding === 'string') return Buffer.from(encoding, 'base64').toString() === 'binary/encrypted' ? [] : [path];
  return Object.entries(record).flatMap(([name, item]) => plainPayloadPaths(item, path ? `${path}.${name}` : name));
}
