// `npx tsx bench/arenaEdgeSearch.ts`: an "arena edge" tried for the arena cost target and NOT
// shipped (model card, "This revision"). A ridge regression over the prompt's dense cues and mean
// word vector of the judged gap between gpt-4-1106-preview and cheap models (the arena training
// prompts' GPT-4 judge scores), standardised to E; each model's quality (after online learning)
// then has its logit distance from a centre scaled by exp(κ_E·E), so gaps widen where the cheap
// models are predicted to fall behind and narrow where not. Centre, ridge strength and κ_E are
// chosen by 5-fold CV on the arena TRAINING prompts (3 fold assignments; online learning from the
// other folds, as in train:router's arena search). The same search is then run with the prompts'
// features shuffled among the training prompts (outcomes stay with their prompt): what that placebo
// reaches is what the hull-at-95% measure gives spread alone. Last, the chosen recipe on the
// held-out prompts, and how E ranks them. ≈ 15 s of one core.
import { loadArena, loadPrices, isTest, type BenchRow } from './routingData';
import { benchModels, casesFor, learnFromOutcomes, pricedArena, type BenchModel } from './arenaCatalog';
import { costToReach, lambdaGrid, routeCurve, singleModels, thresholdCurve, type ArenaCase, type Price } from './arenaEval';
import { apgr } from './routingMetrics';
import { denseBlock, DENSE_BLOCK, shippedQualityModel, type LearnedQuality } from '../daemon/routing/learnedQuality';
import { promptVector } from '../daemon/routing/promptFeatures';
import { seededRandom } from '../daemon/routing/linearModel';
import { stableUnit } from '../daemon/routing/rules';

const BEST = 'gpt-4-1106-preview';
const CHEAP = ['gpt-3.5-turbo-1106', 'gpt-3.5-turbo', 'Mixtral-8x7B-Instruct-v0.1'] as const;
const MAX_EDGE = 2.5;
const LAMBDAS = [100, 1000];
const KAPPAS = [0.1, 0.2, 0.4, 0.8, 1.6];
const CENTRES = [0.5, 0.75];
const FOLD_SEEDS = [1, 2, 3];
const PLACEBO_SEEDS = [11, 12, 13];
const FOLDS = 5;

interface Edge {
  weights: Float64Array;
  bias: number;
}
type Dense = (r: BenchRow) => Float64Array;

/** gpt-4-1106-preview's judged score minus the cheap models' mean (1–10 scale); null when one is missing. */
function judgedGap(row: BenchRow): number | null {
  const best = row.outcomes[BEST];
  const cheap = CHEAP.map((m) => row.outcomes[m]);
  if (typeof best !== 'number' || cheap.some((v) => typeof v !== 'number')) {
    return null;
  }
  return best - (cheap as number[]).reduce((s, v) => s + v, 0) / cheap.length;
}

/** Ridge on standardised inputs, closed form; the output standardised over the rows and folded into the weights. */
function fitEdge(rows: readonly BenchRow[], dense: Dense, lambda: number): Edge {
  const data = rows.flatMap((r) => {
    const y = judgedGap(r);
    return y === null ? [] : [{ x: dense(r), y }];
  });
  const n = data.length;
  const mu = new Float64Array(DENSE_BLOCK);
  const sd = new Float64Array(DENSE_BLOCK);
  for (const d of data) {
    d.x.forEach((v, j) => (mu[j] = (mu[j] as number) + v / n));
  }
  for (const d of data) {
    d.x.forEach((v, j) => (sd[j] = (sd[j] as number) + (v - (mu[j] as number)) ** 2 / n));
  }
  const live = [...sd.keys()].filter((j) => Math.sqrt(sd[j] as number) > 1e-9);
  live.forEach((j) => (sd[j] = Math.sqrt(sd[j] as number)));
  const p = live.length;
  const yMean = data.reduce((s, d) => s + d.y, 0) / n;
  const z = data.map((d) => live.map((j) => ((d.x[j] as number) - (mu[j] as number)) / (sd[j] as number)));
  const a = Array.from({ length: p }, (_, i) => Array.from({ length: p }, (_, k) => (i === k ? lambda : 0)));
  const b = new Array<number>(p).fill(0);
  z.forEach((zi, i) => {
    const yi = (data[i] as { y: number }).y - yMean;
    for (let r = 0; r < p; r++) {
      b[r] = (b[r] as number) + (zi[r] as number) * yi;
      for (let c = 0; c < p; c++) {
        (a[r] as number[])[c] = ((a[r] as number[])[c] as number) + (zi[r] as number) * (zi[c] as number);
      }
    }
  });
  const w = solve(a, b);
  const raw = z.map((zi) => zi.reduce((s, v, k) => s + v * (w[k] as number), 0));
  const rMean = raw.reduce((s, v) => s + v, 0) / n;
  const rSd = Math.sqrt(raw.reduce((s, v) => s + (v - rMean) ** 2, 0) / n) || 1;
  const weights = new Float64Array(DENSE_BLOCK);
  let bias = -rMean / rSd;
  live.forEach((j, k) => {
    const wj = (w[k] as number) / (sd[j] as number) / rSd;
    weights[j] = wj;
    bias -= wj * (mu[j] as number);
  });
  return { weights, bias };
}

