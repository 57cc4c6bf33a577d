// From per-arm summaries to comparisons, intervals and a verdict. Pure: the store, the clock and
// the randomness come in as arguments, so simulations drive exactly this code.
//
// Multiple testing: every non-control arm is compared with the control (Bonferroni over the
// K − 1 comparisons); each guardrail gets α / ((K − 1) · G). Significance is sticky: the
// always-valid p-value is a running minimum, so once it crosses it stays crossed.
import type {
  ArmMetricValue,
  ArmResult,
  ExperimentResults,
  Guardrail,
  MetricComparison,
  QuantileComparison,
  TestedMetric,
  Verdict,
} from '../protocol/experiments';
import { bootstrapQuantileDifferences } from './bootstrap';
import { welch, twoProportion } from './fixedHorizon';
import { DIRECTION, MEAN_METRICS, RATE_METRICS, TESTED_METRICS, isMeanMetric, type MeanMetric, type RateMetric } from './metricKinds';
import type { Random } from './random';
import { msprt, DEFAULT_MIXTURE } from './sequential';
import { quantileSorted, type MeanSummary, type RateSummary } from './summary';

export interface ArmObservations {
  arm: string;
  weight: number;
  requests: number;
  unitFallbacks: number;
  unknownCostRequests: number;
  totalCostUsd: number;
  feedbackCount: number;
  means: Record<MeanMetric, MeanSummary>;
  rates: Record<RateMetric, RateSummary>;
  /** Latencies of this arm's requests, for p50/p95 (omit to skip quantiles). */
  latencies?: readonly number[];
}

export interface AnalysisConfig {
  /** The first arm is the control. */
  arms: readonly { name: string }[];
  primaryMetric: TestedMetric;
  guardrails: readonly Guardrail[];
  alpha: number;
  minSamplesPerArm: number;
  /** τ/σ of the mSPRT mixture (standardized effect size). */
  mixture?: number;
}

interface ComparisonState {
  minP: number;
  significantAt: number | null;
  armBetter: boolean | null;
}

/** What must survive between evaluations: sticky significance, breaches and the verdict. */
export interface AnalysisState {
  comparisons: Record<string, ComparisonState>;
  breaches: Record<string, number>;
  verdict: Verdict | null;
}

export function emptyAnalysisState(): AnalysisState {
  return { comparisons: {}, breaches: {}, verdict: null };
}

export interface AnalysisOptions {
  now: number;
  /** For bootstrap quantile intervals; without it quantile intervals are skipped. */
  rng?: Random;
  bootstrapResamples?: number;
}

function armMetricValue(o: ArmObservations, m: TestedMetric): ArmMetricValue {
  if (isMeanMetric(m)) {
    const s = o.means[m];
    return { n: s.n, value: s.n > 0 ? s.mean : null, sd: s.n > 1 ? Math.sqrt(s.variance) : null };
  }
  const r = o.rates[m as RateMetric];
  return { n: r.n, value: r.n > 0 ? r.successes / r.n : null, sd: null };
}

function armResult(o: ArmObservations): ArmResult {
  const metrics = Object.fromEntries(TESTED_METRICS.map((m) => [m, armMetricValue(o, m)])) as Record<TestedMetric, ArmMetricValue>;
  const sorted = o.latencies ? Float64Array.from(o.latencies).sort() : null;
  return {
    arm: o.arm,
    weight: o.weight,
    requests: o.requests,
    unitFallbacks: o.unitFallbacks,
    unknownCostRequests: o.unknownCostRequests,
    totalCostUsd: o.totalCostUsd,
    feedbackCount: o.feedbackCount,
    metrics,
    latencyP50Ms: sorted ? quantileSorted(sorted, 0.5) : null,
    latencyP95Ms: sorted ? quantileSorted(sorted, 0.95) : null,
  };
}

