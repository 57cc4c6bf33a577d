// One candidate (a model at one effort) priced and timed for one prompt, with the reason it may not
// be chosen (null: it may). Hidden reasoning is billed as output and streamed before the answer, so
// thinking costs money and time like the answer does.
import type { EffortLevel } from '../protocol/chat';
import type { RoutingOptions, TaskType } from '../protocol/routing';
import { estimateCallCost } from '../ledger/estimates';
import type { ModelPrice } from '../ledger/pricing';
import type { Catalog, CatalogModel, ModelStats } from './catalog';
import { exclusion } from './candidateVetting';
import type { EffortOption } from './effort';
import type { RequestFeatures } from './features';
import type { ScoringInput } from './strategies';

export interface Estimate extends ScoringInput {
  outputTokens: number;
  excluded: string | null;
  catalogModel: CatalogModel;
  /** The effort this estimate assumes (null: the model does not reason). */
  effort: EffortLevel | null;
  thinkingTokens: number;
}

/** Typical answer length per task type, when the caller sets no max_tokens. */
export const EXPECTED_OUTPUT_TOKENS: Record<TaskType, number> = { code: 600, math: 400, analysis: 700, creative: 600, extraction: 300, simple: 120, chat: 350 };

/** What estimating needs of the router's environment, read at each call (the router's env may change). */
export interface EstimatorEnv {
  catalog: Catalog;
  /** Live latency and health from the providers layer. */
  stats?: ModelStats | undefined;
}

/** Everything one estimate depends on besides the model and its effort. */
export interface EstimateRequest {
  features: RequestFeatures;
  outputTokens: number;
  maxTokens: number | undefined;
  quality: number;
  routing: RoutingOptions;
  dryRun: boolean;
}

export class CandidateEstimator {
  // One decision prices a model's answer once, whatever number of effort options it has, and looks
  // its per-token price up once for them (they are estimated one after another). Kept in fields,
  // not a new object per model: every decision estimates 40+ models.
  private answerModel: CatalogModel | null = null;
  private answerInput = 0;
  private answerOutput = 0;
  private answerUsd: number | null = null;
  private priceModel: CatalogModel | null = null;
  private modelPrice: ModelPrice | null = null;

  constructor(private readonly env: EstimatorEnv) {}

  estimate(m: CatalogModel, r: EstimateRequest, effort: EffortOption): Estimate {
    // The answer's cost is looked up once per model and size (tiers, caching); thinking adds output.
    const price = this.priceOf(m);
    const answer = this.answerCost(m, r.features.inputTokens, r.outputTokens);
    const raw = answer === null ? null : answer + (effort.thinkingTokens * (price?.outputPerMTok ?? 0)) / 1e6;
    const costUsd = raw === null ? null : Math.round(raw * 1e10) / 1e10;
    const latencyMs = Math.round(this.latencyOf(m, r.outputTokens + effort.thinkingTokens));
    return {
      model: m.id,
      provider: m.provider,
      quality: round3(r.quality),
      qualityPrior: m.qualityPrior,
      outputTokens: r.outputTokens,
      costUsd,
      latencyMs,
      catalogModel: m,
      outputPerMTok: price?.outputPerMTok ?? null,
      effort: effort.effort,
      thinkingTokens: effort.thinkingTokens,
      excluded: exclusion(m, r, costUsd, latencyMs, this.env.stats),
    };
  }

  /** A new decision: prices are looked up again (a time-of-day price may have changed), so are answer costs. */
  beginDecision(): void {
    this.priceModel = null;
    this.answerModel = null;
  }

  private priceOf(m: CatalogModel): ModelPrice | null {
    if (this.priceModel === m) {
      return this.modelPrice;
    }
    const price = this.env.catalog.price(m);
    this.priceModel = m;
    this.modelPrice = price;
    return price;
  }

  /** Live latency a model has a few samples, else the catalog's figures. */
  private latencyOf(m: CatalogModel, outputTokens: number): number {
    const live = this.env.stats?.latency(m.id);
    const l = live && live.samples >= 3 ? live : m.latencyPrior;
    return l.ttftMs + (outputTokens / Math.max(1, l.tokensPerSecond)) * 1000;
  }

  private answerCost(m: CatalogModel, inputTokens: number, outputTokens: number): number | null {
    if (this.answerModel === m && this.answerInput === inputTokens && this.answerOutput === outputTokens) {
      return this.answerUsd;
    }
    const cost = estimateCallCost(m, inputTokens, outputTokens);
    this.answerModel = m;
    this.answerInput = inputTokens;
    this.answerOutput = outputTokens;
    this.answerUsd = cost;
    return cost;
  }
}

/**
 * The request's max_tokens (sent to the provider; a policy's is only an estimate) bounds thinking
 * and answer together (OpenAI counts reasoning in it; Anthropic's budget must fit under it):
 * thinking gets what the answer leaves, and a cut-short think is shallower.
 */
export function capThinking(o: EffortOption, maxTokens: number | undefined, outputTokens: number): EffortOption {
  const room = maxTokens === undefined ? Number.POSITIVE_INFINITY : Math.max(0, maxTokens - outputTokens);
  if (o.thinkingTokens <= room) {
    return o;
  }
  return { ...o, thinkingTokens: room, depth: o.depth * (room / o.thinkingTokens) };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
