import { createHttpHeaders, createPipelineRequest, type PipelineResponse, type SendRequest } from '@azure/core-rest-pipeline';
import { Registry } from 'prom-client';
import { ARM_REMAINING_HEADER, armBudgetPolicy } from '../../../src/budget/armBudgetPolicy';
import { ArmRateLimiter } from '../../../src/budget/rateLimiter';
import { createPromMetrics } from '../../../src/common/metrics';
import { seriesValue } from '../../helpers/metrics';
import { FakeClock, flushPromises } from '../../helpers/fakeClock';

function answering(status: number): SendRequest {
  return async (request): Promise<PipelineResponse> => ({ request, status, headers: createHttpHeaders({ 'retry-after': '1' }) });
}

const request = (method: 'GET' | 'PUT' | 'DELETE') => createPipelineRequest({ url: 'https://arm.example/x', method });

describe('ARM budget policy metrics', () => {
  it('counts every attempt by request class and outcome: 404 is an answer, 429 is throttled, 5xx and transport failures are errors', async () => {
    const registry = new Registry();
    const metrics = createPromMetrics(registry);
    const policy = armBudgetPolicy(new ArmRateLimiter({ clock: new FakeClock(), metrics }), metrics);

    await policy.sendRequest(request('GET'), answering(200));
    await policy.sendRequest(request('GET'), answering(404));
    await policy.sendRequest(request('PUT'), answering(429));
    await policy.sendRequest(request('DELETE'), answering(503));
    await expect(policy.sendRequest(request('DELETE'), () => Promise.reject(new Error('ECONNRESET')))).rejects.toThrow('ECONNRESET');

    const requests = (labels: Record<string, string>) => seriesValue(registry, 'aci_flow_arm_requests_total', labels);
    expect(await requests({ class: 'read', outcome: 'ok' })).toBe(2);
    expect(await requests({ class: 'write', outcome: 'throttled' })).toBe(1);
    expect(await requests({ class: 'delete', outcome: 'error' })).toBe(2);
    expect(await requests({})).toBe(5);
  });

  it('observes how long each request waited for the budget', async () => {
    const registry = new Registry();
    const metrics = createPromMetrics(registry);
    const clock = new FakeClock();
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 10, burst: 1 }, clock, metrics });

    await limiter.acquire('read');
    const second = limiter.acquire('read');
    await flushPromises();
    await clock.advance(100);
    await second;

    const text = await registry.metrics();
    expect(text).toContain('aci_flow_arm_budget_wait_seconds_count{class="read"} 2');
    expect(text).toContain('aci_flow_arm_budget_wait_seconds_sum{class="read"} 0.1');
    expect(text).toContain('aci_flow_arm_budget_wait_seconds_bucket{le="0.001",class="read"} 1');
  });
});

describe('ARM budget policy steering', () => {
  it("feeds the response's remaining count to the budget of the subscription in the request URL", async () => {
    const limiter = new ArmRateLimiter({ limits: { readsPerSecond: 100 }, clock: new FakeClock() });
    const policy = armBudgetPolicy(limiter);
    const withRemaining: SendRequest = async (req) => ({
      request: req,
      status: 200,
      headers: createHttpHeaders({ [ARM_REMAINING_HEADER.read]: '249' }),
    });

    await policy.sendRequest(createPipelineRequest({ url: 'https://arm.example/subscriptions/SUB-1/resourceGroups/rg', method: 'GET' }), withRemaining);

    expect(limiter.currentRate('read', 'sub-1')).toBe(20);
    expect(limiter.currentRate('read', 'sub-2')).toBe(100);
  });
});
