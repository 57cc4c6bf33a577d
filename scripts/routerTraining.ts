// The strong/weak difficulty experts' training, shared by `npm run train:router` and the
// benchmark's unseen-subject check (which trains without whole MMLU subjects).
import { STRONG, WEAK, type BenchRow } from '../bench/routingData';
import { averageWeights, seededRandom, trainLinear, type TrainOptions } from '../daemon/routing/linearModel';
import { DIMENSIONS, HAS_OPTIONS, maskVector, type ExpertReads, type SparseVector } from '../daemon/routing/promptFeatures';
import { averageGap, blendDifficulty, DENSE_BLOCK, denseBlock, expertParts, linearGain, OBJECTIVE_HEADS, type Expert, type Head, type Objective } from '../daemon/routing/learnedQuality';
import { trainMlp, type MlpOptions } from '../daemon/routing/mlp';

// Chosen by 3-fold validation inside the training split (never the held-out prompts): more,
// slower epochs and bagging help the multiple-choice expert; the open expert (≈ 690 prompts)
// overfits quickly, so it gets two epochs and no bagging.
export const BAGS: Record<'choice' | 'open', number> = { choice: 5, open: 1 };
export const OPTIONS: Record<'choice' | 'open', TrainOptions> = {
  choice: { loss: 'logistic', epochs: 10, learningRate: 0.05, l2: 1e-4, seed: 7 },
  open: { loss: 'logistic', epochs: 2, learningRate: 0.1, l2: 1e-4, seed: 11 },
};
/**
 * The network beside each linear expert (mlp.ts): 16 hidden units, 8 epochs. Chosen in exploration
 * by the same 3-fold CV inside the training split (model card): 32 units fitted the prompt folds
 * as well but lost 0.06 on subject-group CV. Its blend weight is chosen by train:router's
 * validation.
 */
export const NET_OPTIONS: MlpOptions = { hidden: 16, epochs: 8, learningRate: 0.01, l2: 1e-4, seed: 5 };
/**
 * Networks per expert, seeds seed…seed+2, gaps averaged: with one network the multiple-choice
 * expert's CV gain came and went with the initial weights (+0.003 MMLU / +0.013 subjects with one
 * seed, −0.002 / −0.009 with another), so a single seed's result is not a signal.
 */
export const NET_SEEDS = 3;
/** Blend weights of the network validated (0 = the linear experts alone). */
export const NET_WEIGHTS = [0, 0.25, 0.5, 1];

export const hasOptions = (x: SparseVector): boolean => {
  for (let i = x.idx.length - 1; i >= 0; i--) {
    if (x.idx[i] === HAS_OPTIONS) {
      return (x.val[i] ?? 0) > 0.5;
    }
  }
  return false;
};

const strongOf = (r: BenchRow | undefined) => r?.outcomes[STRONG] ?? 0;
const weakOf = (r: BenchRow | undefined) => r?.outcomes[WEAK] ?? 0;
/** Each head's label, and which prompts it learns from (null: all). */
const HEAD_LABEL: Record<Head, { label: (r: BenchRow | undefined) => number; only?: (r: BenchRow | undefined) => boolean }> = {
  strong: { label: strongOf },
  weak: { label: weakOf },
  disagree: { label: (r) => (strongOf(r) !== weakOf(r) ? 1 : 0) },
  strongWins: { label: strongOf, only: (r) => strongOf(r) !== weakOf(r) },
};

