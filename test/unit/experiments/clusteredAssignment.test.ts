// When a whole session (user, workspace) shares an arm, its requests are correlated: a test that
// treats them as independent understates the variance. This A/A validation, over seeded runs,
// shows the cluster-robust (delta-method) variance keeps false positives ≤ α while the naive
// per-request variance does not.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { analyze, emptyAnalysisState, type AnalysisConfig, type AnalysisState } from '../../../daemon/experiments/analysis';
import { ObservationBuilder } from '../../../daemon/experiments/observations';
import { seededRandom, type Random } from '../../../daemon/experiments/random';
import { ClusteredMoments } from '../../../daemon/experiments/summary';

const ALPHA = 0.05;
const SESSIONS = 60;
const BATCH = 40;
const BATCHES = 20;

const config: AnalysisConfig = { arms: [{ name: 'A' }, { name: 'B' }], primaryMetric: 'costPerRequest', guardrails: [], alpha: ALPHA, minSamplesPerArm: 100 };

interface Session {
  id: string;
  arm: 'A' | 'B';
  /** Some sessions ask long questions, some short: a strong per-session cost level. */
  level: number;
}

function run(seed: number, clusterAware: boolean): boolean {
  const rng: Random = seededRandom(seed);
  const sessions: Session[] = Array.from({ length: SESSIONS }, (_, i) => ({ id: `s${i}`, arm: rng.next() < 0.5 ? 'A' : 'B', level: Math.exp(0.8 * rng.normal()) }));
  const builder = new ObservationBuilder([{ name: 'A', weight: 0.5 }, { name: 'B', weight: 0.5 }], { keepLatencies: false });
  let state: AnalysisState = emptyAnalysisState();
  for (let b = 1; b <= BATCHES; b++) {
    for (let i = 0; i < BATCH; i++) {
      const s = sessions[Math.floor(rng.next() * SESSIONS)] as Session;
      builder.add({
        arm: s.arm,
        costUsd: 0.001 * s.level * Math.exp(0.4 * rng.normal()),
        latencyMs: 1000,
        ttftMs: 300,
        status: 'ok',
        fallbackCount: 0,
        escalated: null,
        feedback: null,
        unitFallback: false,
        unit: clusterAware ? s.id : null,
      });
    }
    const r = analyze(config, builder.build(), state, { now: b });
    state = r.state;
    if (r.results.verdict.kind === 'winner') {
      return true;
    }
  }
  return false;
}

test('clustered A/A: cluster-robust variance keeps false positives ≤ α; per-request variance inflates them', () => {
  const RUNS = 300;
  let robust = 0;
  let naive = 0;
  for (let i = 0; i < RUNS; i++) {
    robust += run(9000 + i, true) ? 1 : 0;
    naive += run(9000 + i, false) ? 1 : 0;
  }
  console.log(`clustered A/A over ${RUNS} runs (${SESSIONS} sessions, ~${(BATCH * BATCHES) / SESSIONS} requests each): cluster-robust ${robust / RUNS}, per-request ${naive / RUNS}`);
  assert.ok(robust / RUNS <= ALPHA, `cluster-robust false positives ${robust / RUNS}`);
  assert.ok(naive / RUNS > 2 * ALPHA, `per-request variance should be fooled by clustering, got ${naive / RUNS}`);
});

test('delta-method variance equals s²/n for singleton clusters and grows with within-cluster correlation', () => {
  const rng = seededRandom(5);
  const single = new ClusteredMoments();
  const xs = Array.from({ length: 200 }, () => rng.normal());
  xs.forEach((x) => single.add(null, x));
  const mean = xs.reduce((s, x) => s + x, 0) / xs.length;
  const s2 = xs.reduce((s, x) => s + (x - mean) ** 2, 0) / (xs.length - 1);
  assert.ok(Math.abs((single.varianceOfMean() as number) - s2 / xs.length) < 1e-12);
  const grouped = new ClusteredMoments();
  // 20 clusters of 10 identical values: effectively 20 observations, not 200.
  for (let c = 0; c < 20; c++) {
    const v = rng.normal();
    for (let j = 0; j < 10; j++) {
      grouped.add(`c${c}`, v);
    }
  }
  const ratio = (grouped.varianceOfMean() as number) / (single.varianceOfMean() as number);
  assert.ok(ratio > 5, `design effect ${ratio}`);
});
