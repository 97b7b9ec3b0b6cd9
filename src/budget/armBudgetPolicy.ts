import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { type AciFlowMetrics, type ArmPurpose, type ArmRequestOutcome, noopMetrics } from '../common/metrics';
import { ARM_PRIORITY, armRequestKind, armSubscriptionOf, type ArmRateLimiter, type ArmRequestKind } from './rateLimiter';
import { retryAfterMsFromHeaders } from './retryAfter';

export const ARM_BUDGET_POLICY_NAME = 'aciFlowArmBudget';

/** How much of the subscription's bucket is left, as ARM reports it with every response. */
export const ARM_REMAINING_HEADER: Record<ArmRequestKind, string> = {
  read: 'x-ms-ratelimit-remaining-subscription-reads',
  write: 'x-ms-ratelimit-remaining-subscription-writes',
  delete: 'x-ms-ratelimit-remaining-subscription-deletes',
};

/**
 * Runs once per HTTP attempt (position "perRetry"), so SDK retries and long-running-operation
 * polls spend the shared budget exactly like first attempts do — that is how ARM counts them,
 * and how `metrics` counts them too. `operationOf` names the priority and purpose of the
 * operation the request belongs to (the gateway knows them; the SDK request does not carry them).
 */
export function armBudgetPolicy(
  limiter: ArmRateLimiter,
  metrics: AciFlowMetrics = noopMetrics,
  operationOf: () => { priority?: number; purpose?: ArmPurpose } | undefined = () => undefined,
): PipelinePolicy {
  return {
    name: ARM_BUDGET_POLICY_NAME,
    async sendRequest(request, next) {
      const kind = armRequestKind(request.method);
      const subscriptionId = armSubscriptionOf(request.url);
      const operation = operationOf();
      const purpose = operation?.purpose ?? 'other';
      await limiter.acquire(kind, request.abortSignal, subscriptionId, operation?.priority ?? ARM_PRIORITY.routine);
      let response;
      try {
        response = await next(request);
      } catch (err) {
        metrics.armRequest(kind, 'error', purpose);
        throw err;
      }
      metrics.armRequest(kind, outcomeOf(response.status), purpose);
      const remaining = Number.parseInt(response.headers.get(ARM_REMAINING_HEADER[kind]) ?? '', 10);
      if (Number.isFinite(remaining) && remaining >= 0) limiter.remaining(kind, remaining, subscriptionId);
      if (response.status === 429) limiter.throttled(kind, retryAfterMsFromHeaders(response.headers), subscriptionId);
      return response;
    },
  };
}

/** 404 is an answer the gateway asks for (does the group exist?), not a failure. */
function outcomeOf(status: number): ArmRequestOutcome {
  if (status === 429) return 'throttled';
  return status < 400 || status === 404 ? 'ok' : 'error';
}