/** `objective`: what the linear heads predict (learnedQuality's OBJECTIVES); the networks are the same for every objective. */
export function trainExpert(xs: SparseVector[], rows: BenchRow[], o: TrainOptions, bags: number, netWeight: number | null = null, objective: Objective = 'correct'): Expert {
  const names = OBJECTIVE_HEADS[objective];
  const trained = new Map<Head, Float32Array[]>(names.map((h) => [h, []]));
  for (let b = 0; b < bags; b++) {
    const rnd = seededRandom(o.seed * 1000 + b);
    const pick = bags === 1 ? xs.map((_, i) => i) : xs.map(() => Math.floor(rnd() * xs.length));
    const opts = { ...o, seed: o.seed + b };
    for (const h of names) {
      const { label, only } = HEAD_LABEL[h];
      const use = only ? pick.filter((i) => only(rows[i])) : pick;
      trained.get(h)?.push(trainLinear(use.map((i) => xs[i] as SparseVector), use.map((i) => label(rows[i])), DIMENSIONS, opts));
    }
  }
  const heads = Object.fromEntries(names.map((h) => [h, averageWeights(trained.get(h) ?? [])])) as Expert['heads'];
  const e: Expert = { ...(objective === 'correct' ? {} : { objective }), heads, mean: 0, sd: 1 };
  const gaps = xs.map((x) => linearGain(e, x));
  e.mean = gaps.reduce((s, g) => s + g, 0) / Math.max(1, gaps.length);
  e.sd = Math.sqrt(gaps.reduce((s, g) => s + (g - e.mean) ** 2, 0) / Math.max(1, gaps.length)) || 1;
  if (netWeight !== null) {
    const inputs = xs.map((x) => denseBlock(x, new Float32Array(DENSE_BLOCK)));
    const ys = rows.map((r) => [strongOf(r), weakOf(r)] as const);
    const mlps = Array.from({ length: NET_SEEDS }, (_, b) => trainMlp(inputs, ys, { ...NET_OPTIONS, seed: NET_OPTIONS.seed + b }));
    const netGaps = inputs.map((x) => averageGap(mlps, x));
    const mean = netGaps.reduce((s, g) => s + g, 0) / Math.max(1, netGaps.length);
    const sd = Math.sqrt(netGaps.reduce((s, g) => s + (g - mean) ** 2, 0) / Math.max(1, netGaps.length)) || 1;
    const zl = gaps.map((g) => (g - e.mean) / e.sd);
    const zn = netGaps.map((g) => (g - mean) / sd);
    const corr = zl.reduce((s, v, i) => s + v * (zn[i] ?? 0), 0) / Math.max(1, zl.length);
    e.net = { mlps, mean, sd, corr: Math.max(-1, Math.min(1, corr)), weight: netWeight };
  }
  return e;
}

export type Vectorise = (r: BenchRow) => SparseVector;

/**
 * The features each expert reads: multiple-choice and open prompts each with or without the
 * word-vector block and the word-problem cues (train:router's validation decides per expert).
 */
export function expertVectorise(vec: Vectorise, reads: Record<'choice' | 'open', ExpertReads>): Vectorise {
  return (r) => {
    const x = vec(r);
    const use = reads[hasOptions(x) ? 'choice' : 'open'];
    return use.wordVectors && use.wordProblemCues ? x : maskVector(x, use);
  };
}

/** Marks each expert with the feature groups it was trained with (its network must see zeros elsewhere). */
export function markReads(e: Record<'choice' | 'open', Expert>, reads: Record<'choice' | 'open', ExpertReads>): Record<'choice' | 'open', Expert> {
  return { choice: { ...e.choice, reads: reads.choice }, open: { ...e.open, reads: reads.open } };
}

/** `netWeight` null: linear experts only; a number: each expert also trains its network, blended at that weight. */
export function trainExperts(rows: BenchRow[], vec: Vectorise, bags: Record<'choice' | 'open', number>, netWeight: number | null = null, objectives: Record<'choice' | 'open', Objective> = { choice: 'correct', open: 'correct' }): Record<'choice' | 'open', Expert> {
  const xs = rows.map(vec);
  const split = (choice: boolean) => {
    const i = xs.map((x, k) => ({ x, k })).filter((o) => hasOptions(o.x) === choice);
    return { xs: i.map((o) => o.x), rows: i.map((o) => rows[o.k] as BenchRow) };
  };
  const c = split(true);
  const o = split(false);
  return { choice: trainExpert(c.xs, c.rows, OPTIONS.choice, bags.choice, netWeight, objectives.choice), open: trainExpert(o.xs, o.rows, OPTIONS.open, bags.open, netWeight, objectives.open) };
}

/** D of a prompt as the router computes it (learnedQuality's expertDifficulty through the same parts). */
export function scorer(experts: Record<'choice' | 'open', Expert>, vec: Vectorise): (r: BenchRow) => number {
  const parts = partsScorer(experts, vec);
  return (r) => {
    const p = parts(r);
    return p.d(p.expert.net?.weight ?? 0);
  };
}

/** Per prompt, D as a function of the network's blend weight (validation compares weights without retraining). */
export function partsScorer(experts: Record<'choice' | 'open', Expert>, vec: Vectorise): (r: BenchRow) => { expert: Expert; d: (weight: number) => number } {
  return (r) => {
    const x = vec(r);
    const e = hasOptions(x) ? experts.choice : experts.open;
    const p = expertParts(e, x);
    return { expert: e, d: (w) => blendDifficulty(p.linear, p.net, w, e.net?.corr ?? 0) };
  };
}

