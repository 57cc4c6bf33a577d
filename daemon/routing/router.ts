// The routing core: features → policy → candidates → constraints → rules → strategy → decision.
// Synchronous and in-process: nothing is sent anywhere to decide.
import type { ChatRequest, ChatMessage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import { Tradeoff, type CandidateEstimate, type ClientContext, type RoutingDecision, type RoutingOptions, type TaskType } from '../protocol/routing';
import type { Policy, RoutingConfig, RuleTrace, StrategyConfig } from '../protocol/routing-methods';
import { estimateCallCost } from '../ledger/estimates';
import type { Catalog, CatalogModel, ModelStats } from './catalog';
import { extractFeatures, messageText as textOf, type RequestFeatures } from './features';
import { PolicySet } from './policies';
import { PriorQuality, type QualityModel } from './quality';
import { LearnedQuality, shippedQualityModel, type LearnedModelState, type OnlineState } from './learnedQuality';
import { evaluateRules, ruleFacts, type RuleMatch } from './rules';
import { createStrategy, rank, type ScoringContext, type ScoringInput } from './strategies';
import { strongerCandidate } from './escalation';

export interface RouteInput {
  request: ChatRequest;
  /** `auto`, `auto:<tradeoff>`, a policy name, or a concrete model id. */
  requestedModel: string;
  routing?: RoutingOptions | undefined;
  context?: ClientContext | undefined;
  /** Restrict the choice to these models (dry runs may name models without keys). */
  candidates?: string[] | undefined;
  /** A dry run ignores key availability and health: nothing will be called. */
  dryRun?: boolean | undefined;
  /**
   * Planning-time checks of each candidate at its estimate (a budget's money left, a provider's
   * rate limit): a string excludes the model with that reason. Runs after the router's own filters.
   */
  vet?: ((model: CatalogModel, estimateUsd: number | null) => string | null) | undefined;
}

export interface RouterEnv {
  catalog: Catalog;
  /** Whether a call to this model could be made now (a key is configured, or simulate mode). */
  isAvailable(model: CatalogModel): boolean;
  defaultTradeoff: Tradeoff;
  baselineModel: string | null;
  /** Policies, rules, task → policy map and default strategy from settings. */
  config?: Partial<RoutingConfig> | undefined;
  /** Live latency and health from the providers layer. */
  stats?: ModelStats | undefined;
  /** Predicts per-model quality; defaults to the catalog's priors. */
  quality?: QualityModel | undefined;
  /**
   * Expected answer length of this model for this task type, from the ledger's history; `typical`
   * when there is none. The same figure prices the decision, the budget reservation and Ask's
   * confirmation, so the user sees one estimate everywhere.
   */
  outputTokens?: ((modelId: string, taskType: TaskType, typical: number) => number) | undefined;
}

/** The decision plus how it was reached, for `route/test`. */
export interface RouteTrace {
  decision: RoutingDecision;
  features: RequestFeatures;
  rules: RuleTrace[];
  matchedRule: string | null;
}

/** Typical answer length per task type, when the caller sets no max_tokens. */
const EXPECTED_OUTPUT_TOKENS: Record<TaskType, number> = { code: 600, math: 400, analysis: 700, creative: 600, extraction: 300, simple: 120, chat: 350 };

export function messageText(m: ChatMessage): string {
  return textOf(m);
}

/** A cheap token estimate (≈ 4 characters per token); decisions count exactly (features.ts). */
export function estimateTokens(messages: ChatMessage[]): number {
  let chars = 0;
  for (const m of messages) {
    chars += textOf(m).length + 4;
  }
  return Math.ceil(chars / 4);
}

type Requested = { kind: 'auto'; tradeoff: Tradeoff | undefined } | { kind: 'policy'; policy: string } | { kind: 'model'; model: string };

interface Estimate extends ScoringInput {
  outputTokens: number;
  excluded: string | null;
  catalogModel: CatalogModel;
}

export class Router {
  private policyCache: { key: unknown; set: PolicySet } | null = null;
  private readonly defaultQuality: QualityModel;

  constructor(private readonly env: RouterEnv) {
    this.defaultQuality = env.quality ?? loadDefaultQuality();
  }

  get quality(): QualityModel {
    return this.env.quality ?? this.defaultQuality;
  }

  policies(): PolicySet {
    const key = this.env.config;
    if (!this.policyCache || this.policyCache.key !== key) {
      this.policyCache = { key, set: new PolicySet(key?.policies ?? [], key?.taskPolicies ?? {}) };
    }
    return this.policyCache.set;
  }

  configuredRules(): RoutingConfig['rules'] {
    return this.env.config?.rules ?? [];
  }

  /** Replaces policies, rules and the task map (settings changed); the next decision uses them. */
  setConfig(config: Partial<RoutingConfig>): void {
    new PolicySet(config.policies ?? [], config.taskPolicies ?? {});
    this.env.config = config;
  }

  decide(input: RouteInput): RoutingDecision {
    return this.trace(input).decision;
  }

  /**
   * Feedback or an automatic outcome score (0..1) for the answer `modelId` gave to `request` (null:
   * the prompt is no longer known): the quality model adjusts that model's predictions online,
   * measured against its own prediction from the catalog figures. In memory; the caller persists
   * `learnedStateOf(modelId)` (see learnedStateStore.ts).
   */
  recordOutcome(modelId: string, request: ChatRequest | null, score: number, context?: ClientContext): void {
    const model = this.env.catalog.get(modelId);
    if (!model) {
      throw new RouterError('unknownModel', `unknown model "${modelId}"`, { model: modelId });
    }
    this.quality.recordOutcome(modelId, request ? extractFeatures(request, context) : null, score, model);
  }

  /** What online learning changed, per model (empty for a quality model that does not learn). */
  learnedState(): LearnedModelState[] {
    return this.quality instanceof LearnedQuality ? this.quality.learnedState() : [];
  }

  /** One model's online state, to persist after `recordOutcome` (null: nothing learned, or a model that does not learn). */
  onlineStateOf(modelId: string): OnlineState | null {
    return this.quality instanceof LearnedQuality ? this.quality.onlineStateOf(modelId) : null;
  }

  /** Restores persisted online state (daemon start). */
  importOnline(state: Record<string, OnlineState>): void {
    if (this.quality instanceof LearnedQuality) {
      this.quality.importOnline(state);
    }
  }

  /** `decide` with its workings: features, and every rule checked with the reasons. */
  trace(input: RouteInput, override?: { rules?: RoutingConfig['rules']; policies?: Policy[] }): RouteTrace {
    const { catalog } = this.env;
    const features = extractFeatures(input.request, input.context);
    const policySet = override?.policies ? new PolicySet(override.policies, this.env.config?.taskPolicies ?? {}) : this.policies();
    const requested = this.parseRequested(input.requestedModel, policySet);
    const workspace = input.context?.workspace !== undefined ? this.env.config?.workspaces?.[input.context.workspace] : undefined;
    const policy = policySet.get(input.routing?.policy ?? (requested.kind === 'policy' ? requested.policy : workspace?.policy ?? policySet.forTask(features.taskType).name));
    // The request's own choice, then the workspace's default, then the policy's, then the global one.
    const tradeoff = input.routing?.tradeoff ?? (requested.kind === 'auto' ? requested.tradeoff : undefined) ?? workspace?.tradeoff ?? policy.tradeoff ?? this.env.defaultTradeoff;
    const maxTokens = input.request.max_tokens ?? policy.maxTokens;
    const typical = EXPECTED_OUTPUT_TOKENS[features.taskType];
    const outputFor = (m: CatalogModel): number => Math.min(maxTokens ?? Number.POSITIVE_INFINITY, this.env.outputTokens?.(m.id, features.taskType, typical) ?? typical);
    const routing: RoutingOptions = { ...input.routing };
    if (policy.maxCostUsd !== undefined && routing.maxCostUsd === undefined) {
      routing.maxCostUsd = policy.maxCostUsd;
    }
    if (policy.minQuality !== undefined && routing.minQuality === undefined) {
      routing.minQuality = policy.minQuality;
    }

    if (requested.kind === 'model') {
      const model = catalog.get(requested.model);
      if (!model) {
        throw new RouterError('unknownModel', `unknown model "${requested.model}": see GET /v1/models for the models, policies and routing modes`, { model: requested.model });
      }
      if (features.inputTokens + (maxTokens ?? 0) > model.contextWindow) {
        throw new RouterError('contextTooLong', `the prompt (~${features.inputTokens} tokens${maxTokens ? ` + ${maxTokens} max_tokens` : ''}) does not fit ${model.id}'s ${model.contextWindow}-token context`, { model: model.id, inputTokens: features.inputTokens });
      }
      const pred = this.quality.predict(features, [model]);
      const est = this.estimate(model, features, outputFor(model), maxTokens, pred.quality.get(model.id) ?? model.qualityPrior, {}, input.dryRun === true);
      const decision = this.decision({
        best: est, fallbacks: [], estimates: [est], scores: new Map([[est.model, 1]]), tradeoff, features,
        strategy: 'fixed', policy: 'none', rule: null, confidence: 1, reason: `${model.id} was requested by name`, escalation: undefined,
      });
      return { decision, features, rules: [], matchedRule: null };
    }

    const pool = this.pool(input, policy);
    const prediction = this.quality.predict(features, pool);
    const estimates = pool.map((m) => this.estimate(m, features, outputFor(m), maxTokens, prediction.quality.get(m.id) ?? m.qualityPrior, routing, input.dryRun === true));
    if (input.vet) {
      for (const e of estimates) {
        e.excluded ??= input.vet(e.catalogModel, e.costUsd);
      }
    }
    const eligible = estimates.filter((e) => e.excluded === null);
    if (eligible.length === 0) {
      throw this.nothingFits(estimates, features);
    }

    const rules = override?.rules ?? this.env.config?.rules ?? [];
    const ruleEval = evaluateRules(rules, ruleFacts(features, input.context));

    const strategyConfig: StrategyConfig | { name: string } = input.routing?.strategy !== undefined
      ? (policy.strategy?.name === input.routing.strategy ? policy.strategy : { name: input.routing.strategy })
      : policy.strategy ?? this.env.config?.defaultStrategy ?? { name: 'learned' };
    const strategy = createStrategy(strategyConfig);
    const known = eligible.map((e) => e.costUsd).filter((c): c is number => c !== null);
    const ctx: ScoringContext = {
      tradeoff,
      willingnessToPay: input.routing?.willingnessToPay,
      taskType: features.taskType,
      minCost: known.length ? Math.min(...known) : 0,
      maxCost: known.length ? Math.max(...known) : 0,
      maxLatency: Math.max(1, ...eligible.map((e) => e.latencyMs)),
      preference: policy.models,
    };
    const preferredProviders = input.routing?.preferredProviders ?? [];
    const preferredModels = input.routing?.preferredModels ?? [];
    const preferenceBonus = (e: Estimate) => (preferredModels.includes(e.model) ? 0.25 : 0) + (preferredProviders.includes(e.provider) ? 0.15 : 0);
    const ranked = rank({ name: strategy.name, score: (c, cx) => strategy.score(c, cx) + preferenceBonus(c as Estimate) }, eligible, ctx);
    const scores = new Map(ranked.map((r) => [r.candidate.model, r.score]));

    const ruleChoice = this.applyRule(ruleEval.match, estimates);
    const top = ranked[0];
    if (!top) {
      throw this.nothingFits(estimates, features);
    }
    let best: Estimate = top.candidate;
    let fallbacks = ranked.slice(1, 4).map((r) => r.candidate.model);
    let ruleId: string | null = null;
    let reason: string;
    let strategyName: string = strategy.name;
    let confidence: number;
    if (ruleChoice) {
      best = ruleChoice.best;
      ruleId = ruleChoice.match.rule.id;
      fallbacks = [...ruleChoice.fallbacks, ...fallbacks.filter((m) => m !== best.model && !ruleChoice.fallbacks.includes(m))].slice(0, 4);
      strategyName = 'rule';
      confidence = 1;
      reason = `rule "${ruleId}" (${ruleChoice.match.reasons.join('; ')}) → ${best.model}${ruleChoice.match.via === 'canary' ? ' (canary)' : ''}${ruleChoice.note}`;
    } else {
      const second = ranked[1];
      const margin = second ? top.score - second.score : 1;
      confidence = round3(Math.min(1, Math.max(0.05, 0.5 * prediction.confidence + 0.5 * Math.min(1, margin * 8))));
      reason = this.reasonFor(strategy.name, tradeoff, policy, best, ranked.length, features, prediction.difficulty, input.routing?.willingnessToPay);
    }
    const decision = this.decision({
      best, fallbacks, estimates, scores, tradeoff, features, strategy: strategyName, policy: policy.name, rule: ruleId, confidence, reason,
      escalation: policy.escalation,
    });
    return { decision, features, rules: ruleEval.traces, matchedRule: ruleId };
  }

  private parseRequested(requested: string, policies: PolicySet): Requested {
    if (requested === 'auto') {
      return { kind: 'auto', tradeoff: undefined };
    }
    if (requested.startsWith('auto:')) {
      const t = Tradeoff.safeParse(requested.slice(5));
      if (!t.success) {
        throw new RouterError('unknownModel', `"${requested}" is not a routing mode: use auto, auto:quality, auto:balanced, auto:cost or auto:latency`, { model: requested });
      }
      return { kind: 'auto', tradeoff: t.data };
    }
    if (policies.has(requested) && !this.env.catalog.get(requested)) {
      return { kind: 'policy', policy: requested };
    }
    return { kind: 'model', model: requested };
  }

  private pool(input: RouteInput, policy: Policy): CatalogModel[] {
    const { catalog } = this.env;
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
      return input.candidates || input.dryRun === true ? models : models.filter((m) => this.env.isAvailable(m));
    }
    return catalog.list().filter((m) => input.dryRun === true || this.env.isAvailable(m));
  }

  private latencyOf(m: CatalogModel, outputTokens: number): number {
    const live = this.env.stats?.latency(m.id);
    const l = live && live.samples >= 3 ? live : m.latencyPrior;
    return l.ttftMs + (outputTokens / Math.max(1, l.tokensPerSecond)) * 1000;
  }

  private estimate(m: CatalogModel, f: RequestFeatures, outputTokens: number, maxTokens: number | undefined, quality: number, r: RoutingOptions, dryRun: boolean): Estimate {
    const raw = estimateCallCost(m, f.inputTokens, outputTokens);
    const costUsd = raw === null ? null : Math.round(raw * 1e10) / 1e10;
    const latencyMs = Math.round(this.latencyOf(m, outputTokens));
    return {
      model: m.id,
      provider: m.provider,
      quality: round3(quality),
      qualityPrior: m.qualityPrior,
      outputTokens,
      costUsd,
      latencyMs,
      catalogModel: m,
      excluded: this.exclusion(m, f, maxTokens, quality, costUsd, latencyMs, r, dryRun),
    };
  }

  private exclusion(m: CatalogModel, f: RequestFeatures, maxTokens: number | undefined, quality: number, cost: number | null, latency: number, r: RoutingOptions, dryRun: boolean): string | null {
    if (f.inputTokens + (maxTokens ?? 0) > m.contextWindow) {
      return `context: ~${f.inputTokens} prompt tokens${maxTokens ? ` + ${maxTokens} max_tokens` : ''} exceed its ${m.contextWindow}-token window`;
    }
    if (!dryRun && this.env.stats && !this.env.stats.isHealthy(m.id)) {
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
    const missing = (r.requiredCapabilities ?? []).filter((c) => !m.capabilities.includes(c));
    if (missing.length > 0) {
      return `lacks ${missing.join(', ')}`;
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

  private nothingFits(estimates: Estimate[], f: RequestFeatures): RouterError {
    if (estimates.length > 0 && estimates.every((e) => e.excluded?.startsWith('context:'))) {
      const largest = Math.max(...estimates.map((e) => e.catalogModel.contextWindow));
      return new RouterError('contextTooLong', `the prompt (~${f.inputTokens} tokens) is larger than every candidate's context window (largest ${largest})`, { inputTokens: f.inputTokens, largestContext: largest });
    }
    const why = estimates.map((e) => `${e.model}: ${e.excluded ?? 'excluded'}`).join('; ');
    return new RouterError('noCandidate', estimates.length ? `no model fits this request (${why})` : 'no model is available: configure a provider key, or name candidates in a dry run', { candidates: estimates.length });
  }

  private applyRule(match: RuleMatch | null, estimates: Estimate[]): { match: RuleMatch; best: Estimate; fallbacks: string[]; note: string } | null {
    if (!match) {
      return null;
    }
    const byId = new Map(estimates.map((e) => [e.model, e]));
    const chain = [match.model, ...match.rule.fallbacks];
    for (const id of chain) {
      if (!this.env.catalog.get(id)) {
        throw new RouterError('unknownModel', `rule "${match.rule.id}" names unknown model "${id}"`, { model: id, rule: match.rule.id });
      }
    }
    const usable = chain.filter((id) => byId.get(id)?.excluded === null);
    const first = usable[0];
    if (first === undefined) {
      // The rule's models are all out (constraints, keys, context): the strategy decides instead.
      return null;
    }
    const best = byId.get(first);
    if (!best) {
      return null;
    }
    const skipped = chain.slice(0, chain.indexOf(first));
    const note = skipped.length ? ` (skipped ${skipped.map((s) => `${s}: ${byId.get(s)?.excluded ?? 'not a candidate'}`).join('; ')})` : '';
    return { match, best, fallbacks: usable.slice(1), note };
  }

  private reasonFor(strategy: string, tradeoff: Tradeoff, policy: Policy, best: Estimate, n: number, f: RequestFeatures, difficulty: number, wtp: number | undefined): string {
    const cost = best.costUsd === null ? 'an unknown price' : `~$${best.costUsd.toPrecision(2)}`;
    const hard = difficulty >= 0.6 ? 'hard' : difficulty <= 0.4 ? 'easy' : 'typical';
    const how = wtp !== undefined ? `paying up to $${wtp}/quality point` : tradeoff;
    return `${f.taskType} prompt (${f.inputTokens} tokens, looks ${hard}); ${policy.name}/${strategy}, ${how}: ${best.model} predicted quality ${best.quality.toFixed(2)} for ${cost}, best of ${n}`;
  }

  private decision(a: {
    best: Estimate;
    fallbacks: string[];
    estimates: Estimate[];
    scores: Map<string, number>;
    tradeoff: Tradeoff;
    features: RequestFeatures;
    strategy: string;
    policy: string;
    rule: string | null;
    confidence: number;
    reason: string;
    escalation: Policy['escalation'];
  }): RoutingDecision {
    const baseline = this.env.baselineModel ? this.env.catalog.get(this.env.baselineModel) : undefined;
    // Savings compare like with like: the baseline answering at the chosen model's length.
    const baselineCost = baseline ? estimateCallCost(baseline, a.features.inputTokens, a.best.outputTokens) : null;
    const candidates: CandidateEstimate[] = a.estimates.map((e) => {
      const c: CandidateEstimate = { model: e.model, provider: e.provider, quality: e.quality, costUsd: e.costUsd, latencyMs: e.latencyMs, score: round3(a.scores.get(e.model) ?? 0) };
      if (e.excluded !== null) {
        c.excluded = e.excluded;
      }
      return c;
    });
    const decision: RoutingDecision = {
      model: a.best.model,
      provider: a.best.provider,
      fallbacks: a.fallbacks,
      reason: a.reason,
      strategy: a.strategy,
      policy: a.policy,
      rule: a.rule,
      tradeoff: a.tradeoff,
      taskType: a.features.taskType,
      confidence: a.confidence,
      inputTokens: a.features.inputTokens,
      estimatedOutputTokens: a.best.outputTokens,
      estimatedCostUsd: a.best.costUsd,
      baselineModel: baseline?.id ?? null,
      estimatedSavingsUsd: baselineCost !== null && a.best.costUsd !== null ? baselineCost - a.best.costUsd : null,
      candidates,
      experiment: null,
    };
    const enabled = a.escalation?.enabled === true;
    decision.escalation = { enabled, to: enabled ? strongerCandidate(decision, a.escalation?.to) : null };
    return decision;
  }
}

/** The shipped learned model; the catalog's priors only if the model file cannot be read. */
function loadDefaultQuality(): QualityModel {
  try {
    return shippedQualityModel();
  } catch {
    return new PriorQuality();
  }
}

function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
