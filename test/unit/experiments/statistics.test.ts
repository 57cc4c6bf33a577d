import { test } from 'node:test';
import assert from 'node:assert/strict';
import { normalCdf, normalQuantile, studentTCdf, studentTQuantile } from '../../../daemon/experiments/distributions';
import { welch, twoProportion } from '../../../daemon/experiments/fixedHorizon';
import { msprt, msprtZBoundary } from '../../../daemon/experiments/sequential';
import { MeanAccumulator } from '../../../daemon/experiments/summary';
import { bootstrapQuantileDifference } from '../../../daemon/experiments/bootstrap';
import { seededRandom } from '../../../daemon/experiments/random';
import { samplesPerArmForPower, finalLookPower } from '../../../daemon/experiments/power';

const close = (a: number, b: number, tol: number, what: string) => assert.ok(Math.abs(a - b) <= tol, `${what}: ${a} vs ${b}`);

test('distributions match reference values', () => {
  close(normalCdf(1.959963984540054), 0.975, 1e-12, 'Φ(1.96)');
  close(normalCdf(-5), 2.866515718791939e-7, 1e-15, 'Φ(-5)');
  close(normalQuantile(0.995), 2.5758293035489, 1e-10, 'z.995');
  close(studentTQuantile(0.975, 10), 2.228138851986, 1e-9, 't.975,10');
  close(studentTQuantile(0.975, 1), 12.70620473617, 1e-7, 't.975,1');
  close(studentTCdf(2.015048373, 5), 0.95, 1e-8, 'T5(2.015)');
});

test('Welch matches a hand-computed example', () => {
  // a: n=10, mean 5, var 4; b: n=15, mean 6, var 9 → se = sqrt(0.4 + 0.6) = 1, df = 1 / (0.16/9 + 0.36/14)
  const a = { n: 10, mean: 5, variance: 4 };
  const b = { n: 15, mean: 6, variance: 9 };
  const r = welch(a, b, 0.05);
  assert.ok(r);
  const df = 1 / (0.16 / 9 + 0.36 / 14);
  close(r.high - r.difference, studentTQuantile(0.975, df), 1e-9, 'half-width');
  close(r.pValue, 2 * (1 - studentTCdf(1, df)), 1e-12, 'p');
  const acc = new MeanAccumulator();
  [1, 2, 3, 4, 10].forEach((x) => acc.add(x));
  assert.deepEqual(acc.summary(), { n: 5, mean: 4, variance: 12.5 });
});

test('two-proportion interval and test', () => {
  const r = twoProportion({ n: 1000, successes: 100 }, { n: 1000, successes: 130 }, 0.05);
  assert.ok(r);
  close(r.difference, 0.03, 1e-12, 'diff');
  close(r.high - r.difference, 1.959964 * Math.sqrt(0.09 / 1000 + (0.13 * 0.87) / 1000), 1e-6, 'half-width');
  assert.ok(r.pValue < 0.05 && r.pValue > 0.01, `p ${r.pValue}`);
});

test('mSPRT: the interval is wider than the fixed one, and rejects exactly when 0 leaves it', () => {
  const V = 0.01;
  const tau2 = 0.04;
  const b = msprtZBoundary(V / tau2, 0.05);
  const atBoundary = msprt(b * Math.sqrt(V), V, tau2, 0.05);
  close(atBoundary.pValue, 0.05, 1e-9, 'p at the boundary');
  close(atBoundary.low, 0, 1e-12, 'interval touches 0 at the boundary');
  assert.ok(b > 1.96);
  const none = msprt(0, V, tau2, 0.05);
  assert.equal(none.pValue, 1);
  assert.equal(msprt(0.3, 0, tau2, 0.05).pValue, 0);
});

test('power and sample size agree, and power grows with the effect', () => {
  const n = samplesPerArmForPower(0.3, 0.8, 0.2, 0.05);
  assert.ok(n !== null);
  assert.ok(finalLookPower({ effect: 0.3, looks: [n], mixture: 0.2, alpha: 0.05 }) >= 0.8);
  assert.ok(finalLookPower({ effect: 0.3, looks: [n - 1], mixture: 0.2, alpha: 0.05 }) < 0.8);
  assert.ok(finalLookPower({ effect: 0.5, looks: [n], mixture: 0.2, alpha: 0.05 }) > 0.8);
});

test('bootstrap quantile interval covers a known shift and is reproducible', () => {
  const rng = seededRandom(7);
  const a = Array.from({ length: 800 }, () => 1000 + 100 * rng.normal());
  const b = Array.from({ length: 800 }, () => 1200 + 100 * rng.normal());
  const r1 = bootstrapQuantileDifference(a, b, 0.5, 0.05, 300, seededRandom(1));
  const r2 = bootstrapQuantileDifference(a, b, 0.5, 0.05, 300, seededRandom(1));
  assert.ok(r1 && r2);
  assert.deepEqual(r1, r2);
  assert.ok(r1.low < 200 && r1.high > 200, `${r1.low}..${r1.high}`);
  assert.ok(r1.high - r1.low < 40);
});
