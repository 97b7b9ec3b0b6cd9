import { ARM_DEFAULT_BUCKETS, type ActiveFaults, type TokenBucketConfig } from './faults';
import type { RequestClass } from './http';

/** ARM spells the remaining-budget header per class. */
export const REMAINING_HEADER: Record<RequestClass, string> = {
  reads: 'x-ms-ratelimit-remaining-subscription-reads',
  writes: 'x-ms-ratelimit-remaining-subscription-writes',
  deletes: 'x-ms-ratelimit-remaining-subscription-deletes',
};

export type ThrottleDecision = { allowed: true; remaining: number } | { allowed: false; remaining: 0; retryAfterSeconds: number };

class TokenBucket {
  private tokens: number;
  private refilledAt: number;

  constructor(
    readonly config: TokenBucketConfig,
    now: number,
  ) {
    this.tokens = config.capacity;
    this.refilledAt = now;
  }

  take(now: number): ThrottleDecision {
    this.tokens = Math.min(this.config.capacity, this.tokens + ((now - this.refilledAt) / 1000) * this.config.refillPerSecond);
    this.refilledAt = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return { allowed: true, remaining: Math.floor(this.tokens) };
    }
    const secondsToNextToken = (1 - this.tokens) / this.config.refillPerSecond;
    return { allowed: false, remaining: 0, retryAfterSeconds: Math.max(1, Math.ceil(secondsToNextToken)) };
  }
}

/** Token buckets per subscription and request class, shaped like ARM's throttling. */
export class Throttler {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(private readonly now: () => number = Date.now) {}

  /** `undefined` when throttling is off (no headers, never a 429). */
  take(config: ActiveFaults['throttling'], subscriptionId: string, requestClass: RequestClass): ThrottleDecision | undefined {
    if (!config) return undefined;
    const bucketConfig = config[requestClass] ?? ARM_DEFAULT_BUCKETS[requestClass];
    const key = `${subscriptionId.toLowerCase()}/${requestClass}`;
    let bucket = this.buckets.get(key);
    if (!bucket || bucket.config.capacity !== bucketConfig.capacity || bucket.config.refillPerSecond !== bucketConfig.refillPerSecond) {
      bucket = new TokenBucket(bucketConfig, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.now());
  }

  /** A new throttling configuration starts with full buckets. */
  reset(): void {
    this.buckets.clear();
  }
}
