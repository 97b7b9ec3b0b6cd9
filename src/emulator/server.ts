import { randomUUID } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authorizationFailure } from './access';
import { missingApiVersion, unsupportedApiVersion } from './apiVersions';
import { ArmError } from './errors';
import type { Counters } from './counters';
import type { ActiveFaults } from './faults';
import { matchRoute, requestClassOf, type EmulatorExchange, type HandlerResult, type Route } from './http';
import { invalidPathParameter } from './names';
import { REMAINING_HEADER, type Throttler } from './throttling';

/** ARM rejects templates over 4 MB; larger bodies are refused before they are buffered. */
const MAX_BODY_BYTES = 4 * 1024 * 1024;
/** Far deeper than any template, shallow enough that nothing recursing over a body can exhaust the stack. */
const MAX_JSON_DEPTH = 64;
const CONTROL_PREFIX = '_emulator';

export interface RequestPipeline {
  armRoutes: Route[];
  controlRoutes: Route[];
  counters: Counters;
  throttler: Throttler;
  faults(): ActiveFaults;
  /** Called when a server-error fault fired, so the remaining count goes down. */
  consumeServerError(): void;
  /** When set, every call (ARM and /_emulator) must carry `Authorization: Bearer <this token>`. */
  requiredToken?: string;
  /** The emulator's region, named in api-version errors. */
  location: string;
  /** Sees every response after it was sent (conformance checks in tests). */
  onResponse?: (exchange: EmulatorExchange) => void;
}

/**
 * Turns one HTTP request into one Azure-shaped response. Nothing a client sends can make
 * it throw: every failure becomes an `{ error: { code, message, details } }` body.
 */
export function createRequestHandler(pipeline: RequestPipeline): (req: IncomingMessage, res: ServerResponse) => void {
  return (req, res) => {
    const respond = (handled: HandlerResult, requestBody?: unknown): void => {
      // a HEAD answer has no body (an error too: ARM's CheckExistence 404 is bare), and the exchange reports what went out
      const result = req.method?.toUpperCase() === 'HEAD' ? { ...handled, body: undefined } : handled;
      if (!send(res, result)) return;
      const url = new URL(req.url ?? '/', 'https://emulator.invalid');
      pipeline.onResponse?.({
        method: (req.method ?? 'GET').toUpperCase(),
        path: url.pathname,
        query: url.searchParams,
        requestBody,
        status: result.status,
        headers: result.headers ?? {},
        body: result.body,
      });
    };
    handle(pipeline, req, respond).catch((error: unknown) => {
      const internal = new ArmError(
        500,
        'InternalServerError',
        `The emulator failed to handle ${req.method} ${req.url}: ${error instanceof Error ? error.message : String(error)}`,
      );
      respond({ status: 500, body: internal.toBody() });
    });
  };
}

