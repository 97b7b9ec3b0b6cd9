/**
 * The Prefect client retries as Prefect's own does: 429, 502 and 503 up to 5 times, after
 * Retry-After or 2, 4, 8… seconds with jitter; any other answer comes back at once.
 */
import { createPrefectApi, PREFECT_RETRY } from '../../../src/prefect/api/client';

function scriptedFetch(statuses: Array<number | [number, Record<string, string>]>) {
  const requests: Array<{ method: string; body: string }> = [];
  const fetchImpl = (async (request: Request) => {
    requests.push({ method: request.method, body: await request.text() });
    const next = statuses[Math.min(requests.length - 1, statuses.length - 1)] ?? 200;
    const [status, headers] = Array.isArray(next) ? next : [next, {}];
    return new Response(status === 200 ? JSON.stringify({ id: 'block-1' }) : '{"exception_message":"Service Unavailable"}', {
      status,
      headers: { 'content-type': 'application/json', ...headers },
    });
  }) as unknown as typeof fetch;
  return { fetchImpl, requests };
}

function apiWith(statuses: Array<number | [number, Record<string, string>]>) {
  const { fetchImpl, requests } = scriptedFetch(statuses);
  const waits: number[] = [];
  const api = createPrefectApi({ apiUrl: 'http://127.0.0.1:4200/api' }, fetchImpl, 1_000, {
    ...PREFECT_RETRY,
    sleep: (ms) => {
      waits.push(ms);
      return Promise.resolve();
    },
  });
  return { api, requests, waits };
}

const createBlock = (api: ReturnType<typeof createPrefectApi>) =>
  api.POST('/block_documents/', { body: { name: 'creds', data: { a: 1 }, block_schema_id: 's', block_type_id: 't' } as never });

describe('Prefect API retries', () => {
  it('asks again after a 503 and a 429, sending the same body, with growing jittered waits', async () => {
    const { api, requests, waits } = apiWith([503, 429, 200]);
    const result = await createBlock(api);
    expect(result.response.status).toBe(200);
    expect(requests).toHaveLength(3);
    expect(new Set(requests.map((request) => request.body)).size).toBe(1);
    expect(requests[0]?.body).toContain('"name":"creds"');
    expect(waits).toHaveLength(2);
    expect(waits[0]).toBeGreaterThanOrEqual(1_600);
    expect(waits[0]).toBeLessThanOrEqual(2_400);
    expect(waits[1]).toBeGreaterThanOrEqual(3_200);
    expect(waits[1]).toBeLessThanOrEqual(4_800);
  });

  it('waits what Retry-After says', async () => {
    const { api, waits } = apiWith([[503, { 'retry-after': '7' }], 200]);
    expect((await createBlock(api)).response.status).toBe(200);
    expect(waits).toEqual([7_000]);
  });

  it('gives up after 5 retries with the last answer', async () => {
    const { api, requests } = apiWith([502]);
    const result = await createBlock(api);
    expect(result.response.status).toBe(502);
    expect(requests).toHaveLength(6);
  });

  it('does not retry other errors', async () => {
    const { api, requests, waits } = apiWith([409]);
    expect((await createBlock(api)).response.status).toBe(409);
    expect(requests).toHaveLength(1);
    expect(waits).toEqual([]);
  });
});
