import { createHttpHeaders } from '@azure/core-rest-pipeline';
import { retryAfterMsFromHeaders } from '../../../src/budget/retryAfter';

describe('retryAfterMsFromHeaders', () => {
  const now = () => Date.parse('2026-11-23T10:00:00Z');

  it('reads Retry-After in seconds', () => {
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'Retry-After': '3' }), now)).toBe(3000);
  });

  it('prefers the millisecond headers', () => {
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'retry-after-ms': '250', 'Retry-After': '3' }), now)).toBe(250);
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'x-ms-retry-after-ms': '120' }), now)).toBe(120);
  });

  it('reads Retry-After as an HTTP date relative to now', () => {
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'Retry-After': 'Mon, 23 Nov 2026 10:00:05 GMT' }), now)).toBe(5000);
  });

  it('returns zero for a date in the past and undefined for garbage or absence', () => {
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'Retry-After': 'Mon, 23 Nov 2026 09:00:00 GMT' }), now)).toBe(0);
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'Retry-After': 'soon' }), now)).toBeUndefined();
    expect(retryAfterMsFromHeaders(createHttpHeaders({ 'Retry-After': '-1' }), now)).toBeUndefined();
    expect(retryAfterMsFromHeaders(createHttpHeaders({}), now)).toBeUndefined();
  });
});
