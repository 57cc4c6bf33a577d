// Trains the learned quality model from ../shared/routing-bench (training rows only; the held-out
// split is never read for fitting or for choosing anything) and writes
// daemon/routing/model/{word-vectors,router-model,metrics}.json.
// Deterministic: fixed seeds, stable split, no clock or randomness in what is written.
// Bounded: a few minutes of one core (four feature variants × two objectives are validated; the machine is shared).
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { loadArena, loadPair, loadPrices, isTest, STRONG, WEAK, SUBJECT_HOLDOUT_EVERY, TEST_SHARE, type BenchRow } from '../bench/routingData';
import { pairReport } from '../bench/pairEval';
import { costToReach, lambdaGrid, routeCurve, singleModels, thresholdCurve, type ArenaCase } from '../bench/arenaEval';
import { benchModels, casesFor, learnFromOutcomes, pricedArena, type BenchModel } from '../bench/arenaCatalog';
import { encodeSparse, sigmoid } from '../daemon/routing/linearModel';
import { BAGS, expertVectorise, hasOptions, markReads, NET_WEIGHTS, partsScorer, scorer, trainExperts, type Vectorise } from './routerTraining';
import { EMBEDDING_DIMS, HASH_BITS, maskVector, promptVector, type ExpertReads, type SparseVector } from '../daemon/routing/promptFeatures';
import { encodeNet, LearnedQuality, OBJECTIVE_HEADS, OBJECTIVES, type Expert, type ModelFile, type Objective } from '../daemon/routing/learnedQuality';
import { WordVectors } from '../daemon/routing/wordVectors';
import { stableUnit } from '../daemon/routing/rules';
import { buildWordVectorTable } from './wordVectorTable';

const OUT_DIR = join(__dirname, '..', 'daemon', 'routing', 'model');
/** Word vectors shipped: most frequent words, dimensions kept, top ranks skipped as stop words. */
const VECTOR_WORDS = 40_000;
const VECTOR_STOP_RANKS = 100;
const PRIOR_STRENGTHS = [5, 20, 80];
const MAX_ADJUSTMENTS = [0.1, 0.2];
const ARENA_FOLDS = 5;
/** Optional feature groups, every combination validated, each with every objective of the linear heads. */
const FEATURE_VARIANTS: ExpertReads[] = [true, false].flatMap((wordVectors) => [true, false].map((wordProblemCues) => ({ wordVectors, wordProblemCues })));
const RECIPES: { reads: ExpertReads; objective: Objective }[] = FEATURE_VARIANTS.flatMap((reads) => OBJECTIVES.map((objective) => ({ reads, objective })));
const VALIDATION_FOLDS = 3;

/**
 * Validation inside the training split only: 3-fold CV by prompt (MMLU, GSM8K) and MMLU
 * subject-group CV (each group of training subjects predicted by a model trained without it — the
 * held-out "unseen subjects" are excluded from it entirely). Every fold model also trains the
 * networks, so each blend weight is scored on the same folds; the multiple-choice expert's weight
 * is chosen by MMLU CV + subject-group CV, the open expert's by GSM8K CV.
 */
