// The foundation's router: an honest, simple rule over the catalog — each candidate's quality
// prior against its estimated cost and latency, weighted by the tradeoff. The routing core
// (learned quality model, policies, rules, strategies) replaces the scoring behind `decide`.
import type { ChatRequest, ChatMessage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { Tradeoff, type CandidateEstimate, type ClientContext, type RoutingDecision, type RoutingOptions, type TaskType } from '../protocol/routing';
import { estimateCost } from '../ledger/pricing';
import type { Catalog, CatalogModel } from './catalog';

export interface RouteInput {
  request: ChatRequest;
  /** `auto`, `auto:<tradeoff>` or a concrete model id. */
  requestedModel: string;
  routing?: RoutingOptions | undefined;
  context?: ClientContext | undefined;
  /** Restrict the choice to these models (dry runs may name models without keys). */
  candidates?: string[] | undefined;
  /** A dry run ignores key availability: nothing will be called. */
  dryRun?: boolean | undefined;
}

export interface RouterEnv {
  catalog: Catalog;
  /** Whether a call to this model could be made now (a key is configured, or simulate mode). */
  isAvailable(model: CatalogModel): boolean;
  defaultTradeoff: Tradeoff;
  baselineModel: string | null;
}

const DEFAULT_OUTPUT_TOKENS = 400;

const WEIGHTS: Record<Tradeoff, { quality: number; cost: number; latency: number }> = {
  quality: { quality: 1, cost: 0.05, latency: 0.02 },
  balanced: { quality: 1, cost: 0.35, latency: 0.1 },
  cost: { quality: 0.4, cost: 1, latency: 0.05 },
  latency: { quality: 0.5, cost: 0.15, latency: 1 },
};

export function messageText(m: ChatMessage): string {
  if (typeof m.content === 'string') {
    return m.content;
  }
  if (!m.content) {
    return '';
  }
  return m.content.map((p) => (p.type === 'text' ? p.text : '')).join('\n');
}

/** A cheap token estimate (≈ 4 characters per token); the routing core counts exactly. */
export function estimateTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    chars += messageText(m).length + 4;
  }
  return Math.ceil(chars / 4);
}

function parseRequestedModel(requested: string, fallback: Tradeoff): { auto: true; tradeoff: Tradeoff } | { auto: false; model: string } {
  if (requested === 'auto') {
    return { auto: true, tradeoff: fallback };
  }
  if (requested.startsWith('auto:')) {
    const t = Tradeoff.safeParse(requested.slice(5));
    if (!t.success) {
      throw new RouterError('unknownModel', `"${requested}" is not a routing mode: use auto, auto:quality, auto:balanced, auto:cost or auto:latency`);
    }
    return { auto: true, tradeoff: t.data };
  }
  return { auto: false, model: requested };
}

export class Router {
  constructor(private readonly env: RouterEnv) {}

  decide(input: RouteInput): RoutingDecision {
    const { catalog } = this.env;
    const parsed = parseRequestedModel(input.requestedModel, input.routing?.tradeoff ?? this.env.defaultTradeoff);
    const tradeoff = parsed.auto ? (input.routing?.tradeoff ?? parsed.tradeoff) : (input.routing?.tradeoff ?? this.env.defaultTradeoff);
    const inputTokens = estimateTokens(input.request.messages);
    const outputTokens = Math.min(input.request.max_tokens ?? DEFAULT_OUTPUT_TOKENS, DEFAULT_OUTPUT_TOKENS);

    if (!parsed.auto) {
      const model = catalog.get(parsed.model);
      if (!model) {
        throw new RouterError('unknownModel', `unknown model "${parsed.model}": see GET /v1/models for the models and routing modes`, { model: parsed.model });
      }
      const estimate = this.estimate(model, inputTokens, outputTokens, tradeoff, 1, 1);
      return this.decision(estimate, [], [estimate], tradeoff, inputTokens, outputTokens, 'fixed', `${model.id} was requested by name`);
    }

    const pool = this.pool(input);
    const maxCost = Math.max(1e-9, ...pool.map((m) => estimateCost(catalog.price(m), inputTokens, outputTokens) ?? 0));
    const maxLatency = Math.max(1, ...pool.map((m) => latencyOf(m, outputTokens)));
    const estimates = pool.map((m) => this.estimate(m, inputTokens, outputTokens, tradeoff, maxCost, maxLatency, input.routing));
    const eligible = estimates.filter((e) => e.excluded === undefined).sort((a, b) => b.score - a.score);
    const best = eligible[0];
    if (!best) {
      const why = estimates.map((e) => `${e.model}: ${e.excluded ?? 'excluded'}`).join('; ');
      throw new RouterError('noCandidate', `no model fits this request${why ? ` (${why})` : ''}`, { candidates: estimates.length });
    }
    const reason = `${tradeoff}: ${best.model} has the best quality ${best.quality.toFixed(2)} for ${best.costUsd === null ? 'an unknown price' : `~$${best.costUsd.toFixed(5)}`} among ${eligible.length} models`;
    return this.decision(best, eligible.slice(1, 4).map((e) => e.model), estimates, tradeoff, inputTokens, outputTokens, 'prior', reason);
  }

