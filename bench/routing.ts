// `npm run bench:routing`: the routing figures issue 7 asks for, on prompts never trained on.
// Data: ../shared/routing-bench (RouteLLM's MMLU/GSM8K responses, Apache-2.0; arena-hard-auto's
// arena-bench-v1 judgments, Apache-2.0; prices from @pydantic/genai-prices, MIT).
import { loadArena, loadPair, loadPrices, isTest, STRONG, WEAK, type BenchRow } from './routingData';
import { pairReport, type PairReport } from './pairEval';
import { costToReach, lambdaGrid, modelStats, oracle, oracleMatching, oracleTradeoffCurve, routeCurve, singleModels, thresholdCurve, type ArenaCase, type Price } from './arenaEval';
import { dot, seededRandom, trainLinear } from '../daemon/routing/linearModel';
import { apgr } from './routingMetrics';
import { DIMENSIONS, promptVector } from '../daemon/routing/promptFeatures';
import { shippedQualityModel } from '../daemon/routing/learnedQuality';
import { runLatency } from './routingLatency';

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

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
  const model = shippedQualityModel();
  console.log(`Strong/weak pair (${STRONG} vs ${WEAK}): ${train.length} training prompts, ${test.length} held out by prompt`);
  for (const b of ['mmlu', 'gsm8k']) {
    const rowsB = test.filter((r) => r.benchmark === b);
    const s = rowsB[0] ? pairReport(b, rowsB, () => 0) : null;
    const reports = [
      // A constant score is the random router's expectation (ties are routed in random order).
      { ...pairReport('random (expected)', rowsB, () => 0) },
      { ...pairReport('bag-of-words baseline', rowsB, (r) => dot(bow, promptVector(r.prompt, 1))) },
      { ...pairReport('learned (shipped)', rowsB, (r: BenchRow) => model.difficultyOf(promptVector(r.prompt)).d) },
    ];
    printPair(`${b.toUpperCase()} held out: ${rowsB.length} prompts, strong ${pct(s?.strongAccuracy ?? 0)} / weak ${pct(s?.weakAccuracy ?? 0)} correct`, reports);
    const ci = bootstrapApgr(rowsB, (r) => model.difficultyOf(promptVector(r.prompt)).d);
    console.log(`  learned APGR 95% bootstrap interval over held-out prompts: ${ci[0].toFixed(3)}–${ci[1].toFixed(3)}`);
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

function arenaSection(): void {
  const arena = loadArena();
  const prices = new Map<string, Price>();
  const unpriced: string[] = [];
  const inArena = new Set(arena.flatMap((r) => Object.keys(r.outcomes)));
  for (const [m, p] of loadPrices()) {
    if (!inArena.has(m)) {
      continue;
    }
    if (p) {
      prices.set(m, p);
    } else {
      unpriced.push(m);
    }
  }
  const model = shippedQualityModel();
  const models = [...prices.keys()];
  const quality = (m: string, prior: number, d: number) => model.qualityOf(m, prior, d);
  const folds = 5;
  const cases: ArenaCase[] = [];
  for (let f = 0; f < folds; f++) {
    const stats = modelStats(arena.filter((_, i) => i % folds !== f), models);
    arena.forEach((row, i) => {
      if (i % folds === f) {
        cases.push({ row, difficulty: model.difficultyOf(promptVector(row.prompt)), stats });
      }
    });
  }
  const singles = singleModels(arena, prices);
  const best = singles[0];
  if (!best) {
    return;
  }
  const curve = routeCurve(cases, prices, quality, lambdaGrid());
  const twoTier = routeCurve(cases, prices, (_m, prior) => prior, lambdaGrid());
  const target = 0.95 * best.meanScore;
  const reach = costToReach(curve, target);
  const reachPrior = costToReach(twoTier, target);
  const reachSingles = costToReach(singles, target);
  const orc = oracle(arena, prices);
  const matchBest = oracleMatching(arena, prices, best.model);
  const oracleReach = costToReach(oracleTradeoffCurve(arena, prices), 0.95 * best.meanScore);
  console.log(`\nArena (arena-bench-v1): ${arena.length} prompts, 5-fold cross-validation by prompt (priors and answer lengths from the other folds)`);
  console.log(`  priced models: ${models.join(', ')}`);
  console.log(`  left out of the cost curve (no public price, not $0): ${unpriced.join(', ')}`);
  console.log('  single models (mean judge score, total cost):');
  for (const s of singles) {
    console.log(`    ${s.model.padEnd(28)} ${s.meanScore.toFixed(2)}  $${s.costUsd.toFixed(3)}`);
  }
  console.log(`  oracle (cheapest top-scoring model per prompt): ${orc.meanScore.toFixed(2)} for $${orc.costUsd.toFixed(3)} (${pct(orc.costUsd / best.costUsd)} of ${best.model})`);
  console.log(`  oracle (cheapest model scoring at least ${best.model}'s score, per prompt): ${matchBest.meanScore.toFixed(2)} for $${matchBest.costUsd.toFixed(3)} (${pct(matchBest.costUsd / best.costUsd)})`);
  console.log(`  oracle reaching 95% of ${best.model}'s mean at least cost (per prompt argmax true score − λ·cost): ${oracleReach.direct === null ? 'n/a' : `$${oracleReach.direct.toFixed(3)} (${pct(oracleReach.direct / best.costUsd)})`}`);
  console.log('  learned router cost–quality curve (each model scored by predicted quality − λ × estimated USD):');
  let last = '';
  for (const p of curve) {
    const line = `${p.meanScore.toFixed(2)}  $${p.costUsd.toFixed(3)}`;
    if (line !== last) {
      const mix = Object.entries(p.mix).sort((a, b) => b[1] - a[1]).slice(0, 3).map(([m, s]) => `${m} ${pct(s)}`).join(', ');
      console.log(`    λ=${p.lambda.toPrecision(3).padEnd(8)} mean ${line}  (${pct(p.costUsd / best.costUsd)} of best's cost)  ${mix}`);
      last = line;
    }
  }
  const share = (c: number | null) => (c === null ? 'not reached' : `$${c.toFixed(3)} = ${pct(c / best.costUsd)} of ${best.model}'s cost`);
  console.log(`  95% of the best single model's mean (${target.toFixed(2)}):`);
  console.log(`    learned router: ${share(reach.direct)} on the curve; ${share(reach.hull)} on its upper convex hull`);
  console.log(`    per-model priors only (no prompt signal): ${share(reachPrior.direct)}; hull ${share(reachPrior.hull)}`);
  const byThreshold = costToReach(thresholdCurve(cases, prices, quality), target);
  console.log(`    learned, cheapest model predicted to reach a quality threshold (threshold swept): ${share(byThreshold.direct)}; hull ${share(byThreshold.hull)}`);
  console.log(`    mixing single models only: ${share(reachSingles.hull)}`);
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
