// Percentile bootstrap for the difference of a quantile (latency p50/p95) between two arms.
// Quantiles have no simple variance formula; the bootstrap is descriptive here (one look) and is
// never used for a verdict. Seeded so a dashboard shows the same interval on every refresh.
import type { Random } from './random';
import { quantileSorted } from './summary';

const MAX_SAMPLE = 2000;

function resample(values: Float64Array, size: number, rng: Random): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = values[Math.floor(rng.next() * values.length)] as number;
  }
  return out.sort();
}

/**
 * Intervals for quantile_q(b) − quantile_q(a), for each q, from the same resamples. Resamples are
 * capped at MAX_SAMPLE values per arm (an m-out-of-n bootstrap beyond that, its deviations scaled
 * back by sqrt(m/n)) to bound the work per call.
 */
export function bootstrapQuantileDifferences(
  a: readonly number[],
  b: readonly number[],
  qs: readonly number[],
  alpha: number,
  resamples: number,
  rng: Random,
): ({ difference: number; low: number; high: number } | null)[] {
  if (a.length < 2 || b.length < 2) {
    return qs.map(() => null);
  }
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const differences = qs.map((q) => (quantileSorted(sb, q) as number) - (quantileSorted(sa, q) as number));
  const ma = Math.min(sa.length, MAX_SAMPLE);
  const mb = Math.min(sb.length, MAX_SAMPLE);
  // The spread of a quantile shrinks like 1/sqrt(n): scale subsampled deviations back.
  const scale = Math.sqrt(Math.min(ma / sa.length, mb / sb.length));
  const diffs = qs.map(() => new Float64Array(resamples));
  for (let i = 0; i < resamples; i++) {
    const ra = resample(sa, ma, rng);
    const rb = resample(sb, mb, rng);
    qs.forEach((q, j) => {
      const d = differences[j] as number;
      (diffs[j] as Float64Array)[i] = d + ((quantileSorted(rb, q) as number) - (quantileSorted(ra, q) as number) - d) * scale;
    });
  }
  return qs.map((_, j) => {
    const sorted = (diffs[j] as Float64Array).sort();
    return { difference: differences[j] as number, low: quantileSorted(sorted, alpha / 2) as number, high: quantileSorted(sorted, 1 - alpha / 2) as number };
  });
}

/** One quantile's interval (see bootstrapQuantileDifferences). */
export function bootstrapQuantileDifference(
  a: readonly number[],
  b: readonly number[],
  q: number,
  alpha: number,
  resamples: number,
  rng: Random,
): { difference: number; low: number; high: number } | null {
  return bootstrapQuantileDifferences(a, b, [q], alpha, resamples, rng)[0] ?? null;
}
