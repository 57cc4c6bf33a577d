// The verdict logic on hand-built summaries: which arm wins, when a guardrail overrides a win,
// tolerance, multiple arms, and stickiness.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, emptyAnalysisState, emptyObservations, type AnalysisConfig, type ArmObservations } from '../../../daemon/experiments/analysis';

function arm(name: string, n: number, cost: number, errorRate = 0.02, costSd = cost * 0.5): ArmObservations {
  const o = emptyObservations(name, 0);
  o.requests = n;
  o.means.costPerRequest = { n, mean: cost, variance: costSd * costSd };
  o.rates.errorRate = { n, successes: Math.round(n * errorRate) };
  o.rates.successRate = { n, successes: n - Math.round(n * errorRate) };
  return o;
}

const base: AnalysisConfig = { arms: [{ name: 'A' }, { name: 'B' }, { name: 'C' }], primaryMetric: 'costPerRequest', guardrails: [{ metric: 'errorRate', tolerance: 0 }], alpha: 0.05, minSamplesPerArm: 100 };

test('collecting below the minimum sample size, even with a large difference', () => {
  const r = analyze(base, [arm('A', 99, 0.01), arm('B', 500, 0.001), arm('C', 500, 0.01)], emptyAnalysisState(), { now: 1 });
  assert.equal(r.results.verdict.kind, 'collecting');
  assert.match(r.results.verdict.reason, /A has 99 of the 100/);
});

test('three arms: the significantly cheaper arm wins; a worse one does not block it', () => {
  const r = analyze(base, [arm('A', 2000, 0.01), arm('B', 2000, 0.008), arm('C', 2000, 0.012)], emptyAnalysisState(), { now: 1 });
  assert.equal(r.results.verdict.kind, 'winner');
  assert.equal(r.results.verdict.arm, 'B');
  const c = r.results.comparisons.find((x) => x.arm === 'C' && x.metric === 'costPerRequest');
  assert.equal(c?.significant, true);
  assert.equal(c?.armBetter, false);
});

test('a guardrail breach overrides a win on the primary metric; tolerance allows some harm', () => {
  const breached = analyze({ ...base, arms: [{ name: 'A' }, { name: 'B' }] }, [arm('A', 3000, 0.01, 0.02), arm('B', 3000, 0.008, 0.06)], emptyAnalysisState(), { now: 1 });
  assert.equal(breached.results.verdict.kind, 'guardrailBreached');
  assert.equal(breached.results.verdict.arm, 'B');
  assert.equal(breached.results.verdict.metric, 'errorRate');
  const tolerated = analyze(
    { ...base, arms: [{ name: 'A' }, { name: 'B' }], guardrails: [{ metric: 'errorRate', tolerance: 5 }] },
    [arm('A', 3000, 0.01, 0.02), arm('B', 3000, 0.008, 0.06)],
    emptyAnalysisState(),
    { now: 1 },
  );
  assert.equal(tolerated.results.verdict.kind, 'winner', 'three times the error rate is within a 500% tolerance');
});

test('the control wins when every other arm is significantly worse', () => {
  const r = analyze(base, [arm('A', 2000, 0.008), arm('B', 2000, 0.01), arm('C', 2000, 0.012)], emptyAnalysisState(), { now: 1 });
  assert.equal(r.results.verdict.kind, 'winner');
  assert.equal(r.results.verdict.arm, 'A');
});

test('a reached verdict is sticky: later data that looks less clear does not undo it', () => {
  const two: AnalysisConfig = { ...base, arms: [{ name: 'A' }, { name: 'B' }] };
  const first = analyze(two, [arm('A', 2000, 0.01), arm('B', 2000, 0.008)], emptyAnalysisState(), { now: 10 });
  assert.equal(first.results.verdict.kind, 'winner');
  const later = analyze(two, [arm('A', 2100, 0.01), arm('B', 2100, 0.0099)], first.state, { now: 20 });
  assert.equal(later.results.verdict.kind, 'winner');
  assert.equal(later.results.verdict.reachedAt, 10);
  const fresh = analyze(two, [arm('A', 2100, 0.01), arm('B', 2100, 0.0099)], emptyAnalysisState(), { now: 20 });
  assert.equal(fresh.results.verdict.kind, 'noDifferenceYet');
});

test('Bonferroni: the same data is significant with two arms but may not be with many', () => {
  const data = (k: number) => [arm('A', 400, 0.01), ...Array.from({ length: k }, (_, i) => arm(`T${i}`, 400, i === 0 ? 0.0091 : 0.01))];
  const cfg = (k: number): AnalysisConfig => ({ ...base, guardrails: [], arms: [{ name: 'A' }, ...Array.from({ length: k }, (_, i) => ({ name: `T${i}` }))] });
  const p2 = analyze(cfg(1), data(1), emptyAnalysisState(), { now: 1 }).results.comparisons.find((c) => c.arm === 'T0' && c.metric === 'costPerRequest');
  const p9 = analyze(cfg(9), data(9), emptyAnalysisState(), { now: 1 }).results.comparisons.find((c) => c.arm === 'T0' && c.metric === 'costPerRequest');
  assert.ok(p2?.sequential && p9?.sequential);
  assert.ok(p9.sequential.high - p9.sequential.low > p2.sequential.high - p2.sequential.low, 'intervals widen with more comparisons');
});
