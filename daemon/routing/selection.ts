// Selection over scored candidates: the scoring context a decision's strategy sees, the ranking
// that keeps cost ≤ balanced ≤ quality (each tradeoff's choice is taken among the options at least
// as dear and as good as the choice of the tradeoff below it), and one estimate per model to show.
import type { Tradeoff } from '../protocol/routing';
import type { Policy } from '../protocol/routing-methods';
import type { Estimate } from './candidateEstimate';
import type { RequestFeatures } from './features';
import { stakesOf } from './effort';
import { logScale, type ScoringContext, type Strategy } from './strategies';

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

/**
 * strategies.ts's `rank` for estimates, without a `Scored` object per option: each option's score
 * is written into it (`score`, `ranked`) and `into` is filled and sorted, same order as `rank`.
 */
export function rankEstimates(strategy: Strategy, options: readonly Estimate[], ctx: ScoringContext, into: Estimate[]): Estimate[] {
  into.length = 0;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as Estimate;
    o.score = strategy.score(o, ctx);
    o.ranked = true;
    into.push(o);
  }
  sortPreference = ctx.preference;
  try {
    return into.sort(byRank);
  } finally {
    sortPreference = NO_PREFERENCE;
  }
}

const NO_PREFERENCE: readonly string[] = [];
/** The policy order the running sort breaks ties by (a module slot, not a closure per sort). */
let sortPreference: readonly string[] = NO_PREFERENCE;

/** rank's order: best score first; equal scores go to the cheaper, then the policy's order. */
function byRank(a: Estimate, b: Estimate): number {
  return signOf(b.score - a.score) ||
    signOf((a.costUsd ?? Number.POSITIVE_INFINITY) - (b.costUsd ?? Number.POSITIVE_INFINITY)) ||
    prefIndex(sortPreference, a.model) - prefIndex(sortPreference, b.model);
}

function signOf(d: number): number {
  return d > 0 ? 1 : d < 0 ? -1 : 0;
}

function prefIndex(pref: readonly string[], model: string): number {
  const i = pref.indexOf(model);
  return i < 0 ? pref.length : i;
}

/** Ranks for `tradeoff` (into `into`), with its choice bounded below by the choice of the tradeoff beneath it. */
export function chainedRank(strategy: Strategy, options: Estimate[], ctx: ScoringContext, tradeoff: Tradeoff, into: Estimate[]): Estimate[] {
  const ranked = rankEstimates(strategy, options, ctx.tradeoff === tradeoff ? ctx : { ...ctx, tradeoff }, into);
  const below = FLOOR_OF[tradeoff];
  if (below === undefined) {
    return ranked;
  }
  const floor = chainedBest(strategy, options, ctx, below);
  if (!floor) {
    return ranked;
  }
  const floorCost = floor.costUsd ?? Number.POSITIVE_INFINITY;
  let i = -1;
  for (let k = 0; k < ranked.length; k++) {
    const r = ranked[k] as Estimate;
    if (r.quality >= floor.quality && (r.costUsd ?? Number.POSITIVE_INFINITY) >= floorCost) {
      i = k;
      break;
    }
  }
  if (i <= 0) {
    return ranked;
  }
  // The floor's choice moves to the front; the rest keep their order.
  const first = ranked[i] as Estimate;
  ranked.copyWithin(1, 0, i);
  ranked[0] = first;
  return ranked;
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
 * One estimate per model for the decision, in the order models first appear: its best-scoring
 * eligible effort, else why it is out; `chosen` (the option the decision took) ranks first for its
 * model whatever its score. `useScores` false: scores are ignored (every eligible option ties).
 */
export function bestPerModel(options: readonly Estimate[], useScores: boolean, chosen?: Estimate): Estimate[] {
  const out: Estimate[] = [];
  for (let i = 0; i < options.length; i++) {
    const e = options[i] as Estimate;
    // A model's options are usually next to each other: look at the last model first.
    let at = out.length - 1;
    if (at >= 0 && (out[at] as Estimate).model !== e.model) {
      at = indexOfModel(out, e.model);
    }
    const prev = at >= 0 ? out[at] : undefined;
    if (prev === undefined) {
      out.push(e);
      continue;
    }
    const better = (prev.excluded !== null && e.excluded === null)
      || (prev.excluded === null && e.excluded === null && scoreOf(e, useScores, chosen) > scoreOf(prev, useScores, chosen));
    if (better) {
      out[at] = e;
    }
  }
  return out;
}

function indexOfModel(xs: readonly Estimate[], model: string): number {
  for (let i = 0; i < xs.length; i++) {
    if ((xs[i] as Estimate).model === model) {
      return i;
    }
  }
  return -1;
}

function scoreOf(e: Estimate, useScores: boolean, chosen: Estimate | undefined): number {
  return e === chosen ? Number.POSITIVE_INFINITY : useScores && e.ranked ? e.score : -Infinity;
}

/** The first `limit` models in ranking order, each once, without `except`. */
export function distinctModels(ranked: readonly Estimate[], except: string, limit: number): string[] {
  const out: string[] = [];
  for (const r of ranked) {
    if (out.length >= limit) {
      break;
    }
    const id = r.model;
    if (id !== except && !out.includes(id)) {
      out.push(id);
    }
  }
  return out;
}