/** Gaussian elimination (the matrix is symmetric positive definite: λ > 0). */
function solve(a: number[][], b: number[]): number[] {
  const p = b.length;
  const m = a.map((row, i) => [...row, b[i] as number]);
  for (let i = 0; i < p; i++) {
    const piv = (m[i] as number[])[i] as number;
    for (let j = i + 1; j < p; j++) {
      const f = ((m[j] as number[])[i] as number) / piv;
      for (let k = i; k <= p; k++) {
        (m[j] as number[])[k] = ((m[j] as number[])[k] as number) - f * ((m[i] as number[])[k] as number);
      }
    }
  }
  const x = new Array<number>(p).fill(0);
  for (let i = p - 1; i >= 0; i--) {
    let s = (m[i] as number[])[p] as number;
    for (let k = i + 1; k < p; k++) {
      s -= ((m[i] as number[])[k] as number) * (x[k] as number);
    }
    x[i] = s / ((m[i] as number[])[i] as number);
  }
  return x;
}

function edgeOf(e: Edge, x: Float64Array): number {
  const s = x.reduce((acc, v, j) => acc + v * (e.weights[j] as number), e.bias);
  return Math.max(-MAX_EDGE, Math.min(MAX_EDGE, s));
}

/** The model's logit distance from `centre`, scaled by exp(κ·E): never reorders models. */
function applyEdge(q: number, centre: number, kappa: number, e: number): number {
  const lc = Math.log(centre / (1 - centre));
  const qc = Math.min(0.99, Math.max(0.01, q));
  return 1 / (1 + Math.exp(-(lc + (Math.log(qc / (1 - qc)) - lc) * Math.exp(kappa * e))));
}

interface Recipe {
  centre: number;
  lambda: number;
  kappa: number;
}

interface Setting {
  models: Map<string, BenchModel>;
  routable: Map<string, Price>;
  base: () => LearnedQuality;
}

/** Cost share at 95% of the best single model (hull; utility rule, threshold rule) over `parts`' test prompts, each part's edge and online state from its `teach` prompts. */
function route(s: Setting, parts: { test: readonly BenchRow[]; teach: readonly BenchRow[] }[], dense: Dense, recipe: Recipe | null, reference: readonly BenchRow[]): { utility: number; threshold: number } {
  const ids = [...s.models.keys()];
  const all: ArenaCase[] = [];
  const quality = new Map<ArenaCase, Map<string, number>>();
  for (const { test, teach } of parts) {
    const m = s.base();
    learnFromOutcomes(m, teach, s.models);
    const edge = recipe ? fitEdge(teach, dense, recipe.lambda) : null;
    for (const c of casesFor(test, teach, m, ids)) {
      const e = edge ? edgeOf(edge, dense(c.row)) : 0;
      const byModel = new Map<string, number>();
      for (const id of ids) {
        const q = m.qualityOf(s.models.get(id) as BenchModel, c.reading);
        byModel.set(id, recipe ? applyEdge(q, recipe.centre, recipe.kappa, e) : q);
      }
      quality.set(c, byModel);
      all.push(c);
    }
  }
  const best = singleModels(reference, s.routable)[0];
  const target = 0.95 * (best?.meanScore ?? 0);
  const q = (c: ArenaCase, id: string) => quality.get(c)?.get(id) ?? 0;
  const share = (x: number | null) => (x === null || !best ? 1 : x / best.costUsd);
  return { utility: share(costToReach(routeCurve(all, s.routable, q, lambdaGrid()), target).hull), threshold: share(costToReach(thresholdCurve(all, s.routable, q), target).hull) };
}

