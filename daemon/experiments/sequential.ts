// The mixture sequential probability ratio test (mSPRT) of Johari, Koomen, Pekelis and Walsh,
// "Always Valid Inference" (2017/2022). The estimated difference Δ̂ between two arms, with
// variance V, is compared with H0: θ = 0 by mixing the alternatives over θ ~ N(0, τ²):
//
//   Λ = sqrt(V / (V + τ²)) · exp(τ² Δ̂² / (2 V (V + τ²)))
//
// Λ is a martingale under H0, so by Ville's inequality P(Λ ever ≥ 1/α) ≤ α: the p-value
// p = min over looks of 1/Λ stays valid however often, and whenever, anyone looks. Inverting it
// gives a confidence sequence. V is the plug-in variance, which is why no verdict is given
// before a minimum sample size (the large-sample regime the paper's guarantee is stated in).

export interface SequentialInterval {
  difference: number;
  low: number;
  high: number;
  /** 1/Λ at this look, capped at 1. The always-valid p-value is the running minimum of these. */
  pValue: number;
}

/**
 * τ² is set as (mixture · σ)², σ the pooled standard deviation of one observation: the mixture
 * is a standardized effect size (Cohen's d) around which the test is most powerful.
 */
export const DEFAULT_MIXTURE = 0.2;

export function msprt(difference: number, variance: number, tau2: number, alpha: number): SequentialInterval {
  if (!(variance > 0) || !(tau2 > 0)) {
    // No spread at all: either the arms are identical or they differ with certainty.
    return { difference, low: difference, high: difference, pValue: difference === 0 ? 1 : 0 };
  }
  const logLambda = 0.5 * Math.log(variance / (variance + tau2)) + (tau2 * difference * difference) / (2 * variance * (variance + tau2));
  const halfWidth = Math.sqrt(((variance * (variance + tau2)) / tau2) * (Math.log((variance + tau2) / variance) + 2 * Math.log(1 / alpha)));
  return { difference, low: difference - halfWidth, high: difference + halfWidth, pValue: Math.min(1, Math.exp(-logLambda)) };
}

/** |Z| above which Λ ≥ 1/α, for a look where V/τ² = ratio (the boundary in z-units). */
export function msprtZBoundary(varianceOverTau2: number, alpha: number): number {
  const r = varianceOverTau2;
  return Math.sqrt((1 + r) * (2 * Math.log(1 / alpha) + Math.log(1 + 1 / r)));
}
