// The multi-model arena set: route each prompt to argmax(predicted quality − λ·cost) over the
// priced models and trace realised mean judge score against realised cost as λ sweeps. Models
// without a public price are left out of the cost curve (an unknown price is not $0).
import type { BenchRow } from './routingData';
import type { PromptReading } from '../daemon/routing/learnedQuality';

export interface Price {
  in: number;
  out: number;
}

export interface CurvePoint {
  lambda: number;
  meanScore: number;
  costUsd: number;
  /** Share of prompts each model answered. */
  mix: Record<string, number>;
}

export interface ArenaModelStats {
  prior: Map<string, number>;
  meanOut: Map<string, number>;
}

export function scoreOf(row: BenchRow, model: string, fallback: number): number {
  const v = row.outcomes[model];
  // A judgment the judge's output could not be parsed for counts as the model's average.
  return v === null || v === undefined ? fallback : v;
}

export function modelStats(rows: readonly BenchRow[], models: readonly string[]): ArenaModelStats {
  const prior = new Map<string, number>();
  const meanOut = new Map<string, number>();
  for (const m of models) {
    const scores = rows.map((r) => r.outcomes[m]).filter((v): v is number => typeof v === 'number');
    prior.set(m, scores.length ? scores.reduce((s, v) => s + v, 0) / scores.length / 10 : 0.5);
    const outs = rows.map((r) => r.output_tokens_est?.[m]).filter((v): v is number => typeof v === 'number');
    meanOut.set(m, outs.length ? outs.reduce((s, v) => s + v, 0) / outs.length : 400);
  }
  return { prior, meanOut };
}

export function realisedCost(row: BenchRow, model: string, price: Price): number {
  return ((row.prompt_tokens_est ?? 0) * price.in + (row.output_tokens_est?.[model] ?? 0) * price.out) / 1e6;
}

/** Per prompt: what the quality model read from it and which stats (from prompts other than it) apply. */
export interface ArenaCase {
  row: BenchRow;
  reading: PromptReading;
  stats: ArenaModelStats;
}

/** Predicted quality of `model` for this case's prompt. */
export type QualityFn = (c: ArenaCase, model: string) => number;

export function routeCurve(cases: readonly ArenaCase[], prices: ReadonlyMap<string, Price>, quality: QualityFn, lambdas: readonly number[]): CurvePoint[] {
  const models = [...prices.keys()];
  return lambdas.map((lambda) => {
    let score = 0;
    let cost = 0;
    const mix: Record<string, number> = {};
    for (const c of cases) {
      let best = '';
      let bestU = Number.NEGATIVE_INFINITY;
      for (const m of models) {
        const p = prices.get(m);
        if (!p) {
          continue;
        }
        const predCost = ((c.row.prompt_tokens_est ?? 0) * p.in + (c.stats.meanOut.get(m) ?? 400) * p.out) / 1e6;
        const u = quality(c, m) - lambda * predCost;
        if (u > bestU) {
          bestU = u;
          best = m;
        }
      }
      const p = prices.get(best);
      score += scoreOf(c.row, best, (c.stats.prior.get(best) ?? 0.5) * 10);
      cost += p ? realisedCost(c.row, best, p) : 0;
      mix[best] = (mix[best] ?? 0) + 1 / cases.length;
    }
    return { lambda, meanScore: score / cases.length, costUsd: cost, mix };
  });
}

/**
 * The other selection rule: per prompt, the cheapest model (by predicted cost) whose predicted
 * quality reaches the threshold, else the best predicted. Sweeping the threshold traces a curve
 * (its `lambda` field holds the threshold).
 */
export function thresholdCurve(cases: readonly ArenaCase[], prices: ReadonlyMap<string, Price>, quality: QualityFn): CurvePoint[] {
  const models = [...prices.keys()];
  const out: CurvePoint[] = [];
  for (let t = 0; t <= 1.0001; t += 0.005) {
    let score = 0;
    let cost = 0;
    const mix: Record<string, number> = {};
    for (const c of cases) {
      let pick = '';
      let pickCost = Number.POSITIVE_INFINITY;
      let top = '';
      let topQ = Number.NEGATIVE_INFINITY;
      for (const m of models) {
        const p = prices.get(m);
        if (!p) {
          continue;
        }
        const q = quality(c, m);
        const predCost = ((c.row.prompt_tokens_est ?? 0) * p.in + (c.stats.meanOut.get(m) ?? 400) * p.out) / 1e6;
        if (q >= t && predCost < pickCost) {
          pick = m;
          pickCost = predCost;
        }
        if (q > topQ) {
          top = m;
          topQ = q;
        }
      }
      const best = pick || top;
      const p = prices.get(best);
      score += scoreOf(c.row, best, (c.stats.prior.get(best) ?? 0.5) * 10);
      cost += p ? realisedCost(c.row, best, p) : 0;
      mix[best] = (mix[best] ?? 0) + 1 / cases.length;
    }
    out.push({ lambda: t, meanScore: score / cases.length, costUsd: cost, mix });
  }
  return out;
}

