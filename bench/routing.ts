// `npm run bench:routing`: the routing figures issue 7 asks for, on prompts never trained on.
// Data: ../shared/routing-bench (RouteLLM's MMLU/GSM8K responses, Apache-2.0; arena-hard-auto's
// arena-bench-v1 judgments, Apache-2.0; prices from @pydantic/genai-prices, MIT).
import { loadArena, loadPair, loadPrices, isTest, STRONG, WEAK, type BenchRow } from './routingData';
import { pairReport, type PairReport } from './pairEval';
import { costToReach, lambdaGrid, oracle, oracleMatching, oracleTradeoffCurve, routeCurve, singleModels, thresholdCurve, type ArenaCase, type CurvePoint, type Price } from './arenaEval';
import { benchModels, casesFor, learnFromOutcomes, pricedArena, type BenchModel } from './arenaCatalog';
import { dot, seededRandom, trainLinear } from '../daemon/routing/linearModel';
import { apgr } from './routingMetrics';
import { extractFeatures } from '../daemon/routing/features';
import { DIMENSIONS, promptVector } from '../daemon/routing/promptFeatures';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { LearnedQuality, ModelFile, shippedQualityModel } from '../daemon/routing/learnedQuality';
import { expertVectorise, markReads, scorer, trainExperts } from '../scripts/routerTraining';
import { runLatency } from './routingLatency';
import { SUBJECT_HOLDOUT_EVERY } from './routingData';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

/**
 * `ROUTER_MODEL_BASELINE=<dir>`: a previous router-model.json measured beside the shipped one in
 * the same run (same split, same held-out prompts, same machine), so before/after is one output.
 */
const BASELINE_DIR = process.env.ROUTER_MODEL_BASELINE;
let baselineModel: LearnedQuality | null = null;
function baseline(): LearnedQuality | null {
  if (!BASELINE_DIR) {
    return null;
  }
  baselineModel ??= LearnedQuality.fromFile(ModelFile.parse(JSON.parse(readFileSync(join(BASELINE_DIR, 'router-model.json'), 'utf8'))));
  return baselineModel.fresh();
}
/** The models measured: the baseline first when one is given, then the shipped one. */
function measuredModels(): { label: string; model: () => LearnedQuality }[] {
  return [...(BASELINE_DIR ? [{ label: 'before', model: () => baseline() as LearnedQuality }] : []), { label: 'shipped', model: shippedQualityModel }];
}

function printPair(title: string, reports: PairReport[]): void {
  console.log(`\n${title}`);
  console.log(`  ${'router'.padEnd(22)} APGR   CPT(50%) CPT(80%)  PGR at strong share 0,10,…,100%`);
  for (const r of reports) {
    console.log(`  ${r.benchmark.padEnd(22)} ${r.apgr.toFixed(3)}  ${pct(r.cpt50).padStart(7)}  ${pct(r.cpt80).padStart(7)}   ${r.curve.map((v) => v.toFixed(2)).join(' ')}`);
  }
}

