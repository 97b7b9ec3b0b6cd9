import type { RouteApi } from './apiVersions';

/** What a handler returns; the server adds the ARM headers and serializes the body. */
export interface HandlerResult {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface RequestContext {
  method: string;
  /** Path parameters with the caller's spelling, e.g. `{ subscriptionId, resourceGroup, name }`. */
  params: Record<string, string>;
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

export interface RouteMatch {
  route: Route;
  params: Record<string, string>;
}

export function matchRoute(routes: Route[], segments: string[]): RouteMatch | undefined {
  for (const route of routes) {
    if (route.pattern.length !== segments.length) continue;
    const params: Record<string, string> = {};
    const matches = route.pattern.every((part, index) => {
      if (part.startsWith(':')) {
        params[part.slice(1)] = segments[index];
        return segments[index].length > 0;
      }
      return part.toLowerCase() === segments[index].toLowerCase();
    });
    if (matches) return { route, params };
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
