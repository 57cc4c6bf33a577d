// Selection over scored candidates: the scoring context a decision's strategy sees, the ranking
// that keeps cost ≤ balanced ≤ quality (each tradeoff's choice is taken among the options at least
// as dear and as good as the choice of the tradeoff below it), and one estimate per model to show.
import type { Tradeoff } from '../protocol/routing';
import type { Policy } from '../protocol/routing-methods';
import type { Estimate } from './candidateEstimate';
import type { RequestFeatures } from './features';
import { stakesOf } from './effort';
import { logScale, rank, type Scored, type ScoringContext, type Strategy } from './strategies';

/** The tradeoff whose choice bounds this one from below: cost ≤ balanced ≤ quality, in cost and in quality. */
const FLOOR_OF: Partial<Record<Tradeoff, Tradeoff>> = { balanced: 'cost', quality: 'balanced' };

export interface ScoringSetup {
  tradeoff: Tradeoff;
  willingnessToPay: number | undefined;
  features: RequestFeatures;
  policy: Policy;
  hardness: number;
  valueOfTimeUsdPerHour: number;
}

/** The context every candidate is scored in: the spread of cost and wait among `options`. */
export function scoringContext(options: Estimate[], s: ScoringSetup): ScoringContext {
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
  const lowCost = anyCost ? minCost : 0;
  const highCost = anyCost ? maxCost : 0;
  const fastest = Math.max(1, Math.min(minLatency, maxLatency));
  return {
    tradeoff: s.tradeoff,
    willingnessToPay: s.willingnessToPay,
    taskType: s.features.taskType,
    minCost: lowCost,
    maxCost: highCost,
    minLatency: fastest,
    maxLatency,
    costScale: logScale(lowCost, highCost),
    waitScale: logScale(fastest, maxLatency),
    preference: s.policy.models,
    stakes: stakesOf(s.hardness),
    valueOfTimeUsdPerHour: s.valueOfTimeUsdPerHour,
    hardness: s.hardness,
  };
}

/** Ranks for `tradeoff`, with its choice bounded below by the choice of the tradeoff beneath it. */
export function chainedRank(strategy: Strategy, options: Estimate[], ctx: ScoringContext, tradeoff: Tradeoff): Scored<Estimate>[] {
  const ranked = rank(strategy, options, { ...ctx, tradeoff });
  const below = FLOOR_OF[tradeoff];
  if (below === undefined) {
    return ranked;
  }
  const floor = chainedBest(strategy, options, ctx, below);
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
function chainedBest(strategy: Strategy, options: Estimate[], ctx: ScoringContext, tradeoff: Tradeoff): Estimate | undefined {
  const below = FLOOR_OF[tradeoff];
  const floor = below === undefined ? undefined : chainedBest(strategy, options, ctx, below);
  const c = { ...ctx, tradeoff };
  let best: Estimate | undefined;
  let bestScore = Number.NEGATIVE_INFINITY;
  let bestAny: Estimate | undefined;
  let bestAnyScore = Number.NEGATIVE_INFINITY;
  for (const o of options) {
    const score = strategy.score(o, c);
    if (beats(o, score, bestAny, bestAnyScore)) {
      bestAny = o;
      bestAnyScore = score;
    }
    const ok = !floor || (o.quality >= floor.quality && (o.costUsd ?? Number.POSITIVE_INFINITY) >= (floor.costUsd ?? Number.POSITIVE_INFINITY));
    if (ok && beats(o, score, best, bestScore)) {
      best = o;
      bestScore = score;
    }
  }
  return best ?? bestAny;
}

/** A higher score wins; on a tie, the cheaper option. (Not a closure: this runs per option per decision.) */
function beats(o: Estimate, score: number, b: Estimate | undefined, bs: number): boolean {
  return score > bs || (score === bs && b !== undefined && (o.costUsd ?? Infinity) < (b.costUsd ?? Infinity));
}

/**
 * One estimate per model for the decision: its best-scoring eligible effort, else why it is out;
 * `chosen` (the option the decision took) ranks first for its model whatever its score.
 */
export function bestPerModel(options: Estimate[], scores: ReadonlyMap<Estimate, number>, chosen?: Estimate): Estimate[] {
  const out = new Map<string, Estimate>();
  const scoreOf = (e: Estimate) => (e === chosen ? Number.POSITIVE_INFINITY : scores.get(e) ?? -Infinity);
  for (const e of options) {
    const prev = out.get(e.model);
    const better = !prev
      || (prev.excluded !== null && e.excluded === null)
      || (prev.excluded === null && e.excluded === null && scoreOf(e) > scoreOf(prev));
    if (better) {
      out.set(e.model, e);
    }
  }
  return [...out.values()];
}

/** The first `limit` models in ranking order, each once, without `except`. */
export function distinctModels(ranked: readonly Scored<Estimate>[], except: string, limit: number): string[] {
  const out: string[] = [];
  for (const r of ranked) {
    if (out.length >= limit) {
      break;
    }
    const id = r.candidate.model;
    if (id !== except && !out.includes(id)) {
      out.push(id);
    }
  }
  return out;
}
