import type { PipelinePolicy } from '@azure/core-rest-pipeline';
import { type AciFlowMetrics, type ArmRequestOutcome, noopMetrics } from '../shared/metrics';
import { armRequestKind, type ArmRateLimiter } from './rateLimiter';
import { retryAfterMsFromHeaders } from './retryAfter';

export const ARM_BUDGET_POLICY_NAME = 'aciFlowArmBudget';

/**
 * Runs once per HTTP attempt (position "perRetry"), so SDK retries and long-running-operation
 * polls spend the shared budget exactly like first attempts do — that is how ARM counts them,
 * and how `metrics` counts them too.
 */
export function armBudgetPolicy(limiter: ArmRateLimiter, metrics: AciFlowMetrics = noopMetrics): PipelinePolicy {
  return {
    name: ARM_BUDGET_POLICY_NAME,
    async sendRequest(request, next) {
      const kind = armRequestKind(request.method);
      await limiter.acquire(kind, request.abortSignal);
      let response;
      try {
        response = await next(request);
      } catch (err) {
        metrics.armRequest(kind, 'error');
        throw err;
      }
      metrics.armRequest(kind, outcomeOf(response.status));
      if (response.status === 429) limiter.throttled(kind, retryAfterMsFromHeaders(response.headers));
      return response;
    },
  };
}

/** 404 is an answer the gateway asks for (does the group exist?), not a failure. */
function outcomeOf(status: number): ArmRequestOutcome {
  if (status === 429) return 'throttled';
  return status < 400 || status === 404 ? 'ok' : 'error';
}
