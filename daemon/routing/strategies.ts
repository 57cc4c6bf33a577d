// Strategies: each is one scoring function over the candidates' estimates; selection (highest
// score, ties to the cheaper model) is shared, as RouteLLM separates routers from thresholds.
// They are registered in one table, and a bad configuration is a typed error, never a fallback.
import { RouterError } from '../protocol/errors';
import type { Tradeoff, TaskType } from '../protocol/routing';
import { StrategyName, type StrategyConfig } from '../protocol/routing-methods';

export interface ScoringInput {
  model: string;
  provider: string;
  /** Predicted quality of this model's answer to this prompt (at this effort), 0..1. */
  quality: number;
  /** The catalog's prompt-independent prior (for this task type). */
  qualityPrior: number;
  costUsd: number | null;
  /** Expected wall time: first token + thinking + output (ms). */
  latencyMs: number;
  /** The model's output price (USD/MTok): its price tier, whatever the request's size. */
  outputPerMTok?: number | null;
}

export interface ScoringContext {
  tradeoff: Tradeoff;
  willingnessToPay: number | undefined;
  taskType: TaskType;
  /** Cheapest and dearest known cost among the candidates (for log-scale normalisation). */
  minCost: number;
  maxCost: number;
  maxLatency: number;
  /** Fastest candidate's wall time (ms); with maxLatency, the log scale of waiting. */
  minLatency?: number;
  /** The policy's ordered model list (empty: no order). */
  preference: readonly string[];
  /**
   * 0..1: how much quality differences matter for this prompt. On "thanks!" every competent model
   * answers well and leaderboard gaps buy nothing; on a hard proof they are the point.
   */
  stakes?: number;
  /** USD per hour of waiting: `balanced` prices slow answers with it (undefined: time is not priced). */
  valueOfTimeUsdPerHour?: number;
  /** 0..1: how hard the prompt looks (a premium tier is worth less on an easy one). */
  hardness?: number;
  /** minCost..maxCost and minLatency..maxLatency as log scales, computed once per decision (scoringContext). */
  costScale?: LogScale;
  waitScale?: LogScale;
}

/**
 * `balanced` prices waiting at the value of time and adds it to the cost, on an absolute log scale
 * from $0.0001 to $1 per answer (not relative to the other candidates, so an effort choice within
 * one model is judged by what it really costs), plus a premium-tier penalty that fades as prompts
 * get harder: paying Opus prices to answer "thanks!" is what users complain about.
 */
const TIMED_COST_RANGE = { lo: 1e-4, hi: 1 };
/** Output price tiers, USD/MTok: up to $0.5 is the cheapest tier, $75 (Opus 4.1) the dearest. */
const TIER_RANGE = { lo: 0.5, hi: 75 };
const BALANCED = { timed: 0.3, tier: 0.1 };
const TIER_SCALE = logScale(TIER_RANGE.lo, TIER_RANGE.hi);
const TIMED_COST_SPAN = Math.log(TIMED_COST_RANGE.hi / TIMED_COST_RANGE.lo);

export interface Strategy {
  name: StrategyName;
  score(c: ScoringInput, ctx: ScoringContext): number;
  /** `score` written into `out[i]`, the same number without a heap number per call (selection.ts's loops use it when present). */
  scoreInto?(c: ScoringInput, ctx: ScoringContext, out: Float64Array, i: number): void;
}

/**
 * How much each tradeoff weighs normalised cost and waiting against quality. `balanced` prices
 * waiting at the user's value of time and adds it to the cost; `latency` minimises waiting;
 * `quality` still prefers the cheaper and faster of near-equals.
 */
export const TRADEOFF_WEIGHTS: Record<Tradeoff, { quality: number; cost: number; latency: number }> = {
  quality: { quality: 1, cost: 0.03, latency: 0.02 },
  balanced: { quality: 1, cost: 0.25, latency: 0.03 },
  cost: { quality: 1, cost: 0.6, latency: 0.03 },
  latency: { quality: 1, cost: 0.05, latency: 1 },
};

/** Where x sits between lo and hi on a log scale (0..1); values span orders of magnitude. */
export function logPosition(x: number, lo: number, hi: number): number {
  return positionOn(logScale(lo, hi), x);
}

