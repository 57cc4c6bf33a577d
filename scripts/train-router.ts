// Trains the learned quality model from ../shared/routing-bench (training rows only; the held-out
// split is never read for fitting) and writes daemon/routing/model/{router-model,metrics}.json.
// Deterministic: fixed seeds, stable split, no clock or randomness in what is written.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadArena, loadPair, loadPrices, isTest, STRONG, WEAK, SUBJECT_HOLDOUT_EVERY, TEST_SHARE, type BenchRow } from '../bench/routingData';
import { pairReport } from '../bench/pairEval';
import { costToReach, lambdaGrid, modelStats, routeCurve, singleModels, type ArenaCase, type Price } from '../bench/arenaEval';
import { averageWeights, dot, encodeSparse, seededRandom, sigmoid, trainLinear, type TrainOptions } from '../daemon/routing/linearModel';
import { DIMENSIONS, HAS_OPTIONS, HASH_BITS, promptVector, type SparseVector } from '../daemon/routing/promptFeatures';
import { LearnedQuality, type Expert, type ModelFile } from '../daemon/routing/learnedQuality';

const OUT_DIR = join(__dirname, '..', 'daemon', 'routing', 'model');
// Chosen by 3-fold validation inside the training split (never the held-out prompts): more,
// slower epochs and bagging help the multiple-choice expert; the open expert (≈ 690 prompts)
// overfits quickly, so it gets two epochs and no bagging.
const BAGS: Record<'choice' | 'open', number> = { choice: 5, open: 1 };
const OPTIONS: Record<'choice' | 'open', TrainOptions> = {
  choice: { loss: 'logistic', epochs: 10, learningRate: 0.05, l2: 1e-4, seed: 7 },
  open: { loss: 'logistic', epochs: 2, learningRate: 0.1, l2: 1e-4, seed: 11 },
};
const KAPPAS = [0, 0.1, 0.2, 0.35, 0.5, 0.75, 1, 1.5, 2, 3];
const ARENA_FOLDS = 5;

const hasOptions = (x: SparseVector): boolean => {
  for (let i = x.idx.length - 1; i >= 0; i--) {
    if (x.idx[i] === HAS_OPTIONS) {
      return (x.val[i] ?? 0) > 0.5;
    }
  }
  return false;
};

function trainExpert(xs: SparseVector[], rows: BenchRow[], o: TrainOptions, bags: number): Expert {
  const strong: Float32Array[] = [];
  const weak: Float32Array[] = [];
  for (let b = 0; b < bags; b++) {
    const rnd = seededRandom(o.seed * 1000 + b);
    const pick = bags === 1 ? xs.map((_, i) => i) : xs.map(() => Math.floor(rnd() * xs.length));
    const bx = pick.map((i) => xs[i] as SparseVector);
    const opts = { ...o, seed: o.seed + b };
    strong.push(trainLinear(bx, pick.map((i) => rows[i]?.outcomes[STRONG] ?? 0), DIMENSIONS, opts));
    weak.push(trainLinear(bx, pick.map((i) => rows[i]?.outcomes[WEAK] ?? 0), DIMENSIONS, opts));
  }
  const e: Expert = { strong: averageWeights(strong), weak: averageWeights(weak), mean: 0, sd: 1 };
  const gaps = xs.map((x) => sigmoid(dot(e.strong, x)) - sigmoid(dot(e.weak, x)));
  e.mean = gaps.reduce((s, g) => s + g, 0) / Math.max(1, gaps.length);
  e.sd = Math.sqrt(gaps.reduce((s, g) => s + (g - e.mean) ** 2, 0) / Math.max(1, gaps.length)) || 1;
  return e;
}

function trainExperts(rows: BenchRow[], bags: Record<'choice' | 'open', number>): Record<'choice' | 'open', Expert> {
  const xs = rows.map((r) => promptVector(r.prompt));
  const split = (choice: boolean) => {
    const i = xs.map((x, k) => ({ x, k })).filter((o) => hasOptions(o.x) === choice);
    return { xs: i.map((o) => o.x), rows: i.map((o) => rows[o.k] as BenchRow) };
  };
  const c = split(true);
  const o = split(false);
  return { choice: trainExpert(c.xs, c.rows, OPTIONS.choice, bags.choice), open: trainExpert(o.xs, o.rows, OPTIONS.open, bags.open) };
}

function expertWeights(e: Expert): ModelFile['experts']['choice'] {
  const sparse = encodeSparse([e.strong, e.weak]);
  const [strong, weak] = sparse.values;
  if (!strong || !weak) {
    throw new Error('an expert has two weight vectors');
  }
  return { dimensions: sparse.dimensions, indices: sparse.indices, values: [strong, weak] };
}

function pricedModels(inArena: Set<string>): Map<string, Price> {
  const out = new Map<string, Price>();
  for (const [m, p] of loadPrices()) {
    if (p && inArena.has(m)) {
      out.set(m, p);
    }
  }
  return out;
}

/** Out-of-fold arena cases: each prompt's priors and output lengths come from the other folds. */
export function arenaCases(rows: readonly BenchRow[], model: LearnedQuality, models: readonly string[], folds: number): ArenaCase[] {
  const cases: ArenaCase[] = [];
  for (let f = 0; f < folds; f++) {
    const inFold = (i: number) => i % folds === f;
    const train = rows.filter((_, i) => !inFold(i));
    const stats = modelStats(train, models);
    rows.forEach((row, i) => {
      if (inFold(i)) {
        cases.push({ row, difficulty: model.difficultyOf(promptVector(row.prompt)), stats });
      }
    });
  }
  return cases;
}