/** The difference, its plug-in variance, τ² and the fixed-horizon interval for one metric. */
function contrast(control: ArmObservations, arm: ArmObservations, m: TestedMetric, alpha: number, mixture: number) {
  if (isMeanMetric(m)) {
    const a = control.means[m];
    const b = arm.means[m];
    const usable = a.n >= 2 && b.n >= 2;
    const variance = usable ? a.variance / a.n + b.variance / b.n : 0;
    const pooledVar = (a.variance + b.variance) / 2;
    return { n: [a.n, b.n] as const, usable, difference: b.mean - a.mean, variance, tau2: mixture * mixture * pooledVar, fixed: welch(a, b, alpha), method: 'welch' as const };
  }
  const a = control.rates[m as RateMetric];
  const b = arm.rates[m as RateMetric];
  const usable = a.n >= 1 && b.n >= 1;
  // Agresti–Caffo pseudo-counts keep the variance positive when a rate is 0 or 1.
  const pa = (a.successes + 1) / (a.n + 2);
  const pb = (b.successes + 1) / (b.n + 2);
  const da = a.designEffect ?? 1;
  const db = b.designEffect ?? 1;
  const variance = usable ? (da * pa * (1 - pa)) / (a.n + 2) + (db * pb * (1 - pb)) / (b.n + 2) : 0;
  const pooled = (a.successes + b.successes + 2) / (a.n + b.n + 4);
  const difference = usable ? b.successes / b.n - a.successes / a.n : 0;
  return { n: [a.n, b.n] as const, usable, difference, variance, tau2: mixture * mixture * pooled * (1 - pooled), fixed: twoProportion(a, b, alpha), method: 'twoProportion' as const };
}

export function analyze(config: AnalysisConfig, observations: readonly ArmObservations[], previous: AnalysisState, options: AnalysisOptions): { results: ExperimentResults; state: AnalysisState } {
  const mixture = config.mixture ?? DEFAULT_MIXTURE;
  const control = observations[0];
  if (control === undefined || observations.length < 2) {
    throw new Error('analysis needs the control and at least one other arm');
  }
  const treatments = observations.slice(1);
  const k = treatments.length;
  const state: AnalysisState = { comparisons: { ...previous.comparisons }, breaches: { ...previous.breaches }, verdict: previous.verdict };
  const guardrailAlpha = config.alpha / (k * Math.max(1, config.guardrails.length));
  const comparisons: MetricComparison[] = [];
  const breachesNow: { arm: string; metric: TestedMetric; at: number }[] = [];

  for (const arm of treatments) {
    for (const m of TESTED_METRICS) {
      const c = contrast(control, arm, m, config.alpha / k, mixture);
      const enoughData = c.n[0] >= config.minSamplesPerArm && c.n[1] >= config.minSamplesPerArm;
      const alphaAdj = config.alpha / k;
      const seq = c.usable ? msprt(c.difference, c.variance, c.tau2, alphaAdj) : null;
      const key = `${arm.arm}|${m}`;
      const prev: ComparisonState = state.comparisons[key] ?? { minP: 1, significantAt: null, armBetter: null };
      let next = prev;
      if (enoughData && seq) {
        next = { ...prev, minP: Math.min(prev.minP, seq.pValue) };
        if (next.significantAt === null && next.minP <= alphaAdj) {
          next.significantAt = options.now;
          next.armBetter = DIRECTION[m] === 'lower' ? c.difference < 0 : c.difference > 0;
        }
        state.comparisons[key] = next;
      }
      const controlValue = armMetricValue(control, m).value;
      const armValue = armMetricValue(arm, m).value;
      comparisons.push({
        metric: m,
        arm: arm.arm,
        control: control.arm,
        direction: DIRECTION[m],
        controlValue,
        armValue,
        difference: c.usable ? c.difference : null,
        relativeDifference: c.usable && controlValue !== null && controlValue !== 0 ? c.difference / Math.abs(controlValue) : null,
        fixed: c.fixed ? { low: c.fixed.low, high: c.fixed.high, pValue: c.fixed.pValue, method: c.method } : null,
        sequential: seq ? { low: seq.low, high: seq.high, pValue: next.minP, method: 'msprt' } : null,
        enoughData,
        significant: next.significantAt !== null,
        armBetter: next.armBetter,
      });

      const guard = config.guardrails.find((g) => g.metric === m);
      if (guard && enoughData && c.usable && controlValue !== null) {
        const g = msprt(c.difference, c.variance, c.tau2, guardrailAlpha);
        const margin = guard.tolerance * Math.abs(controlValue);
        const harmed = DIRECTION[m] === 'lower' ? g.low > margin : g.high < -margin;
        const bkey = `${arm.arm}|${m}`;
        if (harmed && state.breaches[bkey] === undefined) {
          state.breaches[bkey] = options.now;
        }
      }
      const at = state.breaches[`${arm.arm}|${m}`];
      if (guard && at !== undefined) {
        breachesNow.push({ arm: arm.arm, metric: m, at });
      }
    }
  }

  const quantiles = options.rng ? quantileComparisons(control, treatments, config.alpha / k, options.rng, options.bootstrapResamples ?? 400) : [];
  const verdict = decide(config, control, treatments, comparisons, breachesNow, state.verdict, options.now);
  state.verdict = verdict;
  return {
    results: { evaluatedAt: options.now, alpha: config.alpha, arms: observations.map(armResult), comparisons, quantiles, verdict },
    state,
  };
}

