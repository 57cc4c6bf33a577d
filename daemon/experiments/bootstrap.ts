// Percentile bootstrap for the difference of a quantile (latency p50/p95) between two arms.
// Quantiles have no simple variance formula; the bootstrap is descriptive here (one look) and is
// never used for a verdict. Seeded so a dashboard shows the same interval on every refresh.
import type { Random } from './random';
import { quantileSorted } from './summary';

const MAX_SAMPLE = 5000;

function resample(values: Float64Array, size: number, rng: Random): Float64Array {
  const out = new Float64Array(size);
  for (let i = 0; i < size; i++) {
    out[i] = values[Math.floor(rng.next() * values.length)] as number;
  }
  return out.sort();
}

/**
 * Interval for quantile_q(b) − quantile_q(a). Resamples are capped at MAX_SAMPLE values per arm
 * (an m-out-of-n bootstrap beyond that, scaled back by sqrt(m/n)) to bound the work per call.
 */
export function bootstrapQuantileDifference(
  a: readonly number[],
  b: readonly number[],
  q: number,
  alpha: number,
  resamples: number,
  rng: Random,
): { difference: number; low: number; high: number } | null {
  if (a.length < 2 || b.length < 2) {
    return null;
  }
  const sa = Float64Array.from(a).sort();
  const sb = Float64Array.from(b).sort();
  const difference = (quantileSorted(sb, q) as number) - (quantileSorted(sa, q) as number);
  const ma = Math.min(sa.length, MAX_SAMPLE);
  const mb = Math.min(sb.length, MAX_SAMPLE);
  // Scale the resampled deviations back when subsampling: the spread shrinks like 1/sqrt(n).
  const scale = Math.sqrt(Math.min(ma / sa.length, mb / sb.length));
  const diffs = new Float64Array(resamples);
  for (let i = 0; i < resamples; i++) {
    const da = quantileSorted(resample(sa, ma, rng), q) as number;
    const db = quantileSorted(resample(sb, mb, rng), q) as number;
    diffs[i] = difference + (db - da - difference) * scale;
  }
  diffs.sort();
  return { difference, low: quantileSorted(diffs, alpha / 2) as number, high: quantileSorted(diffs, 1 - alpha / 2) as number };
}
