// Simulated request outcomes for statistical validation: skewed (log-normal) costs and
// latencies, rare errors and fallbacks, sparse feedback — the shape real routed traffic has.
import type { RequestOutcome } from '../../../daemon/experiments/observations';
import type { Random } from '../../../daemon/experiments/random';

export interface ArmTruth {
  name: string;
  weight: number;
  meanCostUsd: number;
  meanLatencyMs: number;
  errorRate: number;
  /** Probability that a thumbs-up is given when feedback is given (the "quality"). */
  thumbsUpRate: number;
}

/** σ of log-cost: CV = sqrt(exp(σ²) − 1) ≈ 0.65 at 0.6. */
export const COST_LOG_SD = 0.6;
const LATENCY_LOG_SD = 0.4;
const FEEDBACK_RATE = 0.3;

function logNormal(rng: Random, mean: number, logSd: number): number {
  // mean of exp(N(μ, s²)) is exp(μ + s²/2)
  return Math.exp(Math.log(mean) - (logSd * logSd) / 2 + logSd * rng.normal());
}

export function costSd(mean: number): number {
  return mean * Math.sqrt(Math.exp(COST_LOG_SD * COST_LOG_SD) - 1);
}

export function simulateRequest(rng: Random, arms: readonly ArmTruth[]): RequestOutcome {
  const u = rng.next();
  let cumulative = 0;
  let arm = arms[arms.length - 1] as ArmTruth;
  for (const a of arms) {
    cumulative += a.weight;
    if (u < cumulative) {
      arm = a;
      break;
    }
  }
  const failed = rng.next() < arm.errorRate;
  const latencyMs = logNormal(rng, arm.meanLatencyMs, LATENCY_LOG_SD);
  const gaveFeedback = !failed && rng.next() < FEEDBACK_RATE;
  return {
    arm: arm.name,
    costUsd: failed ? 0 : logNormal(rng, arm.meanCostUsd, COST_LOG_SD),
    latencyMs,
    ttftMs: latencyMs * 0.3,
    status: failed ? 'error' : 'ok',
    fallbackCount: rng.next() < 0.03 ? 1 : 0,
    escalated: rng.next() < 0.05,
    feedback: gaveFeedback ? (rng.next() < arm.thumbsUpRate ? 1 : 0) : null,
    unitFallback: false,
    unit: null,
  };
}