function cvFolds(rows: readonly BenchRow[], seed: number): { test: BenchRow[]; teach: BenchRow[] }[] {
  const fold = (r: BenchRow) => Math.floor(stableUnit(`edge-cv${seed}:${r.prompt}`) * FOLDS);
  return Array.from({ length: FOLDS }, (_, f) => ({ test: rows.filter((r) => fold(r) === f), teach: rows.filter((r) => fold(r) !== f) }));
}

function search(s: Setting, train: readonly BenchRow[], dense: Dense): { recipe: Recipe | null; mean: number; folds: number[] }[] {
  const recipes: (Recipe | null)[] = [null, ...CENTRES.flatMap((centre) => LAMBDAS.flatMap((lambda) => KAPPAS.map((kappa) => ({ centre, lambda, kappa }))))];
  return recipes.map((recipe) => {
    const folds = FOLD_SEEDS.map((seed) => route(s, cvFolds(train, seed), dense, recipe, train).utility);
    return { recipe, mean: folds.reduce((a, b) => a + b, 0) / folds.length, folds };
  });
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;
const label = (r: Recipe | null) => (r ? `centre ${r.centre}, λ ${r.lambda}, κ_E ${r.kappa}` : 'no edge');
const lowest = <T extends { mean: number }>(xs: T[]): T => xs.reduce((a, b) => (b.mean < a.mean - 1e-9 ? b : a));

function main(): void {
  const arena = loadArena();
  const train = arena.filter((r) => !isTest(r));
  const test = arena.filter((r) => isTest(r));
  const { priced } = pricedArena(arena, loadPrices());
  const { models } = benchModels([...new Set(arena.flatMap((r) => Object.keys(r.outcomes)))]);
  const s: Setting = { models, routable: new Map([...priced].filter(([m]) => models.has(m))), base: shippedQualityModel };
  const blocks = new Map(arena.map((r) => [r, Float64Array.from(denseBlock(promptVector(r.prompt)))]));
  const dense: Dense = (r) => blocks.get(r) as Float64Array;

  console.log(`Arena edge: ${train.length} training prompts, 5-fold CV × ${FOLD_SEEDS.length} fold assignments; cost share of ${BEST} at 95% of its mean (hull, utility rule)`);
  const real = search(s, train, dense);
  for (const r of real) {
    console.log(`  ${label(r.recipe).padEnd(32)} ${pct(r.mean)}  (${r.folds.map(pct).join(', ')})`);
  }
  const chosen = lowest(real);
  console.log(`  chosen: ${label(chosen.recipe)} → ${pct(chosen.mean)}; ${real.length} recipes`);

  for (const seed of PLACEBO_SEEDS) {
    const rnd = seededRandom(seed);
    const perm = [...train];
    for (let i = perm.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      [perm[i], perm[j]] = [perm[j] as BenchRow, perm[i] as BenchRow];
    }
    const shuffled = new Map(train.map((r, i) => [r, dense(perm[i] as BenchRow)]));
    const best = lowest(search(s, train, (r) => shuffled.get(r) ?? dense(r)));
    console.log(`  placebo (features shuffled, seed ${seed}): best ${label(best.recipe)} → ${pct(best.mean)} (${best.folds.map(pct).join(', ')})`);
  }

  const held = (recipe: Recipe | null) => route(s, [{ test, teach: train }], dense, recipe, test);
  const before = held(null);
  const after = held(chosen.recipe);
  console.log(`Held out (${test.length} prompts): no edge ${pct(before.utility)} (threshold rule ${pct(before.threshold)}); ${label(chosen.recipe)} ${pct(after.utility)} (threshold rule ${pct(after.threshold)})`);
  if (chosen.recipe) {
    const edge = fitEdge(train, dense, chosen.recipe.lambda);
    const cells = CHEAP.map((cheap) => {
      const rows = test.filter((r) => typeof r.outcomes[BEST] === 'number' && typeof r.outcomes[cheap] === 'number');
      return `vs ${cheap} ${apgr(rows.map((r) => ({ strong: r.outcomes[BEST] as number, weak: r.outcomes[cheap] as number, score: edgeOf(edge, dense(r)) }))).toFixed(3)}`;
    });
    console.log(`  E ranks the held-out prompts by ${BEST}'s edge: APGR ${cells.join(', ')} (0.5 = random)`);
  }
}

main();