interface Validation {
  mmlu: number;
  gsm8k: number;
  subjects: number;
  netWeight: { choice: number; open: number };
  byWeight: { weight: number; mmlu: number; gsm8k: number; subjects: number }[];
  /** Out-of-fold D of every training prompt as a function of the blend weight (κ is fitted on it). */
  outOfFold: Map<BenchRow, (weight: number) => number>;
}
function validate(train: BenchRow[], unseen: Set<string>, vec: Vectorise, objective: Objective): Validation {
  const objectives = { choice: objective, open: objective };
  const parts = new Map<BenchRow, (w: number) => number>();
  for (let f = 0; f < VALIDATION_FOLDS; f++) {
    const inFold = (r: BenchRow) => Math.floor(stableUnit(`cv:${r.prompt}`) * VALIDATION_FOLDS) === f;
    const score = partsScorer(trainExperts(train.filter((r) => !inFold(r)), vec, { choice: 1, open: 1 }, 1, objectives), vec);
    for (const r of train.filter(inFold)) {
      parts.set(r, score(r).d);
    }
  }
  const seen = train.filter((r) => !unseen.has(r.category));
  const subjects = [...new Set(seen.filter((r) => r.benchmark === 'mmlu').map((r) => r.category))].sort();
  const bySubject = new Map<BenchRow, (w: number) => number>();
  for (let g = 0; g < SUBJECT_HOLDOUT_EVERY; g++) {
    const group = new Set(subjects.filter((_, i) => i % SUBJECT_HOLDOUT_EVERY === g));
    const score = partsScorer(trainExperts(seen.filter((r) => !group.has(r.category)), vec, { choice: 1, open: 1 }, 1, objectives), vec);
    for (const r of seen.filter((r) => group.has(r.category))) {
      bySubject.set(r, score(r).d);
    }
  }
  const subjectRows = [...bySubject.keys()];
  const byWeight = NET_WEIGHTS.map((weight) => {
    const cv = (b: string) => pairReport(b, train.filter((r) => r.benchmark === b), (r) => parts.get(r)?.(weight) ?? 0).apgr;
    return { weight, mmlu: round4(cv('mmlu')), gsm8k: round4(cv('gsm8k')), subjects: round4(pairReport('subjects', subjectRows, (r) => bySubject.get(r)?.(weight) ?? 0).apgr) };
  });
  const best = (key: (v: (typeof byWeight)[number]) => number) => byWeight.reduce((a, b) => (key(b) > key(a) + 1e-9 ? b : a));
  const choice = best((v) => v.mmlu + v.subjects);
  const open = best((v) => v.gsm8k);
  return { mmlu: choice.mmlu, gsm8k: open.gsm8k, subjects: choice.subjects, netWeight: { choice: choice.weight, open: open.weight }, byWeight, outOfFold: parts };
}

/**
 * κ by maximum likelihood on out-of-fold difficulties: each training prompt's strong and weak
 * outcomes predicted as σ(logit(that model's training accuracy) − κ·D), the form the router uses.
 */
function calibrateKappa(train: BenchRow[], d: Map<BenchRow, number>): { kappa: number; logLoss: number } {
  const acc = (m: string) => train.reduce((s, r) => s + (r.outcomes[m] ?? 0), 0) / Math.max(1, train.length);
  const logit = (p: number) => Math.log(p / (1 - p));
  const bases = [STRONG, WEAK].map((m) => ({ m, l: logit(acc(m)) }));
  let best = { kappa: 0, logLoss: Number.POSITIVE_INFINITY };
  for (let kappa = 0; kappa <= 3.0001; kappa += 0.05) {
    let loss = 0;
    let n = 0;
    for (const r of train) {
      const x = Math.max(-3, Math.min(3, d.get(r) ?? 0));
      for (const b of bases) {
        const p = Math.min(1 - 1e-6, Math.max(1e-6, sigmoid(b.l - kappa * x)));
        loss -= (r.outcomes[b.m] ?? 0) === 1 ? Math.log(p) : Math.log(1 - p);
        n++;
      }
    }
    if (loss / n < best.logLoss - 1e-12) {
      best = { kappa: Math.round(kappa * 100) / 100, logLoss: round4(loss / n) };
    }
  }
  return best;
}

function expertWeights(e: Expert): ModelFile['experts']['choice'] {
  const objective = e.objective ?? 'correct';
  const heads = OBJECTIVE_HEADS[objective].map((h) => {
    const w = e.heads[h];
    if (!w) {
      throw new Error(`an expert with objective "${objective}" has its "${h}" head`);
    }
    return w;
  });
  const sparse = encodeSparse(heads);
  return { dimensions: sparse.dimensions, indices: sparse.indices, values: sparse.values, ...(objective === 'correct' ? {} : { objective }) };
}

