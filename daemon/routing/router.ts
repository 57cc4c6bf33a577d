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
import { createStrategy, rank, type Scored, type ScoringContext, type ScoringInput, type Strategy } from './strategies';
import { strongerCandidate } from './escalation';
import { effortOptions, hardnessOf, LONG_PROMPT_TOKENS, qualityAtDepth, stakesOf, supportedEfforts, taskQuality, type EffortOption } from './effort';
import type { EffortLevel } from '../protocol/chat';

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
  /** The effort this estimate assumes (null: the model does not reason). */
  effort: EffortLevel | null;
  thinkingTokens: number;
}

/** What a second of waiting is worth when neither the request nor config.json says (USD per hour). */
export const DEFAULT_VALUE_OF_TIME_USD_PER_HOUR = 30;

/** The tradeoff whose choice bounds this one from below: cost ≤ balanced ≤ quality, in cost and in quality. */
const FLOOR_OF: Partial<Record<Tradeoff, Tradeoff>> = { balanced: 'cost', quality: 'balanced' };

export class Router {
  private policyCache: { key: unknown; set: PolicySet } | null = null;
  private readonly viewCache = new Map<string, Map<string, CatalogModel>>();
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

    const pinned = input.request.reasoning_effort;
    const usesTools = (input.request.tools?.length ?? 0) > 0;
    const view = this.taskViews(features.taskType, features.inputTokens, usesTools);
    const vot = input.routing?.valueOfTimeUsdPerHour ?? this.env.config?.valueOfTimeUsdPerHour ?? DEFAULT_VALUE_OF_TIME_USD_PER_HOUR;

    if (requested.kind === 'model') {
      // A listed model, or one whose provider is plain from its name (modelInference.ts).
      const model = catalog.resolveConcrete(requested.model);
      if (!model) {
        throw new RouterError('unknownModel', `unknown model "${requested.model}": see GET /v1/models for the models, policies and routing modes`, { model: requested.model });
      }
      if (features.inputTokens + (maxTokens ?? 0) > model.contextWindow) {
        throw new RouterError('contextTooLong', `the prompt (~${features.inputTokens} tokens${maxTokens ? ` + ${maxTokens} max_tokens` : ''}) does not fit ${model.id}'s ${model.contextWindow}-token context`, { model: model.id, inputTokens: features.inputTokens });
      }
      const pred = this.quality.predict(features, [view(model)]);
      const hardness = hardnessOf(features, pred.difficulty);
      const opts = effortOptions(model, hardness, pinned);
      if ('unsupported' in opts) {
        throw new RouterError('invalidParams', `reasoning_effort "${pinned ?? ''}": ${model.id} ${opts.unsupported}`, { model: model.id, supported: supportedEfforts(model) });
      }
      const q = pred.quality.get(model.id) ?? model.qualityPrior;
      const mv = view(model);
      const options = opts.map((raw) => {
        const o = capThinking(raw, input.request.max_tokens, outputFor(model));
        return this.estimate(mv, features, outputFor(model), maxTokens, qualityAtDepth(q, o.depth, hardness), {}, input.dryRun === true, o);
      });
      // The model is fixed; its effort is still chosen for the prompt under the tradeoff.
      const ranked = rank(createStrategy({ name: 'learned' }), options, this.scoringContext(options, tradeoff, input, features, policy, hardness, vot));
      const est = ranked[0]?.candidate ?? (options[0] as Estimate);
      const decision = this.decision({
        best: est, fallbacks: [], estimates: [est], scores: new Map([[est.model, 1]]), tradeoff, features,
        strategy: 'fixed', policy: 'none', rule: null, confidence: 1, reason: `${model.id} was requested by name${est.effort ? `, effort ${est.effort}` : ''}`, escalation: undefined, difficulty: pred.difficulty,
      });
      return { decision, features, rules: [], matchedRule: null };
    }

