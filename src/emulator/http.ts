import type { RouteApi } from './apiVersions';

/** What a handler returns; the server adds the ARM headers and serializes the body. */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  /** Path parameters with the caller's spelling, e.g. `{ subscriptionId, resourceGroup, groupName }`. */
  params: PathParams;
  query: URLSearchParams;
  /** Parsed JSON body, `undefined` when the request had none. */
  body: unknown;
  /** `https://host:port` as the client addressed the emulator, for URLs that point back to it. */
  baseUrl: string;
  apiVersion: string;
}

export type Handler = (context: RequestContext) => HandlerResult | Promise<HandlerResult>;

export type RequestClass = 'reads' | 'writes' | 'deletes';

export interface Route {
  /** Literal segments match case-insensitively; `:name` captures a segment (see names.ts for the rule each name must meet). */
  pattern: string[];
  /** ARM routes: the provider whose api-versions apply. */
  api?: RouteApi;
  /** Handler per HTTP method, and the counter kind each call is counted under. */
  methods: Partial<Record<string, { kind: string; handle: Handler }>>;
}

/** The names route patterns capture with `:name`. */
export type PathParamName = 'subscriptionId' | 'resourceGroup' | 'deploymentName' | 'groupName' | 'containerName' | 'location' | 'operationId';

/**
 * A handler reads only the names its own pattern captures; reading another is a bug in the route
 * table, so `pathParams` throws on it instead of handing the handler `undefined`.
 */
export type PathParams = Readonly<Record<PathParamName, string>>;

export interface RouteMatch {
  route: Route;
  params: PathParams;
}

function pathParams(captured: Record<string, string>): PathParams {
  return new Proxy(captured, {
    get(target, name) {
      if (typeof name === 'string' && !Object.hasOwn(target, name))
        throw new Error(`route handler read path parameter '${name}' that its pattern does not capture`);
      return Reflect.get(target, name);
    },
  }) as PathParams;
}

export function matchRoute(routes: Route[], segments: string[]): RouteMatch | undefined {
  for (const route of routes) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    // Lengths are equal, so every segments[index] below exists.
    const matches = route.pattern.every((part, index) => {
      const segment = segments[index]!;
      if (part.startsWith(':')) {
        params[part.slice(1)] = segment;
        return segment.length > 0;
      }
      return part.toLowerCase() === segment.toLowerCase();
    });
    if (matches) return { route, params: pathParams(params) };
  }
  return undefined;
}

export function requestClassOf(method: string): RequestClass {
  if (method === 'GET' || method === 'HEAD') return 'reads';
  if (method === 'DELETE') return 'deletes';
  return 'writes';
}

/** One answered request, as a test hook sees it (`EmulatorOptions.onResponse`). */
export interface EmulatorExchange {
  method: string;
  /** The path as the client sent it, without the query. */
  path: string;
  query: URLSearchParams;
  /** The parsed JSON body of a request a handler answered; undefined otherwise. */
  requestBody?: unknown;
  status: number;
  headers: Record<string, string>;
  body: unknown;
}