async function handle(pipeline: RequestPipeline, req: IncomingMessage, respond: (result: HandlerResult, requestBody?: unknown) => void): Promise<void> {
  const method = (req.method ?? 'GET').toUpperCase();
  const url = new URL(req.url ?? '/', 'https://emulator.invalid');
  const segments = url.pathname.split('/').filter(Boolean).map(safeDecode);
  const isControl = segments[0]?.toLowerCase() === CONTROL_PREFIX;
  const baseHeaders: Record<string, string> = isControl ? {} : { 'x-ms-request-id': randomUUID(), 'x-ms-correlation-request-id': randomUUID() };

  const fail = (error: ArmError): void => {
    // a refused request's body is never read: close the connection instead of draining it
    const close: Record<string, string> = req.complete ? {} : { Connection: 'close' };
    respond({ status: error.statusCode, body: error.toBody(), headers: { ...baseHeaders, ...error.headers, ...close } });
  };

  const routes = isControl ? pipeline.controlRoutes : pipeline.armRoutes;
  const match = matchRoute(routes, segments);
  if (!match) {
    if (!isControl) pipeline.counters.increment('notFound');
    return fail(unknownPath(url.pathname));
  }
  const operation = match.route.methods[method];
  if (!operation) {
    if (!isControl) pipeline.counters.increment('badRequests');
    const allowed = Object.keys(match.route.methods).join(', ');
    return fail(
      new ArmError(405, 'MethodNotAllowed', `The HTTP method '${method}' is not supported for '${url.pathname}'. Supported methods: ${allowed}.`, [], {
        Allow: allowed,
      }),
    );
  }

  const apiVersion = url.searchParams.get('api-version') ?? '';
  if (!isControl) pipeline.counters.increment(operation.kind);
  if (!isControl || pipeline.requiredToken !== undefined) {
    const unauthorized = authorizationFailure(req.headers.authorization, pipeline.requiredToken);
    if (unauthorized) {
      if (!isControl) pipeline.counters.increment('unauthorized');
      return fail(unauthorized);
    }
  }
  const invalidRequest =
    apiVersionFailure(match.route, apiVersion, url.pathname, 'location' in match.params ? match.params.location : pipeline.location) ??
    invalidPathParameter(match.params);
  if (invalidRequest) {
    if (!isControl) pipeline.counters.increment(invalidRequest.statusCode === 404 ? 'notFound' : 'badRequests');
    return fail(invalidRequest);
  }
  if (!isControl) {
    const requestClass = requestClassOf(method);
    pipeline.counters.increment(requestClass);
    const decision = pipeline.throttler.take(pipeline.faults().throttling, match.params.subscriptionId ?? '', requestClass);
    if (decision) baseHeaders[REMAINING_HEADER[requestClass]] = String(decision.remaining);
    if (decision && !decision.allowed) {
      pipeline.counters.increment('throttled');
      const kind = requestClass.slice(0, -1);
      return fail(
        new ArmError(
          429,
          'SubscriptionRequestsThrottled',
          `Number of '${kind}' requests for subscription '${match.params.subscriptionId}' exceeded. Please try again after '${decision.retryAfterSeconds}' seconds after additional tokens are available. Refer to https://aka.ms/arm-throttling for additional information.`,
          [],
          { 'Retry-After': String(decision.retryAfterSeconds) },
        ),
      );
    }
    const serverErrors = pipeline.faults().serverErrors;
    if (serverErrors && serverErrors.count > 0) {
      pipeline.consumeServerError();
      pipeline.counters.increment('serverErrors');
      const code =
        serverErrors.statusCode === 500
          ? 'InternalServerError'
          : serverErrors.statusCode === 503
            ? 'ServiceUnavailable'
            : serverErrors.statusCode === 502
              ? 'BadGateway'
              : 'GatewayTimeout';
      return fail(
        new ArmError(serverErrors.statusCode, code, `Injected fault: the server encountered an error processing the request (${code}). Retry the request.`),
      );
    }
  }

  // only now, with the caller authenticated and the request admitted, is its body read
  let rawBody: string;
  try {
    rawBody = await readBody(req);
  } catch (error) {
    pipeline.counters.increment('badRequests');
    if (error instanceof ArmError) return fail(error);
    throw error;
  }
  let body: unknown;
  if (rawBody.trim().length > 0) {
    try {
      body = JSON.parse(rawBody);
    } catch (error) {
      pipeline.counters.increment('badRequests');
      return fail(
        new ArmError(
          400,
          'InvalidRequestContent',
          `The request content was invalid and could not be deserialized: '${error instanceof Error ? error.message : String(error)}'. Send a JSON body.`,
        ),
      );
    }
    if (nestedDeeperThan(body, MAX_JSON_DEPTH)) {
      pipeline.counters.increment('badRequests');
      return fail(
        new ArmError(
          400,
          'InvalidRequestContent',
          `The request content was invalid: JSON nested more than ${MAX_JSON_DEPTH} levels deep. Flatten the template or its parameters.`,
        ),
      );
    }
  }

  try {
    const result = await operation.handle({
      method,
      params: match.params,
      query: url.searchParams,
      body,
      baseUrl: `https://${req.headers.host ?? 'localhost'}`,
      apiVersion,
    });
    respond({ ...result, headers: { ...baseHeaders, ...result.headers } }, body);
  } catch (error) {
    if (!(error instanceof ArmError)) throw error;
    if (error.statusCode === 404) pipeline.counters.increment('notFound');
    else if (error.statusCode === 400) pipeline.counters.increment('badRequests');
    fail(error);
  }
}

function apiVersionFailure(route: Route, apiVersion: string, pathname: string, location: string): ArmError | undefined {
  if (!route.api) return undefined;
  return apiVersion ? unsupportedApiVersion(route.api, apiVersion, location) : missingApiVersion(pathname);
}

function unknownPath(pathname: string): ArmError {
  const provider = /\/providers\/([^/]+)\/([^/?]+)/i.exec(pathname);
  if (provider) {
    return new ArmError(
      404,
      'InvalidResourceType',
      `The resource type '${provider[2]}' could not be found in the namespace '${provider[1]}' of the aci-flow emulator (path '${pathname}'). See docs/emulator.md for the supported API.`,
    );
  }
  return new ArmError(404, 'NotFound', `No route matches '${pathname}'. See docs/emulator.md for the supported API.`);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let tooLarge = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size > MAX_BODY_BYTES) tooLarge = true;
      else chunks.push(chunk);
    });
    req.on('end', () => {
      if (tooLarge) {
        reject(
          new ArmError(
            413,
            'RequestContentTooLarge',
            `The request content size ${size} bytes exceeds the maximum of ${MAX_BODY_BYTES} bytes. Reduce the template size.`,
          ),
        );
      } else {
        resolve(Buffer.concat(chunks).toString('utf8'));
      }
    });
    req.on('error', reject);
  });
}

/** Iterative, because the point is to refuse bodies too deep for recursive code. */
function nestedDeeperThan(value: unknown, maxDepth: number): boolean {
  const pending: Array<{ value: unknown; depth: number }> = [{ value, depth: 0 }];
  for (let next = pending.pop(); next; next = pending.pop()) {
    if (typeof next.value !== 'object' || next.value === null) continue;
    if (next.depth >= maxDepth) return true;
    for (const child of Object.values(next.value)) pending.push({ value: child, depth: next.depth + 1 });
  }
  return false;
}

function safeDecode(segment: string): string {
  try {
    return decodeURIComponent(segment);
  } catch {
    return segment;
  }
}

/** Writes the response; false when one was already sent. */
function send(res: ServerResponse, result: HandlerResult): boolean {
  if (res.headersSent) return false;
  const headers: Record<string, string> = { ...result.headers };
  let payload = '';
  if (result.body !== undefined) {
    payload = JSON.stringify(result.body);
    headers['Content-Type'] = 'application/json; charset=utf-8';
  }
  headers['Content-Length'] = String(Buffer.byteLength(payload));
  res.writeHead(result.status, headers);
  res.end(payload);
  return true;
}
