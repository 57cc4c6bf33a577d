// Which models may answer: the pool a decision starts from (a policy's list, the request's
// candidates, or every model with a key), the models a matching rule adds, and for each estimate the
// reason it is out (context, health, the request's constraints), or why nothing fits at all.
import { RouterError } from '../protocol/errors';
import type { RouteInput } from './routeInput';
import type { Policy } from '../protocol/routing-methods';
import type { Catalog, CatalogModel, ModelStats } from './catalog';
import type { Estimate, EstimateRequest } from './candidateEstimate';
import type { RequestFeatures } from './features';
import type { RuleMatch } from './rules';

/** What vetting needs of the router's environment. */
export interface VettingEnv {
  catalog: Catalog;
  /** Whether a call to this model could be made now (a key is configured, or simulate mode). */
  isAvailable(model: CatalogModel): boolean;
}

/** The models a decision starts from, before constraints. */
export function candidatePool(env: VettingEnv, input: RouteInput, policy: Policy): CatalogModel[] {
  const { catalog } = env;
  const named = input.candidates ?? (policy.models.length > 0 ? policy.models : null);
  if (named) {
    const models: CatalogModel[] = [];
    for (const id of named) {
      const m = catalog.get(id);
      if (!m) {
        throw new RouterError('unknownModel', input.candidates ? `unknown candidate model "${id}"` : `policy "${policy.name}" names unknown model "${id}"`, { model: id });
      }
      models.push(m);
    }
    // Explicit candidates may be chosen without keys (the dry-run promise); policy lists may not.
    return input.candidates || input.dryRun === true ? models : models.filter((m) => env.isAvailable(m));
  }
  return catalog.list().filter((m) => input.dryRun === true || env.isAvailable(m));
}

/**
 * A matching rule's models join the pool even when the policy does not list them (an explicit rule
 * wins over a built-in list); they still face keys, health and constraints.
 */
export function withRuleModels(env: VettingEnv, pool: CatalogModel[], match: RuleMatch | null, input: RouteInput): CatalogModel[] {
  if (!match) {
    return pool;
  }
  const have = new Set(pool.map((m) => m.id));
  const extra: CatalogModel[] = [];
  for (const id of [match.model, ...match.rule.fallbacks]) {
    const m = env.catalog.get(id);
    if (!m) {
      throw new RouterError('unknownModel', `rule "${match.rule.id}" names unknown model "${id}"`, { model: id, rule: match.rule.id });
    }
    // Explicit candidates bound a dry run; otherwise a rule's model needs a key like any other.
    if (!have.has(id) && !input.candidates && (input.dryRun === true || env.isAvailable(m))) {
      have.add(id);
      extra.push(m);
    }
  }
  return extra.length ? [...pool, ...extra] : pool;
}

/** Why `m` at this estimate may not answer the request (null: it may). */
export function exclusion(m: CatalogModel, req: EstimateRequest, cost: number | null, latency: number, stats: ModelStats | undefined): string | null {
  const { features: f, maxTokens, quality, routing: r } = req;
  if (f.inputTokens + (maxTokens ?? 0) > m.contextWindow) {
    return `context: ~${f.inputTokens} prompt tokens${maxTokens ? ` + ${maxTokens} max_tokens` : ''} exceed its ${m.contextWindow}-token window`;
  }
  if (!req.dryRun && stats && !stats.isHealthy(m.id)) {
    return 'unhealthy: circuit open after recent failures';
  }
  if (r.allowedModels && !r.allowedModels.includes(m.id)) {
    return 'not in allowedModels';
  }
  if (r.excludedModels?.includes(m.id)) {
    return 'in excludedModels';
  }
  if (r.allowedProviders && !r.allowedProviders.includes(m.provider)) {
    return `provider ${m.provider} not in allowedProviders`;
  }
  if (r.excludedProviders?.includes(m.provider)) {
    return `provider ${m.provider} in excludedProviders`;
  }
  // Checked before any list is built: this runs for every option of every model.
  if (r.requiredCapabilities !== undefined && r.requiredCapabilities.some((c) => !m.capabilities.includes(c))) {
    return `lacks ${r.requiredCapabilities.filter((c) => !m.capabilities.includes(c)).join(', ')}`;
  }
  if (f.hasImages && !m.capabilities.includes('vision')) {
    return 'lacks vision (the request has images)';
  }
  if (r.maxCostUsd !== undefined && (cost === null || cost > r.maxCostUsd)) {
    return cost === null ? 'price unknown under a cost limit' : `estimated $${cost.toFixed(6)} exceeds maxCostUsd $${r.maxCostUsd}`;
  }
  if (r.maxLatencyMs !== undefined && latency > r.maxLatencyMs) {
    return `estimated ${latency} ms exceeds maxLatencyMs ${r.maxLatencyMs}`;
  }
  if (r.minQuality !== undefined && quality < r.minQuality) {
    return `predicted quality ${quality.toFixed(2)} below minQuality ${r.minQuality}`;
  }
  return null;
}

/** The error when every candidate is out: too long for every window, or each one's reason. */
export function nothingFits(estimates: Estimate[], f: RequestFeatures): RouterError {
  if (estimates.length > 0 && estimates.every((e) => e.excluded?.startsWith('context:'))) {
    const largest = Math.max(...estimates.map((e) => e.catalogModel.contextWindow));
    return new RouterError('contextTooLong', `the prompt (~${f.inputTokens} tokens) is larger than every candidate's context window (largest ${largest})`, { inputTokens: f.inputTokens, largestContext: largest });
  }
  const why = estimates.map((e) => `${e.model}: ${e.excluded ?? 'excluded'}`).join('; ');
  return new RouterError('noCandidate', estimates.length ? `no model fits this request (${why})` : 'no model is available: configure a provider key, or name candidates in a dry run', { candidates: estimates.length });
}
