// Retries of one model: exponential backoff with full jitter, `retry-after` honoured, and a
// bounded budget — past it the caller falls back to the next model instead of waiting.
import type { ProviderFailure } from '../adapter';

export interface RetryPolicy {
  /** Retries after the first try, per model. */
  maxRetries: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** Total time one request may spend waiting between retries, across all its models. */
  budgetMs: number;
}

export const DEFAULT_RETRY_POLICY: RetryPolicy = { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 4_000, budgetMs: 10_000 };

/**
 * How long to wait before retry number `retry` (0 = the first retry), or null to stop retrying
 * this model. `waitedMs` is what this request already spent waiting.
 */
export function retryDelay(policy: RetryPolicy, retry: number, failure: ProviderFailure, waitedMs: number, random: () => number = Math.random): number | null {
  if (!failure.retryable || retry >= policy.maxRetries) {
    return null;
  }
  let delay: number;
  if (failure.retryAfterMs !== undefined) {
    // The provider said when; a little jitter keeps parallel callers from returning in lockstep.
    delay = failure.retryAfterMs + Math.floor(random() * Math.min(250, policy.baseDelayMs));
  } else {
    const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** retry);
    delay = Math.floor(random() * ceiling);
  }
  return waitedMs + delay > policy.budgetMs ? null : delay;
}
