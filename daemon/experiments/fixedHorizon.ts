// Classical one-look intervals for the difference between an arm and the control. They are
// reported beside the sequential ones because people know them, but they are valid only when
// looked at once, at a sample size fixed in advance: the verdict never uses them.
import { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from './distributions';
import type { MeanSummary, RateSummary } from './summary';

export interface FixedInterval {
  difference: number;
  low: number;
  high: number;
  pValue: number;
}

/** Welch's t interval for mean(b) − mean(a), unequal variances; null below 2 observations per arm. */
export function welch(a: MeanSummary, b: MeanSummary, alpha: number): FixedInterval | null {
  if (a.n < 2 || b.n < 2) {
    return null;
  }
  const va = a.variance / a.n;
  const vb = b.variance / b.n;
  const se = Math.sqrt(va + vb);
  const difference = b.mean - a.mean;
  if (se === 0) {
    return { difference, low: difference, high: difference, pValue: difference === 0 ? 1 : 0 };
  }
  const df = (va + vb) ** 2 / ((va * va) / (a.n - 1) + (vb * vb) / (b.n - 1));
  const t = difference / se;
  const crit = studentTQuantile(1 - alpha / 2, df);
  return { difference, low: difference - crit * se, high: difference + crit * se, pValue: 2 * (1 - studentTCdf(Math.abs(t), df)) };
}

/**
 * Two-proportion z interval for rate(b) − rate(a): the unpooled standard error for the interval,
 * the pooled one for the test's p-value (the standard pairing), each inflated by the arms' design
 * effects when requests were assigned in clusters.
 */
export function twoProportion(a: RateSummary, b: RateSummary, alpha: number): FixedInterval | null {
  if (a.n === 0 || b.n === 0) {
    return null;
  }
  const pa = a.successes / a.n;
  const pb = b.successes / b.n;
  const difference = pb - pa;
  const da = a.designEffect ?? 1;
  const db = b.designEffect ?? 1;
  const se = Math.sqrt((da * pa * (1 - pa)) / a.n + (db * pb * (1 - pb)) / b.n);
  const z = normalQuantile(1 - alpha / 2);
  const pooled = (a.successes + b.successes) / (a.n + b.n);
  const sePooled = Math.sqrt(pooled * (1 - pooled) * (da / a.n + db / b.n));
  const pValue = sePooled === 0 ? (difference === 0 ? 1 : 0) : 2 * (1 - normalCdf(Math.abs(difference) / sePooled));
  return { difference, low: difference - z * se, high: difference + z * se, pValue };
}
