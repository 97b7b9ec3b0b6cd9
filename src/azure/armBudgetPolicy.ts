import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { armRequestKind, type ArmRateLimiter } from './rateLimiter';
import { retryAfterMsFromHeaders } from './retryAfter';

export const ARM_BUDGET_POLICY_NAME = 'aciFlowArmBudget';

/**
 * Runs once per HTTP attempt (position "perRetry"), so SDK retries and long-running-operation
 * polls spend the shared budget exactly like first attempts do — that is how ARM counts them.
 */
export function armBudgetPolicy(limiter: ArmRateLimiter): PipelinePolicy {
  return {
    name: ARM_BUDGET_POLICY_NAME,
    async sendRequest(request, next) {
      const kind = armRequestKind(request.method);
      await limiter.acquire(kind, request.abortSignal);
      const response = await next(request);
      if (response.status === 429) limiter.throttled(kind, retryAfterMsFromHeaders(response.headers));
      return response;
    },
  };
}