/**
 * The online learning's shrinkage and bound, by cross-validation on the arena TRAINING prompts:
 * per fold, a fresh model learns the other folds' outcomes through recordOutcome (as feedback would
 * teach it) and routes this fold's prompts; the score is the cost to reach 95% of the best single
 * model's mean on the cost–quality curve's hull (lower is better).
 */
function searchArena(experts: Record<'choice' | 'open', Expert>, vectors: WordVectors, kappa: Record<'choice' | 'open', number>, arenaTrain: BenchRow[], models: Map<string, BenchModel>, prices: ReturnType<typeof pricedArena>['priced']) {
  const ids = [...models.keys()];
  const routable = new Map([...prices].filter(([m]) => models.has(m)));
  const best = singleModels(arenaTrain, routable)[0];
  const results: { kappa: Record<'choice' | 'open', number>; priorStrength: number; maxAdjustment: number; costShareAt95: number; thresholdRuleCostShareAt95: number }[] = [];
  for (const priorStrength of PRIOR_STRENGTHS) {
    for (const maxAdjustment of MAX_ADJUSTMENTS) {
      {
        const cases: ArenaCase[] = [];
        const quality = new Map<unknown, LearnedQuality>();
        for (let f = 0; f < ARENA_FOLDS; f++) {
          const inFold = (i: number) => i % ARENA_FOLDS === f;
          const trainRows = arenaTrain.filter((_, i) => !inFold(i));
          const m = LearnedQuality.fromExperts(experts, kappa, { priorStrength, maxAdjustment }, vectors);
          learnFromOutcomes(m, trainRows, models);
          for (const c of casesFor(arenaTrain.filter((_, i) => inFold(i)), trainRows, m, ids)) {
            quality.set(c, m);
            cases.push(c);
          }
        }
        const q = (c: ArenaCase, id: string) => {
          const m = models.get(id);
          return m ? (quality.get(c) as LearnedQuality).qualityOf(m, c.reading) : 0;
        };
        const reach = costToReach(routeCurve(cases, routable, q, lambdaGrid()), 0.95 * (best?.meanScore ?? 0));
        // The other decision rule (cheapest model predicted to reach a threshold), on the same folds.
        const byThreshold = costToReach(thresholdCurve(cases, routable, q), 0.95 * (best?.meanScore ?? 0));
        const share = (c: number | null) => round4(c === null || !best ? 1 : c / best.costUsd);
        results.push({ kappa, priorStrength, maxAdjustment, costShareAt95: share(reach.hull), thresholdRuleCostShareAt95: share(byThreshold.hull) });
      }
    }
  }
  const chosen = results.reduce((a, b) => (b.costShareAt95 < a.costShareAt95 - 1e-9 ? b : a));
  return { results, chosen };
}