function pairSection(): void {
  const rows = loadPair();
  const train = rows.filter((r) => !isTest(r));
  const test = rows.filter((r) => isTest(r));
  // The plain baseline the issue names: hashed bag of words, one logistic model of "strong wins".
  const bowX = train.map((r) => promptVector(r.prompt, 1));
  const win = train.map((r) => ((r.outcomes[STRONG] ?? 0) > (r.outcomes[WEAK] ?? 0) ? 1 : 0));
  const bow = trainLinear(bowX, win, DIMENSIONS, { loss: 'logistic', epochs: 5, learningRate: 0.1, l2: 1e-4, seed: 3 });
  const models = measuredModels().map((m) => ({ label: m.label, model: m.model() }));
  console.log(`Strong/weak pair (${STRONG} vs ${WEAK}): ${train.length} training prompts, ${test.length} held out by prompt`);
  for (const b of ['mmlu', 'gsm8k']) {
    const rowsB = test.filter((r) => r.benchmark === b);
    const s = rowsB[0] ? pairReport(b, rowsB, () => 0) : null;
    const reports = [
      // A constant score is the random router's expectation (ties are routed in random order).
      { ...pairReport('random (expected)', rowsB, () => 0) },
      { ...pairReport('bag-of-words baseline', rowsB, (r) => dot(bow, promptVector(r.prompt, 1))) },
      ...models.map(({ label, model }) => pairReport(`learned (${label})`, rowsB, (r: BenchRow) => model.difficultyOf(promptVector(r.prompt)).d)),
    ];
    printPair(`${b.toUpperCase()} held out: ${rowsB.length} prompts, strong ${pct(s?.strongAccuracy ?? 0)} / weak ${pct(s?.weakAccuracy ?? 0)} correct`, reports);
    for (const { label, model } of models) {
      const ci = bootstrapApgr(rowsB, (r) => model.difficultyOf(promptVector(r.prompt)).d);
      console.log(`  learned (${label}) APGR 95% bootstrap interval over held-out prompts: ${ci[0].toFixed(3)}–${ci[1].toFixed(3)}`);
    }
  }
  // Whole MMLU subjects never trained on: the same training, without them (the shipped model has seen them).
  const subjects = [...new Set(rows.filter((r) => r.benchmark === 'mmlu').map((r) => r.category))].sort();
  const unseen = new Set(subjects.filter((_, i) => i % SUBJECT_HOLDOUT_EVERY === 0));
  const seenTrain = train.filter((r) => !unseen.has(r.category));
  const unseenRows = rows.filter((r) => unseen.has(r.category));
  // Each model's recipe (features read, objective, network weights), trained without those subjects.
  const subjectScores = models.map(({ label, model }) => {
    const vec = expertVectorise((r: BenchRow) => promptVector(r.prompt), model.reads);
    const weights = model.netWeights;
    const subjectExperts = trainExperts(seenTrain, vec, { choice: 1, open: 1 }, 0, model.objectives);
    for (const k of ['choice', 'open'] as const) {
      const net = subjectExperts[k].net;
      if (net && weights[k] > 0) {
        net.weight = weights[k];
      } else {
        delete subjectExperts[k].net;
      }
    }
    return { label, score: scorer(markReads(subjectExperts, model.reads), vec) };
  });
  const bowSeen = trainLinear(seenTrain.map((r) => promptVector(r.prompt, 1)), seenTrain.map((r) => ((r.outcomes[STRONG] ?? 0) > (r.outcomes[WEAK] ?? 0) ? 1 : 0)), DIMENSIONS, { loss: 'logistic', epochs: 5, learningRate: 0.1, l2: 1e-4, seed: 3 });
  printPair(`MMLU, ${unseen.size} whole subjects never trained on (${[...unseen].join(', ')}): ${unseenRows.length} prompts`, [
    pairReport('random (expected)', unseenRows, () => 0),
    pairReport('bag-of-words baseline', unseenRows, (r) => dot(bowSeen, promptVector(r.prompt, 1))),
    ...subjectScores.map(({ label, score }) => pairReport(`learned (${label})`, unseenRows, score)),
  ]);
  for (const { label, score } of subjectScores) {
    const ci = bootstrapApgr(unseenRows, score);
    console.log(`  learned (${label}) APGR 95% bootstrap interval: ${ci[0].toFixed(3)}–${ci[1].toFixed(3)}`);
  }
}

/** Resamples the held-out prompts (seeded) to show how much the APGR figure could move by chance. */
function bootstrapApgr(rows: readonly BenchRow[], score: (r: BenchRow) => number): [number, number] {
  const scored = rows.map((r) => ({ strong: r.outcomes[STRONG] ?? 0, weak: r.outcomes[WEAK] ?? 0, score: score(r) }));
  const rnd = seededRandom(2024);
  const values: number[] = [];
  for (let b = 0; b < 200; b++) {
    values.push(apgr(scored.map(() => scored[Math.floor(rnd() * scored.length)] ?? { strong: 0, weak: 0, score: 0 })));
  }
  values.sort((a, b) => a - b);
  return [values[4] ?? 0, values[194] ?? 0];
}

interface ArenaRun {
  label: string;
  cases: ArenaCase[];
  quality: (c: ArenaCase, id: string) => number;
}