/** A log scale's ends, so that placing each candidate on it takes one logarithm, not three. */
export interface LogScale {
  empty: boolean;
  l: number;
  h: number;
}

export function logScale(lo: number, hi: number): LogScale {
  return { empty: hi <= lo, l: Math.log(Math.max(lo, 1e-9)), h: Math.log(Math.max(hi, 1e-9)) };
}

export function positionOn(s: LogScale, x: number): number {
  if (s.empty) {
    return 0;
  }
  return Math.min(1, Math.max(0, (Math.log(Math.max(x, 1e-9)) - s.l) / (s.h - s.l)));
}

/**
 * Cost on a log scale between the cheapest and dearest candidate (0..1): prices span three orders
 * of magnitude, and a linear scale would make every cheap model look equally free. An unknown
 * price counts as the dearest, never as free.
 */
export function normalisedCost(cost: number | null, ctx: ScoringContext): number {
  if (cost === null) {
    return 1;
  }
  return ctx.costScale ? positionOn(ctx.costScale, cost) : logPosition(cost, ctx.minCost, ctx.maxCost);
}

/** Waiting on a log scale between the fastest and slowest candidate (0..1). */
export function normalisedWait(latencyMs: number, ctx: ScoringContext): number {
  if (ctx.minLatency === undefined) {
    return latencyMs / Math.max(1, ctx.maxLatency);
  }
  return ctx.waitScale ? positionOn(ctx.waitScale, latencyMs) : logPosition(latencyMs, ctx.minLatency, ctx.maxLatency);
}

/** Cost plus the waiting priced at the value of time (USD); null when the price is unknown. */
export function timedCost(c: Pick<ScoringInput, 'costUsd' | 'latencyMs'>, valueOfTimeUsdPerHour: number): number | null {
  return c.costUsd === null ? null : c.costUsd + (c.latencyMs / 3_600_000) * valueOfTimeUsdPerHour;
}

/** One number, reused: a utility passed through it is not a new heap number. */
const UTILITY = new Float64Array(1);

function tradeoffUtility(c: ScoringInput, quality: number, ctx: ScoringContext, w: { quality: number; cost: number; latency: number }): number {
  tradeoffUtilityInto(c, quality, ctx, w, UTILITY, 0);
  return UTILITY[0] as number;
}

/**
 * tradeoffUtility written into `out[i]`: a function that gives back a fractional number makes a new
 * heap number for it when it is not inlined (≈ 32 bytes per option per ranking pass, up to three
 * passes per decision).
 */
function tradeoffUtilityInto(c: ScoringInput, quality: number, ctx: ScoringContext, w: { quality: number; cost: number; latency: number }, out: Float64Array, i: number): void {
  const vot = ctx.valueOfTimeUsdPerHour;
  if (ctx.willingnessToPay !== undefined && ctx.willingnessToPay > 0) {
    // USD per quality point: a model is worth its extra cost (and wait) only if it buys enough quality.
    const cost = c.costUsd === null ? ctx.maxCost * 10 : (timedCost(c, vot ?? 0) ?? 0);
    out[i] = quality - cost / ctx.willingnessToPay;
    return;
  }
  // Quality always counts fully under `quality`; elsewhere only as much as the prompt's stakes.
  const stakes = ctx.tradeoff === 'quality' ? 1 : (ctx.stakes ?? 1);
  const q = w.quality * stakes * quality;
  if (ctx.tradeoff === 'balanced' && vot !== undefined && w === TRADEOFF_WEIGHTS.balanced) {
    const tier = c.outputPerMTok === undefined || c.outputPerMTok === null ? 1 : positionOn(TIER_SCALE, c.outputPerMTok);
    // Not capped above: with a high value of time every slow answer costs over $1, and the slower
    // must still cost more. (timedCost written out: its number-or-null result was a heap number per
    // option per ranking pass.)
    const position = c.costUsd === null ? 1 : Math.max(0, Math.log(Math.max(c.costUsd + (c.latencyMs / 3_600_000) * vot, 1e-12) / TIMED_COST_RANGE.lo) / TIMED_COST_SPAN);
    out[i] = q - BALANCED.timed * position - BALANCED.tier * (1 - (ctx.hardness ?? 0.5)) * tier;
    return;
  }
  out[i] = q - w.cost * normalisedCost(c.costUsd, ctx) - w.latency * normalisedWait(c.latencyMs, ctx);
}

