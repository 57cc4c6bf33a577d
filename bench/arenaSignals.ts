// `npx tsx bench/arenaSignals.ts`: does any per-prompt signal the router could compute rank the arena
// prompts by gpt-4-1106-preview's edge over a cheap model (APGR with judge scores; 0.5 = random)?
// Learned ones (similarity-weighted kNN over mean word vectors, ridge regressions over the vector
// and the dense cues) are scored out of fold: 5-fold CV, 5 fold assignments, on the 129 training
// prompts (what a choice may be made on) and on all 176 (less noise). Figures: model card.
import { loadArena, isTest, type BenchRow } from './routingData';
import { apgr } from './routingMetrics';
import { promptVector, EMBEDDING_OFFSET, EMBEDDING_DIMS, BUCKETS, DENSE_NAMES } from '../daemon/routing/promptFeatures';
import { seededRandom } from '../daemon/routing/linearModel';
import { shippedQualityModel } from '../daemon/routing/learnedQuality';
import { extractFeatures } from '../daemon/routing/features';

const BEST = 'gpt-4-1106-preview';
const CHEAP = ['gpt-3.5-turbo-1106', 'gpt-3.5-turbo', 'Mixtral-8x7B-Instruct-v0.1'];
const arena = loadArena();
const train = arena.filter((r) => !isTest(r));
const emb = (r: BenchRow) => {
  const v = promptVector(r.prompt);
  const e = new Float64Array(EMBEDDING_DIMS);
  const d = new Float64Array(DENSE_NAMES.length);
  for (let i = 0; i < v.idx.length; i++) {
    const j = v.idx[i] ?? 0;
    if (j >= EMBEDDING_OFFSET) {e[j - EMBEDDING_OFFSET] = v.val[i] ?? 0;}
    else if (j >= BUCKETS) {d[j - BUCKETS] = v.val[i] ?? 0;}
  }
  return { e, d };
};
const lq = shippedQualityModel();
const feats = new Map(arena.map((r) => [r, { ...emb(r), D: lq.read(extractFeatures({ messages: [{ role: 'user', content: r.prompt }] })).difficulty.d, len: Math.log(r.prompt.length) }]));
const cos = (a: Float64Array, b: Float64Array) => {
  let s = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) { s += (a[i] ?? 0) * (b[i] ?? 0); na += (a[i] ?? 0) ** 2; nb += (b[i] ?? 0) ** 2; }
  return s / Math.sqrt(na * nb + 1e-12);
};
const gap = (r: BenchRow, cheap: string) => (r.outcomes[BEST] ?? 5) - (r.outcomes[cheap] ?? 5);
// the mean gap of other cheap models too (a denoised target)
const meanGap = (r: BenchRow) => CHEAP.reduce((s, c) => s + gap(r, c), 0) / CHEAP.length;

