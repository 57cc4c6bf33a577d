// The routing core: features → policy → candidates → constraints → rules → strategy → decision.
// Synchronous and in-process: nothing is sent anywhere to decide. The steps live in their own
// modules: candidatePool/withRuleModels/exclusion (candidateVetting.ts), estimates
// (candidateEstimate.ts), scoring and selection (selection.ts, strategies.ts), rules
// (ruleChoice.ts), the reason text (reasonText.ts) and the decision itself (decisionAssembly.ts).
import type { ChatRequest, ChatMessage } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { ClientContext, RoutingDecision, RoutingOptions, TaskType, Tradeoff } from '../protocol/routing';
import type { Policy, RoutingConfig, RuleTrace, StrategyConfig } from '../protocol/routing-methods';
import type { Catalog, CatalogModel, ModelStats } from './catalog';
import { extractFeatures, messageText as textOf, type RequestFeatures } from './features';
import { PolicySet } from './policies';
import { PriorQuality, type QualityModel } from './quality';
import { LearnedQuality, shippedQualityModel, type LearnedModelState, type OnlineState } from './learnedQuality';
import { encodingForModel } from './tokenizer';
import { evaluateRules, ruleFacts } from './rules';
import { createStrategy, rank, type Strategy } from './strategies';
import { effortAt, effortOptions, hardnessOf, NO_EFFORT, qualityAtDepth, reasoningNotCarried, supportedEfforts, thinkingBlocked, unsupportedEffort, type EffortOption } from './effort';
import { CandidateEstimator, EXPECTED_OUTPUT_TOKENS, capThinking, round3, type Estimate, type EstimateRequest } from './candidateEstimate';
import { candidatePool, nothingFits, withRuleModels } from './candidateVetting';
import { bestPerModel, chainedRank, distinctModels, rankEstimates, scoringContext, type ScoringSetup } from './selection';
import { applyRule } from './ruleChoice';
import { namedModelReason, ruleNotAppliedReason, ruleReason, strategyReason } from './reasonText';
import { assembleDecision } from './decisionAssembly';
import { parseRequested, type RouteInput } from './routeInput';
import { TaskViews } from './taskViews';

export type { RouteInput } from './routeInput';

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

/** What a second of waiting is worth when neither the request nor config.json says (USD per hour). */
export const DEFAULT_VALUE_OF_TIME_USD_PER_HOUR = 30;

/** What one decision settled before candidates are estimated: policy, tradeoff, sizes, effort pin. */
interface Framing {
  input: RouteInput;
  features: RequestFeatures;
  policy: Policy;
  tradeoff: Tradeoff;
  maxTokens: number | undefined;
  routing: RoutingOptions;
  outputFor: (m: CatalogModel) => number;
  view: (m: CatalogModel) => CatalogModel;
  valueOfTime: number;
}

export class Router {
  private policyCache: { key: unknown; set: PolicySet } | null = null;
  private readonly views: TaskViews;
  private readonly estimator: CandidateEstimator;
  private readonly strategies = new Map<string, Strategy>();
  /** Decisions running (more than one: a callback decided inside a decision). */
  private deciding = 0;
  /** The outermost decision's working arrays, emptied and refilled by each decision (none outlives it). */
  private readonly scratch = { options: [] as Estimate[], eligible: [] as Estimate[], ranked: [] as Estimate[] };
  /** Loaded on the first decision, not at start-up: an idle daemon does not hold the learned model. */
  private defaultQuality: QualityModel | null = null;

  constructor(private readonly env: RouterEnv) {
    this.views = new TaskViews(() => env.catalog);
    this.estimator = new CandidateEstimator(env);
  }

  /** Online state restored at start-up, applied when the learned model is first loaded. */
  private pendingOnline: Record<string, OnlineState> | null = null;

  get quality(): QualityModel {
    if (this.env.quality) {
      return this.env.quality;
    }
    if (this.defaultQuality === null) {
      this.defaultQuality = loadDefaultQuality();
      if (this.pendingOnline !== null && this.defaultQuality instanceof LearnedQuality) {
        this.defaultQuality.importOnline(this.pendingOnline);
      }
      this.pendingOnline = null;
    }
    return this.defaultQuality;
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
    if (!this.env.quality && this.defaultQuality === null) {
      // Kept until the first decision loads the model: restoring must not load it at start-up.
      this.pendingOnline = { ...this.pendingOnline, ...state };
      return;
    }
    if (this.quality instanceof LearnedQuality) {
      this.quality.importOnline(state);
    }
  }

