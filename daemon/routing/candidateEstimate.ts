// One candidate (a model at one effort) priced and timed for one prompt, with the reason it may not
// be chosen (null: it may). Hidden reasoning is billed as output and streamed before the answer, so
// thinking costs money and time like the answer does.
import type { RoutingOptions, TaskType } from '../protocol/routing';
import type { EffortLevel, Usage } from '../protocol/chat';
import { costOf, type ModelPrice } from '../ledger/pricing';
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
  /** The final ranking's score of this option; read only when `ranked` (options that were not ranked have none). */
  score: number;
  ranked: boolean;
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
  /** The decision's clock: every price of one decision is the one in force when it began. */
  private now = new Date();
  /** estimateCallCost's usage (a prompt and an answer, nothing cached), one object refilled per model. */
  private readonly usage: Usage = { inputTokens: 0, outputTokens: 0, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 };
  private readonly pool: Estimate[] = [];
  private used = 0;
  private depth = 0;

  constructor(private readonly env: EstimatorEnv) {}

  estimate(m: CatalogModel, r: EstimateRequest, effort: EffortOption): Estimate {
    // The answer's cost is looked up once per model and size (tiers, caching); thinking adds output.
    const price = this.priceOf(m);
    const answer = this.answerCost(m, r.features.inputTokens, r.outputTokens);
    const raw = answer === null ? null : answer + (effort.thinkingTokens * (price?.outputPerMTok ?? 0)) / 1e6;
    const costUsd = raw === null ? null : Math.round(raw * 1e10) / 1e10;
    const latencyMs = Math.round(this.latencyOf(m, r.outputTokens + effort.thinkingTokens));
    const e = this.nextEstimate();
    e.model = m.id;
    e.provider = m.provider;
    e.quality = round3(r.quality);
    e.qualityPrior = m.qualityPrior;
    e.outputTokens = r.outputTokens;
    e.costUsd = costUsd;
    e.latencyMs = latencyMs;
    e.catalogModel = m;
    e.outputPerMTok = price?.outputPerMTok ?? null;
    e.effort = effort.effort;
    e.thinkingTokens = effort.thinkingTokens;
    e.excluded = exclusion(m, r, costUsd, latencyMs, this.env.stats);
    e.score = 0;
    e.ranked = false;
    return e;
  }

  /**
   * A new decision: prices are looked up again (a time-of-day price may have changed), so are answer
   * costs, and the estimates of the previous decision are reused. Every `beginDecision` is paired
   * with an `endDecision`; a decision begun inside another (a callback deciding) gets new objects.
   */
  beginDecision(): void {
    this.priceModel = null;
    this.answerModel = null;
    this.now = new Date();
    if (this.depth++ === 0) {
      this.used = 0;
    }
  }

  /** The decision is over: nothing it built may still read its estimates. */
  endDecision(): void {
    this.depth = Math.max(0, this.depth - 1);
  }

  /**
   * A decision weighs ~90 options on the full catalog and keeps none of them (the RoutingDecision
   * copies what it shows): they are reused from one decision to the next instead of being ~30 KB of
   * new objects each time, whose young-generation collections set the decision's p99.
   */
  private nextEstimate(): Estimate {
    if (this.depth > 1) {
      return blankEstimate();
    }
    let e = this.pool[this.used];
    if (e === undefined) {
      e = blankEstimate();
      this.pool.push(e);
    }
    this.used++;
    return e;
  }

  private priceOf(m: CatalogModel): ModelPrice | null {
    if (this.priceModel === m) {
      return this.modelPrice;
    }
    const price = this.env.catalog.price(m, this.now);
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
    this.usage.inputTokens = inputTokens;
    this.usage.outputTokens = outputTokens;
    const cost = costOf(m, this.usage, this.now);
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

/** What a blank estimate names until `estimate` fills it (never seen by a decision). */
const BLANK_MODEL: CatalogModel = {
  id: '', provider: '', apiModel: '', priceId: '', contextWindow: 0, maxOutputTokens: 0, capabilities: [], qualityPrior: 0,
  latencyPrior: { ttftMs: 0, tokensPerSecond: 1 },
};

/** An estimate with every field present (one object shape for all of them), filled by `estimate`. */
function blankEstimate(): Estimate {
  return {
    model: '', provider: '', quality: 0, qualityPrior: 0, costUsd: null, latencyMs: 0, outputPerMTok: null,
    outputTokens: 0, excluded: null, catalogModel: BLANK_MODEL, effort: null, thinkingTokens: 0, score: Number.NaN, ranked: false,
  };
}

export function round3(x: number): number {
  return Math.round(x * 1000) / 1000;
}