function main(): void {
  const t0 = performance.now();
  const table = buildWordVectorTable(VECTOR_WORDS, EMBEDDING_DIMS, VECTOR_STOP_RANKS);
  mkdirSync(OUT_DIR, { recursive: true });
  writeFileSync(join(OUT_DIR, 'word-vectors.json'), `${JSON.stringify(table)}\n`);
  const vectors = new WordVectors(table);
  const cache = new Map<string, SparseVector>();
  const vec: Vectorise = (r) => {
    let x = cache.get(r.prompt);
    if (!x) {
      const full = promptVector(r.prompt, 2, vectors);
      x = { idx: full.idx, val: full.val };
      cache.set(r.prompt, x);
    }
    return x;
  };

  const pair = loadPair();
  const pairTrain = pair.filter((r) => !isTest(r));
  const pairTest = pair.filter((r) => isTest(r));
  const subjects = [...new Set(pair.filter((r) => r.benchmark === 'mmlu').map((r) => r.category))].sort();
  const unseen = new Set(subjects.filter((_, i) => i % SUBJECT_HOLDOUT_EVERY === 0));

  // Which feature groups each expert reads, decided here, inside the training split: every
  // combination is validated on the same folds; the multiple-choice expert takes the best by MMLU
  // CV + subject-group CV, the open one the best by GSM8K CV.
  const variants = RECIPES.map(({ reads, objective }) => ({ reads, objective, v: validate(pairTrain, unseen, (r) => maskVector(vec(r), reads), objective) }));
  const pick = (key: (v: Validation) => number) => variants.reduce((a, b) => (key(b.v) > key(a.v) + 1e-9 ? b : a));
  const choiceVariant = pick((v) => v.mmlu + v.subjects);
  const openVariant = pick((v) => v.gsm8k);
  const reads = { choice: choiceVariant.reads, open: openVariant.reads };
  const objectives = { choice: choiceVariant.objective, open: openVariant.objective };
  const features = expertVectorise(vec, reads);
  const netWeight = { choice: choiceVariant.v.netWeight.choice, open: openVariant.v.netWeight.open };
  // κ on the out-of-fold D of exactly this recipe (each prompt from its expert's variant and weight).
  const oofD = new Map<BenchRow, number>();
  for (const r of pairTrain) {
    const k = hasOptions(vec(r)) ? 'choice' : 'open';
    oofD.set(r, (k === 'choice' ? choiceVariant : openVariant).v.outOfFold.get(r)?.(netWeight[k]) ?? 0);
  }
  // κ per expert, each on its own prompts: D of the multiple-choice expert and D of the open one
  // are different quantities (different objectives, features and prompts).
  const kappaOf = (k: 'choice' | 'open') => calibrateKappa(pairTrain.filter((r) => hasOptions(vec(r)) === (k === 'choice')), oofD);
  const kappa = { choice: kappaOf('choice'), open: kappaOf('open') };
  const kappas = { choice: kappa.choice.kappa, open: kappa.open.kappa };

  const experts = markReads(withNetWeights(trainExperts(pairTrain, features, BAGS, 0, objectives), netWeight), reads);

  const arena = loadArena();
  const { priced } = pricedArena(arena, loadPrices());
  const arenaTrain = arena.filter((r) => !isTest(r));
  const { models: figures } = benchModels([...new Set(arena.flatMap((r) => Object.keys(r.outcomes)))]);
  const search = searchArena(experts, vectors, kappas, arenaTrain, figures, priced);

  const file: ModelFile = {
    version: 3,
    hashBits: HASH_BITS,
    embeddingDims: EMBEDDING_DIMS,
    trainedOn: `routing-bench training rows not held out (test share ${TEST_SHARE} by prompt): ${pairTrain.length} strong/weak prompts, ${arenaTrain.length} arena prompts (κ and online settings)`,
    experts: { choice: expertWeights(experts.choice), open: expertWeights(experts.open) },
    nets: {
      ...(experts.choice.net ? { choice: encodeNet(experts.choice.net) } : {}),
      ...(experts.open.net ? { open: encodeNet(experts.open.net) } : {}),
    },
    gap: { choice: { mean: experts.choice.mean, sd: experts.choice.sd }, open: { mean: experts.open.mean, sd: experts.open.sd } },
    kappa: kappas,
    reads,
    online: { priorStrength: search.chosen.priorStrength, maxAdjustment: search.chosen.maxAdjustment },
  };
  const json = JSON.stringify(file);
  writeFileSync(join(OUT_DIR, 'router-model.json'), `${json}\n`);

  // Held-out figures, through the model file as shipped (quantised weights).
  const shipped = LearnedQuality.fromFile(file, vectors);
  const score = (r: BenchRow) => shipped.difficultyOf(promptVector(r.prompt, 2, vectors)).d;
  const heldOut = ['mmlu', 'gsm8k'].map((b) => pairReport(b, pairTest.filter((r) => r.benchmark === b), score));
  // Generalisation: MMLU subjects never seen in training.
  const subjectExperts = markReads(withNetWeights(trainExperts(pairTrain.filter((r) => !unseen.has(r.category)), features, { choice: 1, open: 1 }, 0, objectives), netWeight), reads);
  const unseenRows = pair.filter((r) => unseen.has(r.category));
  const subjectReport = pairReport('mmlu-unseen-subjects', unseenRows, scorer(subjectExperts, features));

  const metrics = {
    split: { by: 'prompt text (FNV-1a hash)', testShare: TEST_SHARE, pairTrain: pairTrain.length, pairTest: pairTest.length, arenaTrain: arenaTrain.length },
    modelBytes: json.length,
    wordVectorBytes: JSON.stringify(table).length,
    validation: {
      variants: variants.map((x) => ({ reads: x.reads, objective: x.objective, ...withoutOutOfFold(x.v) })),
      reads,
      objectives,
      kappaLogLoss: { choice: kappa.choice.logLoss, open: kappa.open.logLoss },
      how: '3-fold CV by prompt inside the training split (MMLU, GSM8K); MMLU subject-group CV over training subjects (the unseen-subject set excluded)' },
    arenaSearch: { how: `${ARENA_FOLDS}-fold CV on the arena training prompts, online learning from the other folds; cost share of the best single model at 95% of its mean (hull)`, results: search.results },
    chosen: { kappa: file.kappa, netWeight, reads, objectives, ...file.online },
    heldOut,
    unseenSubjects: { subjects: [...unseen], ...subjectReport },
  };
  writeFileSync(join(OUT_DIR, 'metrics.json'), `${JSON.stringify(metrics, null, 2)}\n`);
  for (const x of variants) {
    console.log(`validation (training split), reads ${JSON.stringify(x.reads)}, objective ${x.objective}: ${JSON.stringify(withoutOutOfFold(x.v))}`);
  }
  console.log(`→ ${variants.length} recipes compared; reads ${JSON.stringify(reads)}, objectives ${JSON.stringify(objectives)}, network weights ${JSON.stringify(netWeight)}`);
  console.log(`κ ${JSON.stringify(file.kappa)} (log-loss ${kappa.choice.logLoss} / ${kappa.open.logLoss} on out-of-fold training prompts); arena CV (training prompts): prior strength ${file.online.priorStrength}, bound ±${file.online.maxAdjustment} → ${(search.chosen.costShareAt95 * 100).toFixed(1)}% of the best model's cost at 95%`);
  for (const r of heldOut) {
    console.log(`${r.benchmark}: APGR ${r.apgr.toFixed(3)}  CPT(50%) ${(r.cpt50 * 100).toFixed(1)}%  CPT(80%) ${(r.cpt80 * 100).toFixed(1)}%  (${r.prompts} held-out prompts)`);
  }
  console.log(`MMLU unseen subjects: APGR ${subjectReport.apgr.toFixed(3)} on ${subjectReport.prompts} prompts of ${unseen.size} subjects`);
  console.log(`model ${(json.length / 1024).toFixed(0)} KiB + word vectors ${(JSON.stringify(table).length / 1024).toFixed(0)} KiB, in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}

/** The experts with their networks blended at the validated weights (a network at weight 0 is dropped: it would change nothing). */
function withNetWeights(e: Record<'choice' | 'open', Expert>, w: { choice: number; open: number }): Record<'choice' | 'open', Expert> {
  const one = (x: Expert, weight: number): Expert => {
    const { net, ...linear } = x;
    return net && weight > 0 ? { ...linear, net: { ...net, weight } } : linear;
  };
  return { choice: one(e.choice, w.choice), open: one(e.open, w.open) };
}

function withoutOutOfFold(v: Validation): Omit<Validation, 'outOfFold'> {
  const { outOfFold: _, ...rest } = v;
  return rest;
}

function round4(x: number): number {
  return Math.round(x * 10000) / 10000;
}

main();
