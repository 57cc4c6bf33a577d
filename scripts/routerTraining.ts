// The strong/weak difficulty experts' training, shared by `npm run train:router` and the
// benchmark's unseen-subject check (which trains without whole MMLU subjects).
import { STRONG, WEAK, type BenchRow } from '../bench/routingData';
import { averageWeights, dot, seededRandom, sigmoid, trainLinear, type TrainOptions } from '../daemon/routing/linearModel';
import { DIMENSIONS, EMBEDDING_OFFSET, HAS_OPTIONS, type SparseVector } from '../daemon/routing/promptFeatures';
import type { Expert } from '../daemon/routing/learnedQuality';

// Chosen by 3-fold validation inside the training split (never the held-out prompts): more,
// slower epochs and bagging help the multiple-choice expert; the open expert (≈ 690 prompts)
// overfits quickly, so it gets two epochs and no bagging.
export const BAGS: Record<'choice' | 'open', number> = { choice: 5, open: 1 };
export const OPTIONS: Record<'choice' | 'open', TrainOptions> = {
  choice: { loss: 'logistic', epochs: 10, learningRate: 0.05, l2: 1e-4, seed: 7 },
  open: { loss: 'logistic', epochs: 2, learningRate: 0.1, l2: 1e-4, seed: 11 },
};
export const hasOptions = (x: SparseVector): boolean => {
  for (let i = x.idx.length - 1; i >= 0; i--) {
    if (x.idx[i] === HAS_OPTIONS) {
      return (x.val[i] ?? 0) > 0.5;
    }
  }
  return false;
};

/** The same vector without its word-vector block (the validation ablation). */
export function withoutEmbedding(x: SparseVector): SparseVector {
  const keep: number[] = [];
  for (let i = 0; i < x.idx.length; i++) {
    if ((x.idx[i] ?? 0) < EMBEDDING_OFFSET) {
      keep.push(i);
    }
  }
  return { idx: Int32Array.from(keep, (i) => x.idx[i] ?? 0), val: Float32Array.from(keep, (i) => x.val[i] ?? 0) };
}

export function trainExpert(xs: SparseVector[], rows: BenchRow[], o: TrainOptions, bags: number): Expert {
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

export type Vectorise = (r: BenchRow) => SparseVector;

export function trainExperts(rows: BenchRow[], vec: Vectorise, bags: Record<'choice' | 'open', number>): Record<'choice' | 'open', Expert> {
  const xs = rows.map(vec);
  const split = (choice: boolean) => {
    const i = xs.map((x, k) => ({ x, k })).filter((o) => hasOptions(o.x) === choice);
    return { xs: i.map((o) => o.x), rows: i.map((o) => rows[o.k] as BenchRow) };
  };
  const c = split(true);
  const o = split(false);
  return { choice: trainExpert(c.xs, c.rows, OPTIONS.choice, bags.choice), open: trainExpert(o.xs, o.rows, OPTIONS.open, bags.open) };
}

export function scorer(experts: Record<'choice' | 'open', Expert>, vec: Vectorise): (r: BenchRow) => number {
  return (r) => {
    const x = vec(r);
    const e = hasOptions(x) ? experts.choice : experts.open;
    return (sigmoid(dot(e.strong, x)) - sigmoid(dot(e.weak, x)) - e.mean) / (e.sd || 1);
  };
}

