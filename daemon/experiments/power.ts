// What the design predicts: the probability that the mSPRT declares a difference by a given
// sample size, for a true standardized effect d. Used to choose sample sizes and, in tests, as
// the prediction that simulated traffic is checked against.
import { normalCdf } from './distributions';
import { seededRandom } from './random';
import { msprtZBoundary } from './sequential';

export interface PowerDesign {
  /** True difference / σ of one observation (σ equal in both arms). */
  effect: number;
  /** Per-arm sample size at each look, increasing. */
  looks: readonly number[];
  /** Mixture scale τ/σ of the mSPRT. */
  mixture: number;
  alpha: number;
}

/** Power of the last look alone: a lower bound on the sequential power (earlier crossings only add). */
export function finalLookPower(design: PowerDesign): number {
  const n = design.looks[design.looks.length - 1];
  if (n === undefined) {
    return 0;
  }
  const r = 2 / n / (design.mixture * design.mixture);
  const b = msprtZBoundary(r, design.alpha);
  const shift = design.effect * Math.sqrt(n / 2);
  return 1 - normalCdf(b - shift) + normalCdf(-b - shift);
}

/**
 * Sequential power: the chance that the z-process crosses the mSPRT boundary at any look,
 * computed by simulating its Gaussian increments directly (equal arms, known σ = 1): the
 * sufficient statistics only, so 20 000 paths take milliseconds.
 */
export function sequentialPower(design: PowerDesign, paths = 20_000, seed = 12345): number {
  const rng = seededRandom(seed);
  const bounds = design.looks.map((n) => msprtZBoundary(2 / n / (design.mixture * design.mixture), design.alpha));
  let crossed = 0;
  for (let p = 0; p < paths; p++) {
    // sum of per-pair differences; each pair difference ~ N(d, 2)
    let sum = 0;
    let prev = 0;
    for (let j = 0; j < design.looks.length; j++) {
      const n = design.looks[j] as number;
      const m = n - prev;
      prev = n;
      sum += design.effect * m + Math.sqrt(2 * m) * rng.normal();
      const z = sum / n / Math.sqrt(2 / n);
      if (Math.abs(z) >= (bounds[j] as number)) {
        crossed += 1;
        break;
      }
    }
  }
  return crossed / paths;
}

/** The smallest per-arm sample size at which a single final look has the wanted power (sequential power is at least this). */
export function samplesPerArmForPower(effect: number, power: number, mixture: number, alpha: number, max = 10_000_000): number | null {
  let lo = 2;
  let hi = 2;
  while (finalLookPower({ effect, looks: [hi], mixture, alpha }) < power) {
    hi *= 2;
    if (hi > max) {
      return null;
    }
  }
  while (lo < hi) {
    const mid = Math.floor((lo + hi) / 2);
    if (finalLookPower({ effect, looks: [mid], mixture, alpha }) >= power) {
      hi = mid;
    } else {
      lo = mid + 1;
    }
  }
  return lo;
}