/** The same f the router uses: catalog figures × the prompt's category mix, lowered by difficulty, plus what outcomes taught. */
function fRun(label: string, test: readonly BenchRow[], teach: readonly BenchRow[] | null, cv: boolean, arena: readonly BenchRow[], models: Map<string, BenchModel>, fresh: () => LearnedQuality = shippedQualityModel): ArenaRun {
  const ids = [...models.keys()];
  const byCase = new Map<ArenaCase, LearnedQuality>();
  const cases: ArenaCase[] = [];
  const folds = cv ? 5 : 1;
  for (let f = 0; f < folds; f++) {
    const inFold = (i: number) => !cv || i % folds === f;
    const measured = cv ? arena.filter((_, i) => inFold(i)) : test;
    const others = cv ? arena.filter((_, i) => !inFold(i)) : (teach ?? []);
    const m = fresh();
    if (teach !== null) {
      learnFromOutcomes(m, others, models);
    }
    for (const c of casesFor(measured, others, m, ids)) {
      byCase.set(c, m);
      cases.push(c);
    }
  }
  return {
    label,
    cases,
    quality: (c, id) => {
      const m = models.get(id);
      return m ? (byCase.get(c) as LearnedQuality).qualityOf(m, c.reading) : 0;
    },
  };
}

function printArena(title: string, rows: readonly BenchRow[], runs: ArenaRun[], routable: Map<string, Price>): void {
  const singles = singleModels(rows, routable);
  const best = singles[0];
  if (!best) {
    return;
  }
  const target = 0.95 * best.meanScore;
  console.log(`\n${title}: ${rows.length} prompts`);
  console.log('  single models (mean judge score, total cost):');
  for (const s of singles) {
    console.log(`    ${s.model.padEnd(28)} ${s.meanScore.toFixed(2)}  $${s.costUsd.toFixed(3)}`);
  }
  const orc = oracle(rows, routable);
  const matchBest = oracleMatching(rows, routable, best.model);
  const oracleReach = costToReach(oracleTradeoffCurve(rows, routable), target);
  console.log(`  oracle (cheapest top-scoring model per prompt): ${orc.meanScore.toFixed(2)} for $${orc.costUsd.toFixed(3)} (${pct(orc.costUsd / best.costUsd)} of ${best.model})`);
  console.log(`  oracle (cheapest model scoring at least ${best.model}'s score, per prompt): ${matchBest.meanScore.toFixed(2)} for $${matchBest.costUsd.toFixed(3)} (${pct(matchBest.costUsd / best.costUsd)})`);
  console.log(`  oracle reaching 95% of ${best.model}'s mean at least cost: ${oracleReach.direct === null ? 'n/a' : `$${oracleReach.direct.toFixed(3)} (${pct(oracleReach.direct / best.costUsd)})`}`);
  const share = (c: number | null) => (c === null ? 'not reached' : `${pct(c / best.costUsd)} of ${best.model}'s cost ($${c.toFixed(3)})`);
  console.log(`  cost to reach 95% of the best single model's mean (${target.toFixed(2)}), on the curve / on its upper convex hull:`);
  for (const run of runs) {
    const curve = routeCurve(run.cases, routable, run.quality, lambdaGrid());
    const reach = costToReach(curve, target);
    const byThreshold = costToReach(thresholdCurve(run.cases, routable, run.quality), target);
    console.log(`    ${run.label}: ${share(reach.direct)} / ${share(reach.hull)}; cheapest-above-threshold rule: hull ${share(byThreshold.hull)}`);
  }
  console.log(`    mixing single models only: hull ${share(costToReach(singles, target).hull)}`);
  const main = runs[runs.length - 1];
  if (main) {
    console.log(`  ${main.label}, cost–quality curve (each model scored by predicted quality − λ × estimated USD):`);
    printCurve(routeCurve(main.cases, routable, main.quality, lambdaGrid()), best.costUsd);
  }
}

function printCurve(curve: CurvePoint[], bestCost: number): void {
  let last = '';
  for (const p of curve) {
    const line = `${p.meanScore.toFixed(2)}  $${p.costUsd.toFixed(3)}`;
    if (line !== last) {
      const mix = Object.entries(p.mix).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([m, s]) => `${m} ${pct(s)}`).join(', ');
      console.log(`    λ=${p.lambda.toPrecision(3).padEnd(8)} mean ${line}  (${pct(p.costUsd / bestCost)} of best's cost)  ${mix}`);
      last = line;
    }
  }
}

