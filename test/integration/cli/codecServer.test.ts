/**
 * `aci-flow codec-server`: Temporal's codec-server protocol over real HTTP, with the token,
 * CORS and input checks a browser or a hostile caller meets.
 */
import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultPayloadConverter } from '@temporalio/common';
import { startCodecServer, type RunningCodecServer } from '../../../src/cli/codecServer/server';
import { payloadsToJson } from '../../../src/cli/codecServer/protocol';
import { AesGcmCodec } from '../../../src/common/codec';
import { waitFor } from '../../helpers/waitFor';
import { first, must } from '../../helpers/must';

const REPO_ROOT = resolve(__dirname, '..', '..', '..');
const TOKEN = randomBytes(24).toString('hex');
const UI_ORIGIN = 'http://localhost:8233';
const key = randomBytes(32);
const codec = new AesGcmCodec({ currentKeyId: 'k1', keys: new Map([['k1', key]]) });
const secretInput = { image: 'registry.example/etl:7', env: { DB_PASSWORD_HINT: 'hunter2' } };

describe('codec server', () => {
  let server: RunningCodecServer;

  beforeAll(async () => {
    server = await startCodecServer({ codec, token: TOKEN, uiOrigin: UI_ORIGIN, namespace: 'default', host: '127.0.0.1', port: 0, maxBodyBytes: 64 * 1024 });
  });

  afterAll(async () => {
    await server?.close();
  });

  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    fetch(`${server.endpoint}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${TOKEN}`, 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
      body,
    });

  it('decodes what a worker encrypted, and encodes what it decodes again', async () => {
    const encrypted = payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(secretInput)]));
    expect(JSON.stringify(encrypted)).not.toContain('hunter2');
    const decoded = await post('/decode', JSON.stringify(encrypted));
    expect(decoded.status).toBe(200);
    const body = (await decoded.json()) as ReturnType<typeof payloadsToJson>;
    expect(Buffer.from(first(body.payloads).metadata?.encoding ?? '', 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(first(body.payloads).data ?? '', 'base64').toString())).toEqual(secretInput);

    const reencoded = (await (await post('/encode', JSON.stringify(body))).json()) as ReturnType<typeof payloadsToJson>;
    expect(Buffer.from(first(reencoded.payloads).metadata?.['encryption-key-id'] ?? '', 'base64').toString()).toBe('k1');
    const [again] = await codec.decode([
      {
        metadata: Object.fromEntries(Object.entries(first(reencoded.payloads).metadata ?? {}).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
        data: Buffer.from(first(reencoded.payloads).data ?? '', 'base64'),
      },
    ]);
    expect(defaultPayloadConverter.fromPayload(must(again, 'a decoded payload'))).toEqual(secretInput);
  });

  it('refuses calls without the token, or with another one, before reading the body', async () => {
    const encrypted = JSON.stringify(payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(secretInput)])));
    for (const authorization of [undefined, `Bearer ${TOKEN}x`, `Bearer ${TOKEN.slice(0, -1)}`, TOKEN, `Basic ${TOKEN}`]) {
      const response = await fetch(`${server.endpoint}/decode`, {
        method: 'POST',
        headers: { 'Content-Type': 'application/json', ...(authorization === undefined ? {} : { Authorization: authorization }) },
        body: encrypted,
      });
      expect({ authorization, status: response.status }).toEqual({ authorization, status: 401 });
      expect(response.headers.get('www-authenticate')).toBe('Bearer');
      expect(await response.text()).not.toContain('hunter2');
    }
    // Over the body limit, yet 401 rather than 413: the token is checked before the body is read.
    const big = JSON.stringify({ payloads: [{ data: 'A'.repeat(128 * 1024) }] });
    expect((await fetch(`${server.endpoint}/decode`, { method: 'POST', body: big })).status).toBe(401);
  });

  it('answers the UI origin preflight with CORS headers, and no other origin', async () => {
    const preflight = await fetch(`${server.endpoint}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: UI_ORIGIN, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'authorization,content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    const allowed = (preflight.headers.get('access-control-allow-headers') ?? '').toLowerCase().split(/,\s*/);
    expect(allowed).toEqual(expect.arrayContaining(['authorization', 'content-type', 'x-namespace']));

    const simple = await post('/decode', JSON.stringify({ payloads: [] }), { Origin: UI_ORIGIN });
    expect(simple.status).toBe(200);
    expect(simple.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(simple.headers.get('vary')).toBe('Origin');

    for (const origin of ['http://evil.example', 'http://localhost:8234', 'null']) {
      const foreign = await fetch(`${server.endpoint}/decode`, { method: 'OPTIONS', headers: { Origin: origin, 'Access-Control-Request-Method': 'POST' } });
      expect(foreign.headers.get('access-control-allow-origin')).toBeNull();
      const foreignPost = await post('/decode', JSON.stringify({ payloads: [] }), { Origin: origin });
      expect(foreignPost.headers.get('access-control-allow-origin')).toBeNull();
    }
  });

  it('refuses bad input with 400 and the field, an unknown key id with 422 naming it', async () => {
    const notJson = await post('/decode', '{"payloads": [');
    expect(notJson.status).toBe(400);
    expect(((await notJson.json()) as { message: string }).message).toMatch(/not JSON/);

    const badShape = await post('/decode', JSON.stringify({ payloads: [{ data: 'not base64!' }] }));
    expect(badShape.status).toBe(400);
    expect(((await badShape.json()) as { message: string }).message).toBe('payloads.0.data: must be base64');
    expect((await post('/decode', JSON.stringify({ items: [] }))).status).toBe(400);

    const other = new AesGcmCodec({ currentKeyId: 'retired', keys: new Map([['retired', randomBytes(32)]]) });
    const unknown = await post('/decode', JSON.stringify(payloadsToJson(await other.encode([defaultPayloadConverter.toPayload('x')]))));
    expect(unknown.status).toBe(422);
    expect(((await unknown.json()) as { message: string }).message).toMatch(/key id "retired"/);
  });

  it('refuses another namespace, other paths and methods, and oversize bodies', async () => {
    expect((await post('/decode', JSON.stringify({ payloads: [] }), { 'X-Namespace': 'prod' })).status).toBe(403);
    expect((await post('/other', '{}')).status).toBe(404);
    expect((await fetch(`${server.endpoint}/decode`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status).toBe(405);
    const big = JSON.stringify({ payloads: [{ data: 'A'.repeat(128 * 1024) }] });
    expect((await post('/decode', big)).status).toBe(413);
  });
});

describe('aci-flow codec-server (compiled CLI)', () => {
  const keysEnv = { ACI_FLOW_CODEC_KEYS: `k1=${key.toString('base64')}` };

  function run(args: string[], env: NodeJS.ProcessEnv, command = 'codec-server') {
    const child = spawn(process.execPath, [join(REPO_ROOT, 'bin', 'aci-flow.js'), command, ...args], {
      cwd: REPO_ROOT,
      env: { ...process.env, ACI_FLOW_CODEC_KEYS: '', ACI_FLOW_CODEC_KEYS_DIR: '', ACI_FLOW_CODEC_SERVER_TOKEN: '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolveExit) => child.once('exit', resolveExit));
    return { child, output: () => output, exited };
  }

  it.each([
    [['--port', 'http'], { ...keysEnv, ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN }, /--port/],
    [['--ui-origin', 'http://localhost:8233/ui'], { ...keysEnv, ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN }, /--ui-origin/],
    [['--ui-origin', 'file:///etc'], { ...keysEnv, ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN }, /--ui-origin/],
    [[], keysEnv, /a token is required: set ACI_FLOW_CODEC_SERVER_TOKEN/],
    [[], { ...keysEnv, ACI_FLOW_CODEC_SERVER_TOKEN: 'short' }, /\$ACI_FLOW_CODEC_SERVER_TOKEN: the token must be at least 16 characters/],
    [['--token-file', '/nonexistent/token'], keysEnv, /--token-file: cannot read/],
    [[], { ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN }, /no codec key configured/],
    [[], { ACI_FLOW_CODEC_SERVER_TOKEN: TOKEN, ACI_FLOW_CODEC_KEYS: 'k1=short' }, /ACI_FLOW_CODEC_KEYS \(entry 1\): must be 32 bytes/],
  ])('%j exits 2 naming the problem', async (args, env, message) => {
    const cli = run(args, env);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(message);
  });

  it.each([
    ['status', ['run-1']],
    ['worker', ['--pool', 'p', '--pool-config', 'examples/pool.yaml']],
  ])('%s with a malformed codec key exits 2 naming the variable, before connecting anywhere', async (command, args) => {
    const cli = run(args, { ACI_FLOW_CODEC_KEYS: `k1=${key.toString('base64').slice(0, 20)}`, TEMPORAL_ADDRESS: '127.0.0.1:1' }, command);
    expect(await cli.exited).toBe(2);
    expect(cli.output()).toMatch(/ACI_FLOW_CODEC_KEYS \(entry 1\): must be 32 bytes/);
    expect(cli.output()).not.toContain(key.toString('base64').slice(0, 20));
  });

  it('serves with the token from a file until SIGTERM', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'aci-flow-codec-token-')), 'token');
    writeFileSync(tokenFile, `${TOKEN}\n`);
    const cli = run(['--port', '0', '--token-file', tokenFile], keysEnv);
    try {
      const endpoint = await waitFor(() => /listening on (\S+)/.exec(cli.output())?.[1], 'the codec server endpoint', { lastSeen: cli.output });
      const encrypted = payloadsToJson(await codec.encode([defaultPayloadConverter.toPayload(secretInput)]));
      const response = await fetch(`${endpoint}/decode`, { method: 'POST', headers: { Authorization: `Bearer ${TOKEN}` }, body: JSON.stringify(encrypted) });
      expect(response.status).toBe(200);
      expect(JSON.stringify(await response.json())).not.toEqual(JSON.stringify(encrypted));
    } finally {
      cli.child.kill('SIGTERM');
    }
    expect(await cli.exited).toBe(0);
    expect(cli.output()).not.toContain(TOKEN);
  });
});
