// Strategies: each is one scoring function over the candidates' estimates; selection (highest
// score, ties to the cheaper model) is shared, as RouteLLM separates routers from thresholds.
// They are registered in one table, and a bad configuration is a typed error, never a fallback.
import { RouterError } from '../protocol/errors';
import type { Tradeoff, TaskType } from '../protocol/routing';
import { StrategyName, type StrategyConfig } from '../protocol/routing-methods';

export interface ScoringInput {
  model: string;
  provider: string;
  /** Predicted quality of this model's answer to this prompt, 0..1. */
  quality: number;
  /** The catalog's prompt-independent prior. */
  qualityPrior: number;
  costUsd: number | null;
  latencyMs: number;
}

export interface ScoringContext {
  tradeoff: Tradeoff;
  willingnessToPay: number | undefined;
  taskType: TaskType;
  /** Cheapest and dearest known cost among the candidates (for log-scale normalisation). */
  minCost: number;
  maxCost: number;
  maxLatency: number;
  /** The policy's ordered model list (empty: no order). */
  preference: readonly string[];
}

export interface Strategy {
  name: StrategyName;
  score(c: ScoringInput, ctx: ScoringContext): number;
}

/** How much each tradeoff weighs normalised cost and latency against one point of quality. */
export const TRADEOFF_WEIGHTS: Record<Tradeoff, { quality: number; cost: number; latency: number }> = {
  quality: { quality: 1, cost: 0.02, latency: 0.01 },
  balanced: { quality: 1, cost: 0.25, latency: 0.03 },
  cost: { quality: 1, cost: 0.6, latency: 0.02 },
  latency: { quality: 1, cost: 0.05, latency: 0.4 },
};

/**
 * Cost on a log scale between the cheapest and dearest candidate (0..1): prices span three orders
 * of magnitude, and a linear scale would make every cheap model look equally free. An unknown
 * price counts as the dearest, never as free.
 */
export function normalisedCost(cost: number | null, ctx: ScoringContext): number {
  if (cost === null) {
    return 1;
  }
  if (ctx.maxCost <= ctx.minCost) {
    return 0;
  }
  const lo = Math.log(Math.max(ctx.minCost, 1e-9));
  const hi = Math.log(Math.max(ctx.maxCost, 1e-9));
  return Math.min(1, Math.max(0, (Math.log(Math.max(cost, 1e-9)) - lo) / (hi - lo)));
}

function tradeoffUtility(c: ScoringInput, quality: number, ctx: ScoringContext, w: { quality: number; cost: number; latency: number }): number {
  if (ctx.willingnessToPay !== undefined && ctx.willingnessToPay > 0) {
    // USD per quality point: a model is worth its extra cost only if it buys enough quality.
    return quality - (c.costUsd ?? ctx.maxCost * 10) / ctx.willingnessToPay;
  }
  return w.quality * quality - w.cost * normalisedCost(c.costUsd, ctx) - w.latency * (c.latencyMs / Math.max(1, ctx.maxLatency));
}

/** Task type → model families that do it well (public leaderboards); a bonus on the prior. */
const TASK_AFFINITY: Partial<Record<TaskType, RegExp>> = {
  code: /claude-(sonnet|opus)|gpt-4\.1|o4-mini|deepseek|gemini-2\.5-pro/,
  math: /o4-mini|deepseek-reasoner|gemini-2\.5|claude-opus|grok-3/,
  analysis: /claude-(opus|sonnet)|gemini-2\.5-pro|gpt-4\.1$|o4-mini/,
  creative: /claude|gpt-4o$|gpt-4\.1$/,
  extraction: /mini|flash|haiku|nano|small/,
  simple: /mini|flash|haiku|nano|small|instant/,
};

type Factory = (config: StrategyConfig) => Strategy;

export const STRATEGIES: Record<StrategyName, Factory> = {
  learned: () => ({
    name: 'learned',
    score: (c, ctx) => tradeoffUtility(c, c.quality, ctx, TRADEOFF_WEIGHTS[ctx.tradeoff]),
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
    score: (c, ctx) => {
      const affinity = TASK_AFFINITY[ctx.taskType];
      const bonus = affinity?.test(c.model) ? 0.15 : 0;
      const rank = ctx.preference.indexOf(c.model);
      const order = rank < 0 ? 0 : 0.05 * (1 - rank / Math.max(1, ctx.preference.length));
      return tradeoffUtility(c, c.qualityPrior + bonus + order, ctx, TRADEOFF_WEIGHTS[ctx.tradeoff]);
    },
  }),
  weighted: (config) => {
    const w = config.weights ?? TRADEOFF_WEIGHTS.balanced;
    if (w.quality + w.cost + w.latency === 0) {
      throw new RouterError('invalidParams', 'strategy "weighted" needs at least one non-zero weight', { strategy: 'weighted' });
    }
    return {
      name: 'weighted',
      score: (c, ctx) => w.quality * c.quality - w.cost * normalisedCost(c.costUsd, ctx) - w.latency * (c.latencyMs / Math.max(1, ctx.maxLatency)),
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
      b.score - a.score ||
      (a.candidate.costUsd ?? Number.POSITIVE_INFINITY) - (b.candidate.costUsd ?? Number.POSITIVE_INFINITY) ||
      prefIndex(ctx.preference, a.candidate.model) - prefIndex(ctx.preference, b.candidate.model),
  );
}

function prefIndex(pref: readonly string[], model: string): number {
  const i = pref.indexOf(model);
  return i < 0 ? pref.length : i;
}