  private pool(input: RouteInput): CatalogModel[] {
    const { catalog } = this.env;
    if (input.candidates) {
      return input.candidates.map((id) => {
        const m = catalog.get(id);
        if (!m) {
          throw new RouterError('unknownModel', `unknown candidate model "${id}"`, { model: id });
        }
        return m;
      });
    }
    return catalog.list().filter((m) => input.dryRun === true || this.env.isAvailable(m));
  }

  private estimate(
    m: CatalogModel,
    inputTokens: number,
    outputTokens: number,
    tradeoff: Tradeoff,
    maxCost: number,
    maxLatency: number,
    routing?: RoutingOptions,
  ): CandidateEstimate {
    const costUsd = estimateCost(this.env.catalog.price(m), inputTokens, outputTokens);
    const latencyMs = latencyOf(m, outputTokens);
    const quality = m.qualityPrior;
    const wtp = routing?.willingnessToPay;
    let score: number;
    if (wtp !== undefined && wtp > 0) {
      score = quality - (costUsd ?? Number.POSITIVE_INFINITY) / wtp;
    } else {
      const w = WEIGHTS[tradeoff];
      // An unknown price is scored as the most expensive candidate, never as free.
      score = w.quality * quality - w.cost * ((costUsd ?? maxCost) / maxCost) - w.latency * (latencyMs / maxLatency);
    }
    const est: CandidateEstimate = { model: m.id, provider: m.provider, quality, costUsd, latencyMs: Math.round(latencyMs), score };
    const excluded = this.exclusion(m, inputTokens, outputTokens, costUsd, latencyMs, routing);
    if (excluded !== null) {
      est.excluded = excluded;
    }
    return est;
  }

  private exclusion(m: CatalogModel, inTok: number, outTok: number, cost: number | null, latency: number, r?: RoutingOptions): string | null {
    if (inTok + outTok > m.contextWindow) {
      return `prompt of ~${inTok} tokens does not fit its ${m.contextWindow}-token context`;
    }
    if (r?.allowedModels && !r.allowedModels.includes(m.id)) {
      return 'not in allowedModels';
    }
    if (r?.excludedModels?.includes(m.id)) {
      return 'in excludedModels';
    }
    if (r?.allowedProviders && !r.allowedProviders.includes(m.provider)) {
      return 'provider not in allowedProviders';
    }
    if (r?.excludedProviders?.includes(m.provider)) {
      return 'provider in excludedProviders';
    }
    const missing = (r?.requiredCapabilities ?? []).filter((c) => !m.capabilities.includes(c));
    if (missing.length > 0) {
      return `lacks ${missing.join(', ')}`;
    }
    if (r?.maxCostUsd !== undefined && (cost === null || cost > r.maxCostUsd)) {
      return cost === null ? 'price unknown under a cost limit' : `estimated $${cost.toFixed(5)} exceeds maxCostUsd`;
    }
    if (r?.maxLatencyMs !== undefined && latency > r.maxLatencyMs) {
      return `estimated ${Math.round(latency)} ms exceeds maxLatencyMs`;
    }
    if (r?.minQuality !== undefined && m.qualityPrior < r.minQuality) {
      return `quality ${m.qualityPrior} below minQuality`;
    }
    return null;
  }

  private decision(
    best: CandidateEstimate,
    fallbacks: string[],
    candidates: CandidateEstimate[],
    tradeoff: Tradeoff,
    inputTokens: number,
    outputTokens: number,
    strategy: string,
    reason: string,
  ): RoutingDecision {
    const baseline = this.env.baselineModel ? this.env.catalog.get(this.env.baselineModel) : undefined;
    const baselineCost = baseline ? estimateCost(this.env.catalog.price(baseline), inputTokens, outputTokens) : null;
    const taskType: TaskType = 'chat';
    return {
      model: best.model,
      provider: best.provider,
      fallbacks,
      reason,
      strategy,
      policy: 'default',
      rule: null,
      tradeoff,
      taskType,
      confidence: 0.5,
      inputTokens,
      estimatedOutputTokens: outputTokens,
      estimatedCostUsd: best.costUsd,
      baselineModel: baseline?.id ?? null,
      estimatedSavingsUsd: baselineCost !== null && best.costUsd !== null ? baselineCost - best.costUsd : null,
      candidates,
      experiment: null,
    };
  }
}

function latencyOf(m: CatalogModel, outputTokens: number): number {
  return m.latencyPrior.ttftMs + (outputTokens / m.latencyPrior.tokensPerSecond) * 1000;
}
