/** Who may use the codec server: a bearer token, and for browsers, the Temporal UI's origin only. */
import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';

/** Compares digests, so neither the token's content nor its length leaks through timing. */
export function bearerTokenMatches(header: string | undefined, token: string): boolean {
  const presented = /^Bearer (\S+)$/i.exec(header?.trim() ?? '')?.[1];
  if (presented === undefined) return false;
  return timingSafeEqual(digest(presented), digest(token));
}

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'X-Namespace'];

/**
 * CORS for the UI's origin, and for it only: other origins get no Access-Control-* header,
 * so a browser keeps their pages from reading the answer. Credentials are allowed, so a UI
 * set to include cross-origin credentials works too.
 */
export function applyCors(request: IncomingMessage, response: ServerResponse, uiOrigin: string): void {
  response.setHeader('Vary', 'Origin');
  if (request.headers.origin !== uiOrigin) return;
  response.setHeader('Access-Control-Allow-Origin', uiOrigin);
  response.setHeader('Access-Control-Allow-Credentials', 'true');
  if (request.method === 'OPTIONS') {
    response.setHeader('Access-Control-Allow-Methods', 'POST, OPTIONS');
    response.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS.join(', '));
    response.setHeader('Access-Control-Max-Age', '600');
  }
}