function arenaSection(): void {
  const arena = loadArena();
  const { priced, unpriced } = pricedArena(arena, loadPrices());
  const { models, missing, source } = benchModels([...new Set(arena.flatMap((r) => Object.keys(r.outcomes)))]);
  const routable = new Map([...priced].filter(([m]) => models.has(m)));
  const train = arena.filter((r) => !isTest(r));
  const test = arena.filter((r) => isTest(r));
  console.log(`\nArena (arena-bench-v1, GPT-4 judge scores 1–10): per-model figures per category from LMArena, ${source}`);
  for (const [id, m] of models) {
    const cats = Object.entries(m.qualityByCategory ?? {}).map(([c, q]) => `${c} ${q.toFixed(2)}`).join(', ');
    console.log(`    ${id.padEnd(28)} overall ${m.qualityPrior.toFixed(3)}; ${cats}`);
  }
  console.log(`  no LMArena row, so no figure (left out, never invented): ${missing.join(', ')}`);
  console.log(`  no public price (left out of the cost curve, not $0): ${unpriced.join(', ')}`);
  console.log(`  routed: ${[...routable.keys()].join(', ')}`);
  // Per-model priors fitted on the training prompts' judge scores: the previous model's approach.
  const judgeMeans = (rows: readonly BenchRow[]) => new Map([...routable.keys()].map((id) => {
    const s = rows.map((r) => r.outcomes[id]).filter((v): v is number => typeof v === 'number');
    return [id, s.length ? s.reduce((a, b) => a + b, 0) / s.length / 10 : 0.5] as const;
  }));
  const priorsOnly = (label: string, cases: ArenaCase[], stats: (c: ArenaCase) => Map<string, number>): ArenaRun => ({ label, cases, quality: (c, id) => stats(c).get(id) ?? 0 });
  const heldRuns = [
    fRun('catalog figures × prompt profile, no outcomes learned', test, null, false, arena, models),
    (() => {
      const r = fRun('x', test, train, false, arena, models);
      const means = judgeMeans(train);
      return priorsOnly('per-model judge means of the training prompts (no prompt signal)', r.cases, () => means);
    })(),
    ...measuredModels().map((m) => fRun(`f (${m.label} model) = catalog figures × profile + online learning from the ${train.length} training prompts' outcomes`, test, train, false, arena, models, m.model)),
  ];
  printArena(`Arena held out (never trained on, nor used to choose anything)`, test, heldRuns, routable);
  const cvRuns = [
    fRun('catalog figures × prompt profile, no outcomes learned', arena, null, true, arena, models),
    ...measuredModels().map((m) => fRun(`f (${m.label} model) with online learning from the other folds`, arena, arena, true, arena, models, m.model)),
  ];
  printArena('Arena, 5-fold cross-validation over all prompts (more prompts, less noise; κ was chosen on the training ones)', arena, cvRuns, routable);
  arenaGapRanking(arena);
}

/**
 * Whether D ranks the arena prompts by the best model's edge over a cheaper one (APGR with judge
 * scores, 0.5 = random order): the cost at 95% can only fall well below mixing single models if
 * some per-prompt signal says where the cheap model is as good.
 */
function arenaGapRanking(arena: readonly BenchRow[]): void {
  const best = 'gpt-4-1106-preview';
  console.log(`\nArena: does D rank prompts by ${best}'s edge in judge score (APGR, random 0.5; all ${arena.length} prompts)?`);
  for (const { label, model } of measuredModels()) {
    const m = model();
    const cells = ['gpt-3.5-turbo-1106', 'gpt-3.5-turbo', 'Mixtral-8x7B-Instruct-v0.1'].map((cheap) => {
      const rows = arena.filter((r) => typeof r.outcomes[best] === 'number' && typeof r.outcomes[cheap] === 'number');
      const o = rows.map((r) => ({ strong: r.outcomes[best] as number, weak: r.outcomes[cheap] as number, score: m.read(extractFeatures({ messages: [{ role: 'user', content: r.prompt }] })).difficulty.d }));
      return `vs ${cheap} ${apgr(o).toFixed(3)}`;
    });
    console.log(`  ${label} model: ${cells.join(', ')}`);
  }
}

// `--only=pair|arena|latency` runs one section (the latency one alone takes seconds, the others train a baseline).
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7);
if (!only || only === 'pair') {
  pairSection();
}
if (!only || only === 'arena') {
  arenaSection();
}
if (!only || only === 'latency') {
  // Same measurement as `npm run bench:routing-latency`, which adds --single-threaded for cleaner CPU time.
  void runLatency();
}
