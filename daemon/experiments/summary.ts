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
