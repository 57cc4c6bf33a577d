// Running summaries of one metric in one arm: count, mean and variance by Welford's update, so
// results can be computed in one pass over the ledger (and incrementally in simulations).

export interface MeanSummary {
  n: number;
  mean: number;
  /** Unbiased sample variance (n − 1); 0 when n < 2. */
  variance: number;
}

export interface RateSummary {
  n: number;
  successes: number;
  /** Variance inflation from clustered assignment (≥ 1; 1 = independent requests). */
  designEffect?: number;
}

export class MeanAccumulator {
  private count = 0;
  private m = 0;
  private m2 = 0;

  add(x: number): void {
    this.count += 1;
    const delta = x - this.m;
    this.m += delta / this.count;
    this.m2 += delta * (x - this.m);
  }

  summary(): MeanSummary {
    return { n: this.count, mean: this.m, variance: this.count > 1 ? this.m2 / (this.count - 1) : 0 };
  }
}

export class RateAccumulator {
  private count = 0;
  private hits = 0;

  add(success: boolean): void {
    this.count += 1;
    if (success) {
      this.hits += 1;
    }
  }

  summary(): RateSummary {
    return { n: this.count, successes: this.hits };
  }
}

/** The q-quantile (0..1) of sorted values, linear interpolation between order statistics (type 7). */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number | null {
  const n = sorted.length;
  if (n === 0) {
    return null;
  }
  const h = (n - 1) * q;
  const lo = Math.floor(h);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (h - lo) * (b - a);
}

/**
 * The variance of a mean when requests come in clusters (all requests of one session, user or
 * workspace share an arm and are correlated): the delta method for the ratio ΣY / ΣN over
 * clusters (Deng, Knoblich & Lu, "Applying the Delta Method in Metric Analytics", 2018):
 *
 *   Var(μ̂) ≈ K / (ΣN)² · s²,   s² = Σ (Y_c − μ̂ N_c)² / (K − 1)
 *
 * Treating such requests as independent understates the variance and inflates false positives;
 * with one request per cluster this is the usual s²/n. Requests without a unit are their own cluster.
 */
export class ClusteredMoments {
  private readonly open = new Map<string, { n: number; y: number }>();
  private k = 0;
  private n = 0;
  private y = 0;
  private yy = 0;
  private yn = 0;
  private nn = 0;

  add(unit: string | null, value: number): void {
    if (unit === null) {
      this.fold(1, value);
      return;
    }
    const c = this.open.get(unit);
    if (c) {
      c.n += 1;
      c.y += value;
    } else {
      this.open.set(unit, { n: 1, y: value });
    }
  }

  /** Var(μ̂) by the delta method; null with fewer than two clusters. */
  varianceOfMean(): number | null {
    const t = { k: this.k, n: this.n, y: this.y, yy: this.yy, yn: this.yn, nn: this.nn };
    for (const c of this.open.values()) {
      t.k += 1;
      t.n += c.n;
      t.y += c.y;
      t.yy += c.y * c.y;
      t.yn += c.y * c.n;
      t.nn += c.n * c.n;
    }
    if (t.k < 2 || t.n === 0) {
      return null;
    }
    const mu = t.y / t.n;
    const sumSq = Math.max(0, t.yy - 2 * mu * t.yn + mu * mu * t.nn);
    return ((sumSq / (t.k - 1)) * t.k) / (t.n * t.n);
  }

  private fold(n: number, y: number): void {
    this.k += 1;
    this.n += n;
    this.y += y;
    this.yy += y * y;
    this.yn += y * n;
    this.nn += n * n;
  }
}
