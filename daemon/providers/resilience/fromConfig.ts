// The resilience pieces one daemon shares across all requests, built from its config file.
import type { DaemonConfig } from '../../config/config';
import type { ResilienceOptions } from '../../service/execute';
import { DEFAULT_RETRY_POLICY } from './backoff';
import { Balancer } from './balancer';
import { HealthMonitor } from './health';
import { ProviderRateLimiter, type RateLimit } from './rateLimiter';
import { ResponseCache } from './responseCache';

export function resilienceFromConfig(config: DaemonConfig, now: () => number): Partial<ResilienceOptions> & { health: HealthMonitor } {
  const limits: Record<string, RateLimit> = {};
  const balancers = new Map<string, Balancer>();
  for (const [provider, p] of Object.entries(config.providers)) {
    if (p.rpm !== undefined || p.tpm !== undefined) {
      limits[provider] = { rpm: p.rpm, tpm: p.tpm };
    }
    if (p.endpoints && p.endpoints.length > 0) {
      balancers.set(provider, new Balancer(p.endpoints.map((e) => ({ id: e.id, weight: e.weight, baseUrl: e.baseUrl ?? p.baseUrl, keyName: e.keyName })), p.balance, now));
    }
  }
  const r = config.resilience;
  return {
    health: new HealthMonitor({ now }),
    retry: { ...DEFAULT_RETRY_POLICY, maxRetries: r.maxRetries, budgetMs: r.retryBudgetMs },
    rateLimiter: Object.keys(limits).length > 0 ? new ProviderRateLimiter(limits, now) : null,
    cache: r.cache.enabled ? new ResponseCache({ ttlMs: r.cache.ttlMs, maxEntries: r.cache.maxEntries, now }) : null,
    firstTokenMs: r.firstTokenMs,
    balancerFor: (provider) => balancers.get(provider) ?? null,
  };
}