type Scorer = (trainRows: BenchRow[], test: BenchRow) => number;
const knn = (k: number, pow: number): Scorer => (tr, t) => {
  const ft = feats.get(t)!;
  const sims = tr.map((r) => ({ s: cos(ft.e, feats.get(r)!.e), g: meanGap(r) })).sort((a, b) => b.s - a.s).slice(0, k);
  let w = 0, g = 0;
  for (const x of sims) { const wi = Math.max(0, x.s) ** pow + 1e-9; w += wi; g += wi * x.g; }
  return g / w;
};
function ridge(X: number[][], y: number[], lambda: number): number[] {
  const p = X[0]!.length;
  const A = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, j) => (i === j ? lambda : 0)));
  const b = new Array(p).fill(0);
  for (let n = 0; n < X.length; n++) {for (let i = 0; i < p; i++) { b[i] += X[n]![i]! * y[n]!; for (let j = 0; j < p; j++) {A[i]![j]! += X[n]![i]! * X[n]![j]!;} }}
  // gaussian elimination
  for (let i = 0; i < p; i++) {
    const piv = A[i]![i]!;
    for (let j = i + 1; j < p; j++) { const f = A[j]![i]! / piv; for (let k = i; k < p; k++) {A[j]![k]! -= f * A[i]![k]!;} b[j] -= f * b[i]; }
  }
  const w = new Array(p).fill(0);
  for (let i = p - 1; i >= 0; i--) { let s = b[i]; for (let k = i + 1; k < p; k++) {s -= A[i]![k]! * w[k];} w[i] = s / A[i]![i]!; }
  return w;
}
const ridgeOn = (lambda: number, which: 'e' | 'ed'): Scorer => (tr, t) => {
  const x = (r: BenchRow) => { const f = feats.get(r)!; return which === 'e' ? [...f.e] : [...f.e, ...f.d, f.len]; };
  const X = tr.map(x);
  const mu = X[0]!.map((_, j) => X.reduce((s, r) => s + r[j]!, 0) / X.length);
  const sd = X[0]!.map((_, j) => Math.sqrt(X.reduce((s, r) => s + (r[j]! - mu[j]!) ** 2, 0) / X.length) + 1e-6);
  const Z = X.map((r) => r.map((v, j) => (v - mu[j]!) / sd[j]!));
  const y = tr.map(meanGap);
  const ym = y.reduce((a, b) => a + b, 0) / y.length;
  const w = ridge(Z, y.map((v) => v - ym), lambda);
  const z = x(t).map((v, j) => (v - mu[j]!) / sd[j]!);
  return z.reduce((s, v, j) => s + v * w[j]!, 0);
};
const fixed = (f: (r: BenchRow) => number): Scorer => (_tr, t) => f(t);

const scorers: Record<string, Scorer> = {
  D: fixed((r) => feats.get(r)!.D),
  length: fixed((r) => feats.get(r)!.len),
  'knn k=5': knn(5, 1), 'knn k=10': knn(10, 1), 'knn k=20 sim^4': knn(20, 4), 'knn k=40 sim^4': knn(40, 4),
  'ridge vec λ=10': ridgeOn(10, 'e'), 'ridge vec λ=100': ridgeOn(100, 'e'), 'ridge vec+dense λ=100': ridgeOn(100, 'ed'), 'ridge vec+dense λ=1000': ridgeOn(1000, 'ed'),
};
function cvScores(rows: BenchRow[], s: Scorer, folds: number, seed: number): Map<BenchRow, number> {
  const rnd = seededRandom(seed);
  const fold = rows.map(() => Math.floor(rnd() * folds));
  const out = new Map<BenchRow, number>();
  for (let f = 0; f < folds; f++) {
    const tr = rows.filter((_, i) => fold[i] !== f);
    rows.forEach((r, i) => { if (fold[i] === f) {out.set(r, s(tr, r));} });
  }
  return out;
}
for (const [set, rows] of [['train (129)', train], ['all (176)', arena]] as const) {
  console.log(`\n${set}: APGR vs ${CHEAP.join(' / ')}, 5-fold CV, seeds 1..5 mean (min–max)`);
  for (const [name, s] of Object.entries(scorers)) {
    const cells = CHEAP.map((c) => {
      const vals = [1, 2, 3, 4, 5].map((seed) => {
        const sc = cvScores(rows, s, 5, seed);
        const o = rows.filter((r) => typeof r.outcomes[BEST] === 'number' && typeof r.outcomes[c] === 'number').map((r) => ({ strong: r.outcomes[BEST] as number, weak: r.outcomes[c] as number, score: sc.get(r) ?? 0 }));
        return apgr(o);
      });
      const m = vals.reduce((a, b) => a + b, 0) / vals.length;
      return `${m.toFixed(3)} (${Math.min(...vals).toFixed(3)}–${Math.max(...vals).toFixed(3)})`;
    });
    console.log(`  ${name.padEnd(24)} ${cells.join('  ')}`);
  }
}