    // Rules first: a matching rule's models join the pool even when the policy does not list them
    // (an explicit rule wins over a built-in list); they still face keys, health and constraints.
    const rules = override?.rules ?? this.env.config?.rules ?? [];
    const ruleEval = evaluateRules(rules, ruleFacts(features, input.context));
    const pool = this.withRuleModels(this.pool(input, policy), ruleEval.match, input);
    const views = pool.map(view);
    const prediction = this.quality.predict(features, views);
    const hardness = hardnessOf(features, prediction.difficulty);
    const options: Estimate[] = [];
    for (const m of views) {
      const q = prediction.quality.get(m.id) ?? m.qualityPrior;
      const opts = effortOptions(m, hardness, pinned);
      if ('unsupported' in opts) {
        const est = this.estimate(m, features, outputFor(m), maxTokens, q, routing, input.dryRun === true, { effort: null, thinkingTokens: 0, depth: 0 });
        options.push({ ...est, excluded: est.excluded ?? opts.unsupported });
        continue;
      }
      for (const raw of opts) {
        const o = capThinking(raw, input.request.max_tokens, outputFor(m));
        options.push(this.estimate(m, features, outputFor(m), maxTokens, qualityAtDepth(q, o.depth, hardness), routing, input.dryRun === true, o));
      }
    }
    if (input.vet) {
      // Budgets and rate limits judge each effort at its own estimate (deeper thinking costs more).
      for (const e of options) {
        e.excluded ??= input.vet(this.env.catalog.get(e.model) ?? e.catalogModel, e.costUsd);
      }
    }
    const eligible = options.filter((e) => e.excluded === null);
    if (eligible.length === 0) {
      throw this.nothingFits(this.perModel(options, new Map()), features);
    }