export interface SingleModel {
  model: string;
  meanScore: number;
  costUsd: number;
}

export function singleModels(rows: readonly BenchRow[], prices: ReadonlyMap<string, Price>): SingleModel[] {
  const all = modelStats(rows, [...prices.keys()]);
  return [...prices.entries()]
    .map(([m, p]) => ({
      model: m,
      meanScore: rows.reduce((s, r) => s + scoreOf(r, m, (all.prior.get(m) ?? 0.5) * 10), 0) / rows.length,
      costUsd: rows.reduce((s, r) => s + realisedCost(r, m, p), 0),
    }))
    .sort((a, b) => b.meanScore - a.meanScore);
}

/** Per prompt the cheapest priced model with the top score (RouterBench's oracle). */
export function oracle(rows: readonly BenchRow[], prices: ReadonlyMap<string, Price>): { meanScore: number; costUsd: number } {
  let score = 0;
  let cost = 0;
  for (const r of rows) {
    let best: { s: number; c: number } | null = null;
    for (const [m, p] of prices) {
      const s = r.outcomes[m];
      if (typeof s !== 'number') {
        continue;
      }
      const c = realisedCost(r, m, p);
      if (!best || s > best.s || (s === best.s && c < best.c)) {
        best = { s, c };
      }
    }
    score += best?.s ?? 0;
    cost += best?.c ?? 0;
  }
  return { meanScore: score / rows.length, costUsd: cost };
}

/** Per prompt the cheapest priced model scoring at least the reference model's score there. */
export function oracleMatching(rows: readonly BenchRow[], prices: ReadonlyMap<string, Price>, reference: string): { meanScore: number; costUsd: number } {
  let score = 0;
  let cost = 0;
  for (const r of rows) {
    const ref = r.outcomes[reference];
    let best: { s: number; c: number } | null = null;
    for (const [m, p] of prices) {
      const s = r.outcomes[m];
      if (typeof s !== 'number' || (typeof ref === 'number' && s < ref)) {
        continue;
      }
      const c = realisedCost(r, m, p);
      if (!best || c < best.c) {
        best = { s, c };
      }
    }
    score += best?.s ?? (typeof ref === 'number' ? ref : 0);
    cost += best?.c ?? 0;
  }
  return { meanScore: score / rows.length, costUsd: cost };
}

/** The oracle's cost–quality curve: knowing every score, per prompt argmax(score − λ·cost). */
export function oracleTradeoffCurve(rows: readonly BenchRow[], prices: ReadonlyMap<string, Price>): { meanScore: number; costUsd: number }[] {
  const out: { meanScore: number; costUsd: number }[] = [];
  for (let e = -1; e <= 5; e += 0.05) {
    const lambda = 10 ** e;
    let score = 0;
    let cost = 0;
    for (const r of rows) {
      let best: { s: number; c: number; u: number } | null = null;
      for (const [m, p] of prices) {
        const s = r.outcomes[m];
        if (typeof s !== 'number') {
          continue;
        }
        const c = realisedCost(r, m, p);
        const u = s - lambda * c;
        if (!best || u > best.u) {
          best = { s, c, u };
        }
      }
      score += best?.s ?? 0;
      cost += best?.c ?? 0;
    }
    out.push({ meanScore: score / rows.length, costUsd: cost });
  }
  return out;
}

/** Cheapest point reaching `target`: directly on the curve, and on its upper convex hull (mixing two routers). */
export function costToReach(points: readonly { meanScore: number; costUsd: number }[], target: number): { direct: number | null; hull: number | null } {
  const direct = points.filter((p) => p.meanScore >= target).reduce<number | null>((m, p) => (m === null || p.costUsd < m ? p.costUsd : m), null);
  let hull: number | null = direct;
  for (const a of points) {
    for (const b of points) {
      if (a.meanScore < target && b.meanScore >= target && b.costUsd > a.costUsd) {
        const t = (target - a.meanScore) / (b.meanScore - a.meanScore);
        const c = a.costUsd + t * (b.costUsd - a.costUsd);
        if (hull === null || c < hull) {
          hull = c;
        }
      }
    }
  }
  return { direct, hull };
}

export function lambdaGrid(): number[] {
  const out = [0];
  for (let e = -1; e <= 5; e += 0.125) {
    out.push(10 ** e);
  }
  return out;
}
