/**
 * `aci-flow codec-server`: serves Temporal's codec-server protocol with the payload codec,
 * so the Temporal UI and `temporal workflow show --codec-endpoint` can show encrypted
 * history to people who hold the token.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { PayloadCodec } from '@temporalio/common';
import { PayloadDecryptionError } from '../../common/codec';
import { applyCors, bearerTokenMatches } from './access';
import { payloadsBodySchema, payloadsFromJson, payloadsToJson } from './protocol';

/** A whole history's payloads in one request, base64 in JSON, stays well below this. */
export const MAX_BODY_BYTES = 64 * 1024 * 1024;

export interface CodecServerOptions {
  codec: PayloadCodec;
  /** Bearer token every /encode and /decode call must present. */
  token: string;
  /** The Temporal UI's origin (scheme://host[:port]), the one browser origin allowed to call. */
  uiOrigin: string;
  /** When set, calls whose X-Namespace names another namespace are refused. */
  namespace?: string;
  host: string;
  port: number;
  /** Default MAX_BODY_BYTES. */
  maxBodyBytes?: number;
}

export interface RunningCodecServer {
  /** http://host:port, with the real port when 0 was asked for. */
  endpoint: string;
  close(): Promise<void>;
}

export async function startCodecServer(options: CodecServerOptions): Promise<RunningCodecServer> {
  const server = createServer((request, response) => {
    handle(options, request, response).catch((err: unknown) => {
      reply(response, 500, { message: `codec server error: ${err instanceof Error ? err.message : String(err)}` });
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const host = options.host.includes(':') ? `[${options.host}]` : options.host;
  return { endpoint: `http://${host}:${port}`, close: () => closeServer(server) };
}

async function handle(options: CodecServerOptions, request: IncomingMessage, response: ServerResponse): Promise<void> {
  applyCors(request, response, options.uiOrigin);
  // Browsers send the preflight without credentials: answer it before the token check.
  if (request.method === 'OPTIONS') return reply(response, 204);
  const path = new URL(request.url ?? '/', 'http://codec-server').pathname.replace(/\/+$/, '');
  if (path !== '/encode' && path !== '/decode') return reply(response, 404, { message: 'not found: POST /encode or /decode' });
  if (request.method !== 'POST') {
    response.setHeader('Allow', 'POST, OPTIONS');
    return reply(response, 405, { message: `${request.method} not allowed: POST ${path}` });
  }
  // Authenticate before reading a byte of the body.
  if (!bearerTokenMatches(request.headers.authorization, options.token)) {
    response.setHeader('WWW-Authenticate', 'Bearer');
    request.resume();
    return reply(response, 401, { message: "missing or wrong token: send 'Authorization: Bearer <token>'" });
  }
  const namespace = request.headers['x-namespace'];
  if (options.namespace !== undefined && namespace !== undefined && namespace !== options.namespace) {
    request.resume();
    return reply(response, 403, { message: `this codec server serves namespace ${options.namespace}, not ${String(namespace)}` });
  }
  const limit = options.maxBodyBytes ?? MAX_BODY_BYTES;
  const text = await readBody(request, limit);
  if (text === undefined) {
    response.setHeader('Connection', 'close');
    return reply(response, 413, { message: `the body is over ${limit} bytes` });
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return reply(response, 400, { message: 'the body is not JSON: send {"payloads":[...]}' });
  }
  const body = payloadsBodySchema.safeParse(json);
  if (!body.success) {
    const issue = body.error.issues[0]!; // a failed parse has at least one issue
    return reply(response, 400, { message: `${issue.path.join('.') || 'body'}: ${issue.message}` });
  }
  const payloads = payloadsFromJson(body.data);
  try {
    const coded = path === '/encode' ? await options.codec.encode(payloads) : await options.codec.decode(payloads);
    return reply(response, 200, payloadsToJson(coded));
  } catch (err) {
    if (err instanceof PayloadDecryptionError) return reply(response, 422, { message: err.message });
    throw err;
  }
}

/** The body as text, or undefined once it grows over `limit` (the rest is drained, not kept). */
function readBody(request: IncomingMessage, limit: number): Promise<string | undefined> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size <= limit) return void chunks.push(chunk);
      request.off('data', onData);
      request.resume();
      resolve(undefined);
    };
    request.on('data', onData);
    request.once('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.once('error', reject);
  });
}

function reply(response: ServerResponse, status: number, body?: unknown): void {
  if (body === undefined) {
    response.writeHead(status).end();
    return;
  }
  response.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve, reject) => {
    server.close((err) => (err ? reject(err) : resolve()));
    server.closeAllConnections();
  });
}