    const strategyConfig: StrategyConfig | { name: string } = input.routing?.strategy !== undefined
      ? (policy.strategy?.name === input.routing.strategy ? policy.strategy : { name: input.routing.strategy })
      : policy.strategy ?? this.env.config?.defaultStrategy ?? { name: 'learned' };
    const strategy = createStrategy(strategyConfig);
    const ctx = this.scoringContext(eligible, tradeoff, input, features, policy, hardness, vot);
    const preferredProviders = input.routing?.preferredProviders ?? [];
    const preferredModels = input.routing?.preferredModels ?? [];
    const preferenceBonus = (e: Estimate) => (preferredModels.includes(e.model) ? 0.25 : 0) + (preferredProviders.includes(e.provider) ? 0.15 : 0);
    const scored: Strategy = { name: strategy.name, score: (c, cx) => strategy.score(c, cx) + preferenceBonus(c as Estimate) };
    // Cost ≤ balanced ≤ quality holds by construction for the tradeoff strategy: each choice is
    // taken among the options at least as dear and as good as the choice of the tradeoff below.
    const chained = strategy.name === 'learned' && input.routing?.willingnessToPay === undefined;
    const ranked = chained ? this.chainedRank(scored, eligible, ctx, tradeoff) : rank(scored, eligible, ctx);
    const top = ranked[0];
    if (!top) {
      throw this.nothingFits(this.perModel(options, new Map()), features);
    }
    const scores = new Map(ranked.map((r) => [r.candidate, r.score]));
    // Each model shows its best option; the chosen model shows the option chosen (the chain may
    // have preferred it over a higher-scoring one).
    const perModel = this.perModel(options, new Map([...scores, [top.candidate, Number.POSITIVE_INFINITY]]));
    const byModel = new Map(perModel.map((e) => [e.model, e]));
    const ruleChoice = this.applyRule(ruleEval.match, byModel);
    let best: Estimate = top.candidate;
    let fallbacks = distinctModels(ranked.map((r) => r.candidate.model), best.model).slice(0, 3);
    let ruleId: string | null = null;
    let reason: string;
    let strategyName: string = strategy.name;
    let confidence: number;
    if (ruleChoice && 'best' in ruleChoice) {
      best = ruleChoice.best;
      ruleId = ruleChoice.match.rule.id;
      fallbacks = [...ruleChoice.fallbacks, ...fallbacks.filter((m) => m !== best.model && !ruleChoice.fallbacks.includes(m))].slice(0, 4);
      strategyName = 'rule';
      confidence = 1;
      reason = `rule "${ruleId}" (${ruleChoice.match.reasons.join('; ')}) → ${best.model}${best.effort ? ` at effort ${best.effort}` : ''}${ruleChoice.match.via === 'canary' ? ' (canary)' : ''}${ruleChoice.note}`;
    } else {
      const second = ranked.find((r) => r.candidate.model !== top.candidate.model);
      const margin = second ? top.score - second.score : 1;
      confidence = round3(Math.min(1, Math.max(0.05, 0.5 * prediction.confidence + 0.5 * Math.min(1, margin * 8))));
      reason = this.reasonFor(strategy.name, tradeoff, policy, best, perModel.filter((e) => e.excluded === null).length, features, hardness, input.routing?.willingnessToPay);
      if (ruleChoice) {
        // The rule matched but none of its models could take the request: say so, never drop it silently.
        reason += `; rule "${ruleChoice.match.rule.id}" matched but was not applied: ${ruleChoice.why}`;
        const trace = ruleEval.traces.find((t) => t.id === ruleChoice.match.rule.id);
        trace?.reasons.push(`matched, but not applied: ${ruleChoice.why}`);
      }
    }
    const decision = this.decision({
      best, fallbacks, estimates: perModel, scores: new Map(perModel.map((e) => [e.model, scores.get(e) ?? 0])), tradeoff, features, strategy: strategyName, policy: policy.name, rule: ruleId, confidence, reason,
      escalation: policy.escalation, difficulty: prediction.difficulty,
    });
    return { decision, features, rules: ruleEval.traces, matchedRule: ruleId };
  }

  /**
   * Catalog models as a task type sees them: `qualityPrior` is the task's per-category figure.
   * Cached per catalog version and task, so a decision allocates nothing for them.
   */
  private taskViews(task: TaskType, inputTokens: number, usesTools: boolean): (m: CatalogModel) => CatalogModel {
    const long = inputTokens > LONG_PROMPT_TOKENS;
    const key = `${this.env.catalog.version}|${task}|${long ? 1 : 0}|${usesTools ? 1 : 0}`;
    let views = this.viewCache.get(key);
    if (!views) {
      if (this.viewCache.size > 64) {
        this.viewCache.clear();
      }
      views = new Map();
      this.viewCache.set(key, views);
    }
    const cache = views;
    return (m) => {
      let v = cache.get(m.id);
      if (!v || v.contextWindow !== m.contextWindow || v.provider !== m.provider) {
        v = { ...m, qualityPrior: taskQuality(m, task, inputTokens, usesTools) };
        cache.set(m.id, v);
      }
      return v;
    };
  }

  private scoringContext(options: Estimate[], tradeoff: Tradeoff, input: RouteInput, features: RequestFeatures, policy: Policy, hardness: number, vot: number): ScoringContext {
    let minCost = Number.POSITIVE_INFINITY;
    let maxCost = Number.NEGATIVE_INFINITY;
    let minLatency = Number.POSITIVE_INFINITY;
    let maxLatency = 1;
    for (const e of options) {
      if (e.costUsd !== null) {
        minCost = Math.min(minCost, e.costUsd);
        maxCost = Math.max(maxCost, e.costUsd);
      }
      minLatency = Math.min(minLatency, e.latencyMs);
      maxLatency = Math.max(maxLatency, e.latencyMs);
    }
    const anyCost = maxCost >= minCost;
    return {
      tradeoff,
      willingnessToPay: input.routing?.willingnessToPay,
      taskType: features.taskType,
      minCost: anyCost ? minCost : 0,
      maxCost: anyCost ? maxCost : 0,
      minLatency: Math.max(1, Math.min(minLatency, maxLatency)),
      maxLatency,
      preference: policy.models,
      stakes: stakesOf(hardness),
      valueOfTimeUsdPerHour: vot,
      hardness,
    };
  }

  /** Ranks for `tradeoff`, with its choice bounded below by the choice of the tradeoff beneath it. */
  private chainedRank(strategy: Strategy, options: Estimate[], ctx: ScoringContext, tradeoff: Tradeoff): Scored<Estimate>[] {
    const ranked = rank(strategy, options, { ...ctx, tradeoff });
    const below = FLOOR_OF[tradeoff];
    if (below === undefined) {
      return ranked;
    }
    const floor = this.chainedBest(strategy, options, ctx, below);
    if (!floor) {
      return ranked;
    }
    const floorCost = floor.costUsd ?? Number.POSITIVE_INFINITY;
    const i = ranked.findIndex((r) => r.candidate.quality >= floor.quality && (r.candidate.costUsd ?? Number.POSITIVE_INFINITY) >= floorCost);
    if (i <= 0) {
      return ranked;
    }
    const [first] = ranked.splice(i, 1);
    return first ? [first, ...ranked] : ranked;
  }

  /** The top of chainedRank without sorting everything (the floor only needs the winner). */
  private chainedBest(strategy: Strategy, options: Estimate[], ctx: ScoringContext, tradeoff: Tradeoff): Estimate | undefined {
    const below = FLOOR_OF[tradeoff];
    const floor = below === undefined ? undefined : this.chainedBest(strategy, options, ctx, below);
    const c = { ...ctx, tradeoff };
    let best: Estimate | undefined;
    let bestScore = Number.NEGATIVE_INFINITY;
    let bestAny: Estimate | undefined;
    let bestAnyScore = Number.NEGATIVE_INFINITY;
    for (const o of options) {
      const score = strategy.score(o, c);
      const better = (b: Estimate | undefined, bs: number) => score > bs || (score === bs && b !== undefined && (o.costUsd ?? Infinity) < (b.costUsd ?? Infinity));
      if (better(bestAny, bestAnyScore)) {
        bestAny = o;
        bestAnyScore = score;
      }
      const ok = !floor || (o.quality >= floor.quality && (o.costUsd ?? Number.POSITIVE_INFINITY) >= (floor.costUsd ?? Number.POSITIVE_INFINITY));
      if (ok && better(best, bestScore)) {
        best = o;
        bestScore = score;
      }
    }
    return best ?? bestAny;
  }

  /** One estimate per model for the decision: its best-scoring eligible effort, else why it is out. */
  private perModel(options: Estimate[], scores: Map<Estimate, number>): Estimate[] {
    const out = new Map<string, Estimate>();
    for (const e of options) {
      const prev = out.get(e.model);
      const better = !prev
        || (prev.excluded !== null && e.excluded === null)
        || (prev.excluded === null && e.excluded === null && (scores.get(e) ?? -Infinity) > (scores.get(prev) ?? -Infinity));
      if (better) {
        out.set(e.model, e);
      }
    }
    return [...out.values()];
  }

  private withRuleModels(pool: CatalogModel[], match: RuleMatch | null, input: RouteInput): CatalogModel[] {
    if (!match) {
      return pool;
    }
    const have = new Set(pool.map((m) => m.id));
    const extra: CatalogModel[] = [];
    for (const id of [match.model, ...match.rule.fallbacks]) {
      const m = this.env.catalog.get(id);
      if (!m) {
        throw new RouterError('unknownModel', `rule "${match.rule.id}" names unknown model "${id}"`, { model: id, rule: match.rule.id });
      }
      // Explicit candidates bound a dry run; otherwise a rule's model needs a key like any other.
      if (!have.has(id) && !input.candidates && (input.dryRun === true || this.env.isAvailable(m))) {
        have.add(id);
        extra.push(m);
      }
    }
    return extra.length ? [...pool, ...extra] : pool;
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

  private estimate(m: CatalogModel, f: RequestFeatures, outputTokens: number, maxTokens: number | undefined, quality: number, r: RoutingOptions, dryRun: boolean, effort: EffortOption): Estimate {

    // Hidden reasoning is billed as output and streamed before the answer: it costs money and time.
    // The answer's cost is looked up once per model and size (tiers, caching); thinking adds output.
    const price = this.env.catalog.price(m);
    const answer = this.answerCost(m, f.inputTokens, outputTokens);
    const raw = answer === null ? null : answer + (effort.thinkingTokens * (price?.outputPerMTok ?? 0)) / 1e6;
    const costUsd = raw === null ? null : Math.round(raw * 1e10) / 1e10;
    const latencyMs = Math.round(this.latencyOf(m, outputTokens + effort.thinkingTokens));
    return {
      model: m.id,
      provider: m.provider,
      quality: round3(quality),
      qualityPrior: m.qualityPrior,
      outputTokens,
      costUsd,
      latencyMs,
      catalogModel: m,
      outputPerMTok: price?.outputPerMTok ?? null,
      effort: effort.effort,
      thinkingTokens: effort.thinkingTokens,
      excluded: this.exclusion(m, f, maxTokens, quality, costUsd, latencyMs, r, dryRun),
    };
  }

  /** One decision prices a model's answer once, whatever number of effort options it has. */
  private lastAnswerCost: { m: CatalogModel; input: number; output: number; cost: number | null } | null = null;

  private answerCost(m: CatalogModel, inputTokens: number, outputTokens: number): number | null {
    const last = this.lastAnswerCost;
    if (last && last.m === m && last.input === inputTokens && last.output === outputTokens) {
      return last.cost;
    }
    const cost = estimateCallCost(m, inputTokens, outputTokens);
    this.lastAnswerCost = { m, input: inputTokens, output: outputTokens, cost };
    return cost;
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

  private applyRule(match: RuleMatch | null, byId: Map<string, Estimate>): { match: RuleMatch; best: Estimate; fallbacks: string[]; note: string } | { match: RuleMatch; why: string } | null {
    if (!match) {
      return null;
    }
    const chain = [match.model, ...match.rule.fallbacks];
    const usable = chain.filter((id) => byId.get(id)?.excluded === null);
    const first = usable[0];
    const whyNot = (ids: string[]) => ids.map((s) => `${s}: ${byId.get(s)?.excluded ?? 'not a candidate (no key, or outside the request\'s candidates)'}`).join('; ');
    const best = first === undefined ? undefined : byId.get(first);
    if (first === undefined || !best) {
      // The rule's models are all out (constraints, keys, context): the strategy decides, and says why.
      return { match, why: whyNot(chain) };
    }
    const skipped = chain.slice(0, chain.indexOf(first));
    const note = skipped.length ? ` (skipped ${whyNot(skipped)})` : '';
    return { match, best, fallbacks: usable.slice(1), note };
  }

  private reasonFor(strategy: string, tradeoff: Tradeoff, policy: Policy, best: Estimate, n: number, f: RequestFeatures, hardness: number, wtp: number | undefined): string {
    const cost = best.costUsd === null ? 'an unknown price' : `~$${best.costUsd.toPrecision(2)}`;
    const hard = hardness >= 0.6 ? 'hard' : hardness <= 0.25 ? 'easy' : 'typical';
    const how = wtp !== undefined ? `paying up to $${wtp}/quality point` : tradeoff;
    const effort = best.effort ? ` at effort ${best.effort}` : '';
    return `${f.taskType} prompt (${f.inputTokens} tokens, looks ${hard}); ${policy.name}/${strategy}, ${how}: ${best.model}${effort} predicted quality ${best.quality.toFixed(2)} for ${cost} in ~${(best.latencyMs / 1000).toFixed(1)} s, best of ${n}`;
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
    difficulty: number;
  }): RoutingDecision {
    const baseline = this.env.baselineModel ? this.env.catalog.get(this.env.baselineModel) : undefined;
    // Savings compare like with like: the baseline answering at the chosen model's length.
    const baselineCost = baseline ? estimateCallCost(baseline, a.features.inputTokens, a.best.outputTokens) : null;
    const candidates: CandidateEstimate[] = a.estimates.map((e) => {
      const c: CandidateEstimate = { model: e.model, provider: e.provider, quality: e.quality, costUsd: e.costUsd, latencyMs: e.latencyMs, score: round3(a.scores.get(e.model) ?? 0), effort: e.effort, thinkingTokens: e.thinkingTokens };
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
      effort: a.best.effort,
      expectedWallMs: a.best.latencyMs,
      difficulty: round3(a.difficulty),
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

/**
 * The request's max_tokens (sent to the provider; a policy's is only an estimate) bounds thinking
 * and answer together (OpenAI counts reasoning in it; Anthropic's budget must fit under it):
 * thinking gets what the answer leaves, and a cut-short think is shallower.
 */
function capThinking(o: EffortOption, maxTokens: number | undefined, outputTokens: number): EffortOption {
  const room = maxTokens === undefined ? Number.POSITIVE_INFINITY : Math.max(0, maxTokens - outputTokens);
  if (o.thinkingTokens <= room) {
    return o;
  }
  return { ...o, thinkingTokens: room, depth: o.depth * (room / o.thinkingTokens) };
}

/** The models in ranking order, each once, without `except`. */
function distinctModels(ids: string[], except: string): string[] {
  const seen = new Set<string>([except]);
  const out: string[] = [];
  for (const id of ids) {
    if (!seen.has(id)) {
      seen.add(id);
      out.push(id);
    }
  }
  return out;
}