type Factory = (config: StrategyConfig) => Strategy;

export const STRATEGIES: Record<StrategyName, Factory> = {
  learned: () => ({
    name: 'learned',
    score: (c, ctx) => tradeoffUtility(c, c.quality, ctx, TRADEOFF_WEIGHTS[ctx.tradeoff]),
    scoreInto: (c, ctx, out, i) => tradeoffUtilityInto(c, c.quality, ctx, TRADEOFF_WEIGHTS[ctx.tradeoff], out, i),
  }),
  'cost-aggressive': (config) => {
    const floor = config.minQuality ?? 0.6;
    return {
      name: 'cost-aggressive',
      // Any model above the floor beats every model below it; among those, the cheapest wins.
      score: (c, ctx) => (c.quality >= floor ? 1 - normalisedCost(c.costUsd, ctx) : c.quality - 1),
    };
  },
  'quality-first': () => ({
    name: 'quality-first',
    score: (c, ctx) => c.quality - 0.01 * normalisedCost(c.costUsd, ctx),
  }),
  'task-type': () => ({
    name: 'task-type',
    // The catalog's figure for this task type (qualityPrior is the task's category view), ignoring
    // the prompt itself, with a small bonus for the policy's order.
    score: (c, ctx) => {
      const rank = ctx.preference.indexOf(c.model);
      const order = rank < 0 ? 0 : 0.05 * (1 - rank / Math.max(1, ctx.preference.length));
      return tradeoffUtility(c, c.qualityPrior + order, ctx, TRADEOFF_WEIGHTS[ctx.tradeoff]);
    },
  }),
  weighted: (config) => {
    const w = config.weights ?? TRADEOFF_WEIGHTS.balanced;
    if (w.quality + w.cost + w.latency === 0) {
      throw new RouterError('invalidParams', 'strategy "weighted" needs at least one non-zero weight', { strategy: 'weighted' });
    }
    return {
      name: 'weighted',
      score: (c, ctx) => w.quality * c.quality - w.cost * normalisedCost(c.costUsd, ctx) - w.latency * normalisedWait(c.latencyMs, ctx),
    };
  },
  fixed: (config) => {
    const model = config.model;
    if (model === undefined) {
      throw new RouterError('invalidParams', 'strategy "fixed" needs a model', { strategy: 'fixed' });
    }
    return {
      name: 'fixed',
      // Only if the fixed model is filtered out do the others compete, on quality.
      score: (c) => (c.model === model ? 2 : c.quality),
    };
  },
};

/** Builds a strategy from configuration; unknown names and bad settings are typed errors. */
export function createStrategy(config: StrategyConfig | { name: string }): Strategy {
  const name = StrategyName.safeParse(config.name);
  if (!name.success) {
    throw new RouterError('invalidParams', `unknown strategy "${config.name}": use one of ${StrategyName.options.join(', ')}`, { strategy: config.name });
  }
  return STRATEGIES[name.data]({ ...config, name: name.data });
}

export interface Scored<T extends ScoringInput> {
  candidate: T;
  score: number;
}

/** The shared selection: best score first; equal scores go to the cheaper, then the policy's order. */
export function rank<T extends ScoringInput>(strategy: Strategy, candidates: readonly T[], ctx: ScoringContext): Scored<T>[] {
  const scored = candidates.map((candidate) => ({ candidate, score: strategy.score(candidate, ctx) }));
  return scored.sort(
    (a, b) =>
      signOf(b.score - a.score) ||
      signOf((a.candidate.costUsd ?? Number.POSITIVE_INFINITY) - (b.candidate.costUsd ?? Number.POSITIVE_INFINITY)) ||
      prefIndex(ctx.preference, a.candidate.model) - prefIndex(ctx.preference, b.candidate.model),
  );
}

/**
 * -1, 0 or 1 (0 for NaN, as `||` skips it): the sort only reads the comparison's sign, and a small
 * integer is returned as is where a fractional difference was a new heap number per comparison
 * (≈ 500 comparisons per decision).
 */
function signOf(d: number): number {
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

function prefIndex(pref: readonly string[], model: string): number {
  const i = pref.indexOf(model);
  return i < 0 ? pref.length : i;
}