function main(): void {
  const pair = loadPair();
  const pairTrain = pair.filter((r) => !isTest(r));
  const pairTest = pair.filter((r) => isTest(r));
  const t0 = performance.now();
  const experts = trainExperts(pairTrain, BAGS);
  const trainMs = performance.now() - t0;
  const priorsForKappa: Record<string, number> = {};
  const provisional = LearnedQuality.fromExperts(experts, 0, priorsForKappa);

  // κ: how strongly difficulty lowers weaker models, chosen by cross-validation on the arena
  // training prompts (never its held-out split).
  const arena = loadArena();
  const prices = pricedModels(new Set(arena.flatMap((r) => Object.keys(r.outcomes))));
  const arenaTrain = arena.filter((r) => !isTest(r));
  const models = [...prices.keys()];
  const cvCases = arenaCases(arenaTrain, provisional, models, ARENA_FOLDS);
  const best = singleModels(arenaTrain, prices)[0];
  const kappaSearch = KAPPAS.map((kappa) => {
    const curve = routeCurve(cvCases, prices, (_m, prior, d) => Math.min(0.99, Math.max(0.01, prior - kappa * (1 - prior) * d)), lambdaGrid());
    const reach = costToReach(curve, 0.95 * (best?.meanScore ?? 0));
    return { kappa, costShareAt95: reach.hull === null || !best ? 1 : reach.hull / best.costUsd };
  });
  const chosen = kappaSearch.reduce((a, b) => (b.costShareAt95 < a.costShareAt95 - 1e-9 ? b : a));

  const arenaAll = modelStats(arenaTrain, [...new Set(arena.flatMap((r) => Object.keys(r.outcomes)))]);
  const priors = Object.fromEntries([...arenaAll.prior.entries()].map(([k, v]) => [k, Math.round(v * 1000) / 1000]));
  const file: ModelFile = {
    version: 2,
    hashBits: HASH_BITS,
    trainedOn: `routing-bench training rows not held out (test share ${TEST_SHARE} by prompt): ${pairTrain.length} strong/weak prompts, ${arenaTrain.length} arena prompts`,
    experts: {
      choice: expertWeights(experts.choice),
      open: expertWeights(experts.open),
    },
    gap: { choice: { mean: experts.choice.mean, sd: experts.choice.sd }, open: { mean: experts.open.mean, sd: experts.open.sd } },
    kappa: chosen.kappa,
    priors,
  };
  mkdirSync(OUT_DIR, { recursive: true });
  const json = JSON.stringify(file);
  writeFileSync(join(OUT_DIR, 'router-model.json'), `${json}\n`);

  // Metrics on the held-out split, through the model file as shipped (quantised weights).
  const shipped = new LearnedQuality(file);
  const score = (r: BenchRow) => shipped.difficultyOf(promptVector(r.prompt)).d;
  const heldOut = ['mmlu', 'gsm8k'].map((b) => pairReport(b, pairTest.filter((r) => r.benchmark === b), score));

  // Generalisation check: MMLU subjects never seen in training.
  const subjects = [...new Set(pair.filter((r) => r.benchmark === 'mmlu').map((r) => r.category))].sort();
  const unseen = new Set(subjects.filter((_, i) => i % SUBJECT_HOLDOUT_EVERY === 0));
  const subjectExperts = trainExperts(pairTrain.filter((r) => !unseen.has(r.category)), { choice: 1, open: 1 });
  const subjectModel = LearnedQuality.fromExperts(subjectExperts, 0, {});
  const unseenRows = pair.filter((r) => unseen.has(r.category));
  const subjectReport = pairReport('mmlu-unseen-subjects', unseenRows, (r) => subjectModel.difficultyOf(promptVector(r.prompt)).d);

  const metrics = {
    split: { by: 'prompt text (FNV-1a hash)', testShare: TEST_SHARE, pairTrain: pairTrain.length, pairTest: pairTest.length, arenaTrain: arenaTrain.length },
    modelBytes: json.length,
    heldOut,
    unseenSubjects: { subjects: [...unseen], ...subjectReport },
    kappaSearch,
    kappa: chosen.kappa,
  };
  writeFileSync(join(OUT_DIR, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  for (const r of heldOut) {
    console.log(`${r.benchmark}: APGR ${r.apgr.toFixed(3)}  CPT(50%) ${(r.cpt50 * 100).toFixed(1)}%  CPT(80%) ${(r.cpt80 * 100).toFixed(1)}%  (${r.prompts} held-out prompts)`);
  }
  console.log(`MMLU unseen subjects: APGR ${subjectReport.apgr.toFixed(3)} on ${subjectReport.prompts} prompts of ${unseen.size} subjects`);
  console.log(`kappa ${chosen.kappa} (arena CV cost share at 95%: ${(chosen.costShareAt95 * 100).toFixed(1)}%)`);
  console.log(`model ${(json.length / 1024).toFixed(0)} KiB, trained in ${(trainMs / 1000).toFixed(1)} s`);
}

main();