function quantileComparisons(control: ArmObservations, treatments: readonly ArmObservations[], alpha: number, rng: Random, resamples: number): QuantileComparison[] {
  const out: QuantileComparison[] = [];
  const names = ['p50', 'p95'] as const;
  for (const arm of treatments) {
    const intervals = control.latencies && arm.latencies ? bootstrapQuantileDifferences(control.latencies, arm.latencies, [0.5, 0.95], alpha, resamples, rng) : [null, null];
    names.forEach((name, j) => {
      const b = intervals[j] ?? null;
      out.push({ quantile: name, arm: arm.arm, control: control.arm, difference: b?.difference ?? null, bootstrap: b ? { low: b.low, high: b.high } : null });
    });
  }
  return out;
}

function pct(x: number | null): string {
  return x === null ? 'n/a' : `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
}

function decide(
  config: AnalysisConfig,
  control: ArmObservations,
  treatments: readonly ArmObservations[],
  comparisons: readonly MetricComparison[],
  breaches: readonly { arm: string; metric: TestedMetric; at: number }[],
  previous: Verdict | null,
  now: number,
): Verdict {
  const m = config.primaryMetric;
  const primary = comparisons.filter((c) => c.metric === m);
  const breached = new Set(breaches.map((b) => b.arm));
  const better = primary.filter((c) => c.significant && c.armBetter === true && !breached.has(c.arm));
  const sign = DIRECTION[m] === 'lower' ? 1 : -1;
  const sticky = (v: Omit<Verdict, 'reachedAt'>): Verdict => ({
    ...v,
    reachedAt: previous && previous.kind === v.kind && previous.arm === v.arm && previous.metric === v.metric && previous.reachedAt !== null ? previous.reachedAt : now,
  });

  if (better.length > 0) {
    const best = [...better].sort((a, b) => sign * ((a.difference ?? 0) - (b.difference ?? 0)))[0] as MetricComparison;
    return sticky({ kind: 'winner', arm: best.arm, metric: m, reason: `${best.arm} beats ${control.arm} on ${m}: ${pct(best.relativeDifference)} (always-valid p = ${best.sequential?.pValue.toPrecision(2) ?? 'n/a'})` });
  }
  if (primary.length > 0 && primary.every((c) => c.significant && c.armBetter === false)) {
    return sticky({ kind: 'winner', arm: control.arm, metric: m, reason: `${control.arm} (control) beats every other arm on ${m}` });
  }
  const first = [...breaches].sort((a, b) => a.at - b.at)[0];
  if (first) {
    const c = comparisons.find((x) => x.arm === first.arm && x.metric === first.metric);
    return sticky({ kind: 'guardrailBreached', arm: first.arm, metric: first.metric, reason: `${first.arm} is worse than ${control.arm} on guardrail ${first.metric}: ${pct(c?.relativeDifference ?? null)}` });
  }
  const short = [control, ...treatments].filter((o) => armMetricValue(o, m).n < config.minSamplesPerArm);
  if (short.length > 0) {
    const list = short.map((o) => `${o.arm} has ${armMetricValue(o, m).n}`).join(', ');
    return { kind: 'collecting', arm: null, metric: m, reason: `collecting: ${list} of the ${config.minSamplesPerArm} observations of ${m} needed per arm`, reachedAt: null };
  }
  return { kind: 'noDifferenceYet', arm: null, metric: m, reason: `no significant difference on ${m} yet`, reachedAt: null };
}

/** Empty summaries for one arm (simulations and arms with no traffic yet). */
export function emptyObservations(arm: string, weight: number): ArmObservations {
  return {
    arm,
    weight,
    requests: 0,
    unitFallbacks: 0,
    unknownCostRequests: 0,
    totalCostUsd: 0,
    feedbackCount: 0,
    means: Object.fromEntries(MEAN_METRICS.map((m) => [m, { n: 0, mean: 0, variance: 0 }])) as Record<MeanMetric, MeanSummary>,
    rates: Object.fromEntries(RATE_METRICS.map((m) => [m, { n: 0, successes: 0 }])) as Record<RateMetric, RateSummary>,
  };
}