  /** `decide` with its workings: features, and every rule checked with the reasons. */
  trace(input: RouteInput, override?: { rules?: RoutingConfig['rules']; policies?: Policy[] }): RouteTrace {
    const features = extractFeatures(input.request, input.context, encodingForModel(input.requestedModel));
    const policySet = override?.policies ? new PolicySet(override.policies, this.env.config?.taskPolicies ?? {}) : this.policies();
    const requested = parseRequested(input.requestedModel, policySet, (id) => this.env.catalog.get(id) !== undefined);
    const workspace = input.context?.workspace !== undefined ? this.env.config?.workspaces?.[input.context.workspace] : undefined;
    const policy = policySet.get(input.routing?.policy ?? (requested.kind === 'policy' ? requested.policy : workspace?.policy ?? policySet.forTask(features.taskType).name));
    // The request's own choice, then the workspace's default, then the policy's, then the global one.
    const tradeoff = input.routing?.tradeoff ?? (requested.kind === 'auto' ? requested.tradeoff : undefined) ?? workspace?.tradeoff ?? policy.tradeoff ?? this.env.defaultTradeoff;
    const maxTokens = input.request.max_tokens ?? policy.maxTokens;
    const typical = EXPECTED_OUTPUT_TOKENS[features.taskType];
    const routing: RoutingOptions = { ...input.routing };
    if (policy.maxCostUsd !== undefined && routing.maxCostUsd === undefined) {
      routing.maxCostUsd = policy.maxCostUsd;
    }
    if (policy.minQuality !== undefined && routing.minQuality === undefined) {
      routing.minQuality = policy.minQuality;
    }
    const frame: Framing = {
      input,
      features,
      policy,
      tradeoff,
      maxTokens,
      routing,
      outputFor: (m) => Math.min(maxTokens ?? Number.POSITIVE_INFINITY, this.env.outputTokens?.(m.id, features.taskType, typical) ?? typical),
      view: this.views.forTask(features.taskType, features.inputTokens, (input.request.tools?.length ?? 0) > 0),
      valueOfTime: input.routing?.valueOfTimeUsdPerHour ?? this.env.config?.valueOfTimeUsdPerHour ?? DEFAULT_VALUE_OF_TIME_USD_PER_HOUR,
    };
    // The decision's estimates are the estimator's, reused by the next decision: none outlives it.
    this.estimator.beginDecision();
    this.deciding++;
    try {
      if (requested.kind === 'model') {
        return this.traceNamedModel(frame, requested.model);
      }
      return this.traceRouted(frame, override?.rules ?? this.env.config?.rules ?? []);
    } finally {
      this.deciding--;
      this.estimator.endDecision();
    }
  }

  /** A model asked for by name: it must exist and fit; only its effort is chosen for the prompt. */
  private traceNamedModel(frame: Framing, id: string): RouteTrace {
    const { input, features, maxTokens } = frame;
    // A listed model, or one whose provider is plain from its name (modelInference.ts).
    const model = this.env.catalog.resolveConcrete(id);
    if (!model) {
      throw new RouterError('unknownModel', `unknown model "${id}": see GET /v1/models for the models, policies and routing modes`, { model: id });
    }
    if (features.inputTokens + (maxTokens ?? 0) > model.contextWindow) {
      throw new RouterError('contextTooLong', `the prompt (~${features.inputTokens} tokens${maxTokens ? ` + ${maxTokens} max_tokens` : ''}) does not fit ${model.id}'s ${model.contextWindow}-token context`, { model: model.id, inputTokens: features.inputTokens });
    }
    const mv = frame.view(model);
    const pred = this.quality.predict(features, [mv]);
    const hardness = hardnessOf(features, pred.difficulty);
    // A model that cannot think on this request (thinkingBlocked) is offered at `none` only.
    const blocked = thinkingBlocked(model, input.request);
    const pinned = blocked !== null ? 'none' : input.request.reasoning_effort;
    const opts = effortOptions(model, hardness, pinned);
    if ('unsupported' in opts) {
      throw new RouterError('invalidParams', `reasoning_effort "${pinned ?? ''}": ${model.id} ${opts.unsupported}`, { model: model.id, supported: supportedEfforts(model) });
    }
    const q = pred.quality.get(model.id) ?? model.qualityPrior;
    const out = frame.outputFor(model);
    // Constraints do not apply to a named model: its estimates carry no routing options.
    const options = opts.map((raw) => {
      const o = capThinking(raw, input.request.max_tokens, out);
      return this.estimator.estimate(mv, this.estimateRequest(frame, out, qualityAtDepth(q, o.depth, hardness), {}), o);
    });
    // The model is fixed; its effort is still chosen for the prompt under the tradeoff.
    const ranked = rank(createStrategy({ name: 'learned' }), options, scoringContext(options, this.setup(frame, hardness)));
    const est = ranked[0]?.candidate ?? (options[0] as Estimate);
    est.score = 1;
    est.ranked = true;
    const decision = assembleDecision(this.env.catalog, this.env.baselineModel, {
      best: est, fallbacks: [], estimates: [est], tradeoff: frame.tradeoff, features,
      strategy: 'fixed', policy: 'none', rule: null, confidence: 1, reason: namedModelReason(model.id, est) + (blocked !== null ? `; ${blocked}` : ''), escalation: undefined, difficulty: pred.difficulty,
    });
    return { decision, features, rules: [], matchedRule: null };
  }

