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
  // Written by index, its length set once: `length = 0` would drop the array's storage every decision.
  into.length = options.length;
  for (let i = 0; i < options.length; i++) {
    const o = options[i] as Estimate;
    if (strategy.scoreInto) {
      strategy.scoreInto(o, ctx, SCORE, 0);
      o.score = SCORE[0] as number;
    } else {
      o.score = strategy.score(o, ctx);
    }
    o.ranked = true;
    into[i] = o;
  }
  sortPreference = ctx.preference;
  try {
    sortByRank(into);
    return into;
  } finally {
    sortPreference = NO_PREFERENCE;
  }
}

/** sortByRank's buffer, kept between decisions. */
const mergeBuffer: Estimate[] = [];

/**
 * A stable merge sort by byRank: the order Array.prototype.sort (stable) gives, without the copy it
 * makes of the array on every call (≈ 2 KB per decision).
 */
function sortByRank(xs: Estimate[]): void {
  const n = xs.length;
  let from = xs;
  let to = mergeBuffer;
  to.length = Math.max(to.length, n);
  for (let width = 1; width < n; width *= 2) {
    for (let lo = 0; lo < n; lo += 2 * width) {
      const mid = Math.min(lo + width, n);
      const hi = Math.min(lo + 2 * width, n);
      let i = lo;
      let j = mid;
      let k = lo;
      while (i < mid && j < hi) {
        // Ties take the left run's first: stable.
        to[k++] = byRank(from[i] as Estimate, from[j] as Estimate) <= 0 ? from[i++] as Estimate : from[j++] as Estimate;
      }
      while (i < mid) {
        to[k++] = from[i++] as Estimate;
      }
      while (j < hi) {
        to[k++] = from[j++] as Estimate;
      }
    }
    const t = from;
    from = to;
    to = t;
  }
  if (from !== xs) {
    for (let k = 0; k < n; k++) {
      xs[k] = from[k] as Estimate;
    }
  }
}

const NO_PREFERENCE: readonly string[] = [];
/** Where a strategy's scoreInto writes one option's score (read straight back: no heap number per option). */
const SCORE = new Float64Array(1);
/** The policy order the running sort breaks ties by (a module slot, not a closure per sort). */
let sortPreference: readonly string[] = NO_PREFERENCE;

/** rank's order: best score first; equal scores go to the cheaper, then the policy's order. */
function byRank(a: Estimate, b: Estimate): number {
  // strategies.ts's `signOf(x) || signOf(y) || …` written out (a difference of 0 or NaN falls
  // through): a fractional difference passed to a call that is not inlined is a new heap number.
  const d = b.score - a.score;
  if (d > 0) {
    return 1;
  }
  if (d < 0) {
    return -1;
  }
  const c = (a.costUsd ?? Number.POSITIVE_INFINITY) - (b.costUsd ?? Number.POSITIVE_INFINITY);
  if (c > 0) {
    return 1;
  }
  if (c < 0) {
    return -1;
  }
  return prefIndex(sortPreference, a.model) - prefIndex(sortPreference, b.model);
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
    let score: number;
    if (strategy.scoreInto) {
      strategy.scoreInto(o, c, SCORE, 0);
      score = SCORE[0] as number;
    } else {
      score = strategy.score(o, c);
    }
    // beats(), written out: a fractional score passed to a call that is not inlined is a new heap number.
    if (score > bestAnyScore || (score === bestAnyScore && bestAny !== undefined && (o.costUsd ?? Infinity) < (bestAny.costUsd ?? Infinity))) {
      bestAny = o;
      bestAnyScore = score;
    }
    const ok = !floor || (o.quality >= floor.quality && (o.costUsd ?? Number.POSITIVE_INFINITY) >= (floor.costUsd ?? Number.POSITIVE_INFINITY));
    if (ok && (score > bestScore || (score === bestScore && best !== undefined && (o.costUsd ?? Infinity) < (best.costUsd ?? Infinity)))) {
      best = o;
      bestScore = score;
    }
  }
  return best ?? bestAny;
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