  /** `auto`, a tradeoff or a policy: rules, then every candidate at every effort, then the strategy. */
  private traceRouted(frame: Framing, rules: RoutingConfig['rules']): RouteTrace {
    const { input, features, policy, tradeoff } = frame;
    // Rules first: a matching rule's models join the pool even when the policy does not list them.
    const ruleEval = evaluateRules(rules, ruleFacts(features, input.context));
    const pool = withRuleModels(this.env, candidatePool(this.env, input, policy), ruleEval.match, input);
    const views = pool.map(frame.view);
    const prediction = this.quality.predict(features, views);
    const hardness = hardnessOf(features, prediction.difficulty);
    const options = this.estimateAll(frame, views, prediction.quality, hardness);
    const eligible = this.array(this.scratch.eligible);
    let n = 0;
    for (let i = 0; i < options.length; i++) {
      const e = options[i] as Estimate;
      if (e.excluded === null) {
        eligible[n++] = e;
      }
    }
    eligible.length = n;
    if (eligible.length === 0) {
      throw nothingFits(bestPerModel(options, false), features);
    }

    const strategyConfig: StrategyConfig | string = input.routing?.strategy !== undefined
      ? (policy.strategy?.name === input.routing.strategy ? policy.strategy : input.routing.strategy)
      : policy.strategy ?? this.env.config?.defaultStrategy ?? 'learned';
    const strategy = typeof strategyConfig === 'string' ? this.strategyNamed(strategyConfig) : createStrategy(strategyConfig);
    const ctx = scoringContext(eligible, this.setup(frame, hardness));
    const preferredProviders = input.routing?.preferredProviders ?? NONE;
    const preferredModels = input.routing?.preferredModels ?? NONE;
    const preferenceBonus = (e: Estimate) => (preferredModels.includes(e.model) ? 0.25 : 0) + (preferredProviders.includes(e.provider) ? 0.15 : 0);
    // Without preferences the strategy scores alone: the bonus would add 0 to every score, and the
    // wrapper cost a call (and a boxed number) per option per ranking pass.
    const scored: Strategy = preferredModels.length === 0 && preferredProviders.length === 0
      ? strategy
      : { name: strategy.name, score: (c, cx) => strategy.score(c, cx) + preferenceBonus(c as Estimate) };
    // Cost ≤ balanced ≤ quality holds by construction for the tradeoff strategy: each choice is
    // taken among the options at least as dear and as good as the choice of the tradeoff below.
    const chained = strategy.name === 'learned' && input.routing?.willingnessToPay === undefined;
    const ranked = chained ? chainedRank(scored, eligible, ctx, tradeoff, this.array(this.scratch.ranked)) : rankEstimates(scored, eligible, ctx, this.array(this.scratch.ranked));
    const top = ranked[0];
    if (!top) {
      throw nothingFits(bestPerModel(options, false), features);
    }
    // Each model shows its best option; the chosen model shows the option chosen (the chain may
    // have preferred it over a higher-scoring one). Scores are the ranking's, kept in the options.
    const perModel = bestPerModel(options, true, top);
    // The by-model map only when a rule matched (applyRule reads nothing otherwise).
    const ruleChoice = ruleEval.match ? applyRule(ruleEval.match, new Map(perModel.map((e) => [e.model, e]))) : null;
    let best: Estimate = top;
    let fallbacks = distinctModels(ranked, best.model, 3);
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
      reason = ruleReason(ruleChoice);
    } else {
      const second = ranked.find((r) => r.model !== top.model);
      const margin = second ? top.score - second.score : 1;
      confidence = round3(Math.min(1, Math.max(0.05, 0.5 * prediction.confidence + 0.5 * Math.min(1, margin * 8))));
      reason = strategyReason(strategy.name, tradeoff, policy, best, eligibleCount(perModel), features, hardness, input.routing?.willingnessToPay);
      if (ruleChoice) {
        // The rule matched but none of its models could take the request: say so, never drop it silently.
        reason += ruleNotAppliedReason(ruleChoice);
        const trace = ruleEval.traces.find((t) => t.id === ruleChoice.match.rule.id);
        trace?.reasons.push(`matched, but not applied: ${ruleChoice.why}`);
      }
    }
    // Say why a model that can think was kept at none here (thinkingBlocked).
    const noThinking = thinkingBlocked(best.catalogModel, input.request);
    if (noThinking !== null) {
      reason += `; ${noThinking}`;
    }
    const decision = assembleDecision(this.env.catalog, this.env.baselineModel, {
      best, fallbacks, estimates: perModel, tradeoff, features, strategy: strategyName, policy: policy.name, rule: ruleId, confidence, reason,
      escalation: policy.escalation, difficulty: prediction.difficulty,
    });
    return { decision, features, rules: ruleEval.traces, matchedRule: ruleId };
  }

  /** Every model at each effort it supports (or why it cannot take the request), then the caller's vetting. */
  private estimateAll(frame: Framing, views: CatalogModel[], quality: ReadonlyMap<string, number>, hardness: number): Estimate[] {
    const { input } = frame;
    const pinned = input.request.reasoning_effort;
    const options = this.array(this.scratch.options);
    let n = 0;
    // One request object for the whole loop, its size and quality set per option: estimate() reads
    // it and keeps nothing of it (90 options per decision on the full catalog).
    const req = this.estimateRequest(frame, 0, 0, frame.routing);
    const scratch: EffortOption = { effort: null, thinkingTokens: 0, depth: 0 };
    for (const m of views) {
      const q = quality.get(m.id) ?? m.qualityPrior;
      const out = frame.outputFor(m);
      req.outputTokens = out;
      // A model that cannot think on this request (thinkingBlocked) is offered at `none` only.
      const pin = thinkingBlocked(m, input.request) !== null ? 'none' : pinned;
      const unsupported = reasoningNotCarried(m, input.request) ?? unsupportedEffort(m, pin);
      if (unsupported !== null) {
        req.quality = q;
        const est = this.estimator.estimate(m, req, NO_EFFORT);
        est.excluded ??= unsupported;
        options[n++] = est;
        continue;
      }
      const spec = m.reasoning;
      if (!spec) {
        options[n++] = this.option(m, req, NO_EFFORT, q, hardness, out, input.request.max_tokens);
        continue;
      }
      // effortOptions without its arrays: each level written into one scratch option in turn.
      for (let i = 0; i < spec.levels.length; i++) {
        const level = spec.levels[i] as (typeof spec.levels)[number];
        if (pin === undefined || level.effort === pin) {
          options[n++] = this.option(m, req, effortAt(spec, level, hardness, scratch), q, hardness, out, input.request.max_tokens);
        }
      }
    }
    options.length = n;
    if (input.vet) {
      // Budgets and rate limits judge each effort at its own estimate (deeper thinking costs more).
      for (const e of options) {
        e.excluded ??= input.vet(this.env.catalog.get(e.model) ?? e.catalogModel, e.costUsd);
      }
    }
    return options;
  }

  /** A strategy with no settings but its name, made once per name (it keeps no state). */
  private strategyNamed(name: string): Strategy {
    let s = this.strategies.get(name);
    if (!s) {
      s = createStrategy({ name });
      this.strategies.set(name, s);
    }
    return s;
  }

  /**
   * `xs` for the outermost decision, a new array for a decision inside another. The caller writes
   * it by index and sets its length once (`length = 0` would drop its storage every decision).
   */
  private array(xs: Estimate[]): Estimate[] {
    return this.deciding > 1 ? [] : xs;
  }

  /** One option estimated; `requestMax`: the request's own max_tokens (what caps thinking, not a policy's). */
  private option(m: CatalogModel, req: EstimateRequest, raw: EffortOption, q: number, hardness: number, out: number, requestMax: number | undefined): Estimate {
    const o = capThinking(raw, requestMax, out);
    req.quality = qualityAtDepth(q, o.depth, hardness);
    return this.estimator.estimate(m, req, o);
  }

  private estimateRequest(frame: Framing, outputTokens: number, quality: number, routing: RoutingOptions): EstimateRequest {
    return { features: frame.features, outputTokens, maxTokens: frame.maxTokens, quality, routing, dryRun: frame.input.dryRun === true };
  }

  private setup(frame: Framing, hardness: number): ScoringSetup {
    return { tradeoff: frame.tradeoff, willingnessToPay: frame.input.routing?.willingnessToPay, features: frame.features, policy: frame.policy, hardness, valueOfTimeUsdPerHour: frame.valueOfTime };
  }
}

const NONE: readonly string[] = [];

function eligibleCount(estimates: readonly Estimate[]): number {
  let n = 0;
  for (const e of estimates) {
    if (e.excluded === null) {
      n++;
    }
  }
  return n;
}

/** The shipped learned model; the catalog's priors only if the model file cannot be read. */
function loadDefaultQuality(): QualityModel {
  try {
    return shippedQualityModel();
  } catch {
    return new PriorQuality();
  }
}
