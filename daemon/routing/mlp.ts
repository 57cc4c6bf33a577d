// A one-hidden-layer network (ReLU, two sigmoid outputs) over a prompt's dense block: its dense
// cues and mean word vector. It sees interactions the linear experts cannot (long AND numeric,
// "which of the following" in a legal-sounding prompt), and its inputs carry to subjects never
// trained on, unlike hashed words. Trained by `npm run train:router` (seeded SGD, deterministic),
// shipped as int16 weights; evaluating it costs inputs × hidden multiply-adds (≈ 1 200).
import { z } from 'zod';
import { decodeWeights, encodeWeights, seededRandom, sigmoid } from './linearModel';

export interface Mlp {
  inputs: number;
  hidden: number;
  /** Per input: training mean and standard deviation (inputs are standardised). */
  mean: Float32Array;
  sd: Float32Array;
  /** hidden × inputs, row-major. */
  w1: Float32Array;
  b1: Float32Array;
  /** 2 × hidden. */
  w2: Float32Array;
  b2: Float32Array;
}

export interface MlpOptions {
  hidden: number;
  epochs: number;
  /** Learning rate of the first epoch; epoch e uses rate / (1 + e). */
  learningRate: number;
  l2: number;
  seed: number;
}

/** Trains both outputs at once (each a logistic loss on a 0/1 target); same inputs and seed, same weights. */
export function trainMlp(xs: readonly Float32Array[], ys: readonly (readonly [number, number])[], o: MlpOptions): Mlp {
  const n = xs[0]?.length ?? 0;
  const h = o.hidden;
  const mean = new Float32Array(n);
  const sd = new Float32Array(n);
  for (const x of xs) {
    for (let i = 0; i < n; i++) {
      mean[i] = (mean[i] ?? 0) + (x[i] ?? 0) / xs.length;
    }
  }
  for (const x of xs) {
    for (let i = 0; i < n; i++) {
      sd[i] = (sd[i] ?? 0) + ((x[i] ?? 0) - (mean[i] ?? 0)) ** 2 / xs.length;
    }
  }
  for (let i = 0; i < n; i++) {
    sd[i] = Math.sqrt(sd[i] ?? 0) || 1;
  }
  const rnd = seededRandom(o.seed);
  const w1 = Float32Array.from({ length: h * n }, () => ((rnd() - 0.5) * 2) / Math.sqrt(n));
  const b1 = new Float32Array(h);
  const w2 = Float32Array.from({ length: 2 * h }, () => ((rnd() - 0.5) * 2) / Math.sqrt(h));
  const b2 = new Float32Array(2);
  const order = xs.map((_, i) => i);
  const z = new Float32Array(n);
  const a = new Float32Array(h);
  const ga = new Float32Array(h);
  for (let e = 0; e < o.epochs; e++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    const rate = o.learningRate / (1 + e);
    for (const k of order) {
      const x = xs[k];
      const y = ys[k];
      if (!x || !y) {
        continue;
      }
      for (let i = 0; i < n; i++) {
        z[i] = ((x[i] ?? 0) - (mean[i] ?? 0)) / (sd[i] ?? 1);
      }
      for (let j = 0; j < h; j++) {
        let s = b1[j] ?? 0;
        for (let i = 0; i < n; i++) {
          s += (w1[j * n + i] ?? 0) * (z[i] ?? 0);
        }
        a[j] = s > 0 ? s : 0;
      }
      ga.fill(0);
      for (let out = 0; out < 2; out++) {
        let s = b2[out] ?? 0;
        for (let j = 0; j < h; j++) {
          s += (w2[out * h + j] ?? 0) * (a[j] ?? 0);
        }
        const g = sigmoid(s) - (y[out] ?? 0);
        b2[out] = (b2[out] ?? 0) - rate * g;
        for (let j = 0; j < h; j++) {
          const w = w2[out * h + j] ?? 0;
          ga[j] = (ga[j] ?? 0) + g * w;
          w2[out * h + j] = w - rate * (g * (a[j] ?? 0) + o.l2 * w);
        }
      }
      for (let j = 0; j < h; j++) {
        if ((a[j] ?? 0) <= 0) {
          continue;
        }
        const g = ga[j] ?? 0;
        b1[j] = (b1[j] ?? 0) - rate * g;
        for (let i = 0; i < n; i++) {
          const w = w1[j * n + i] ?? 0;
          w1[j * n + i] = w - rate * (g * (z[i] ?? 0) + o.l2 * w);
        }
      }
    }
  }
  return { inputs: n, hidden: h, mean, sd, w1, b1, w2, b2 };
}

/** Standardised inputs, reused (a decision allocates nothing here). */
let scratch = new Float32Array(0);

/** P(output 0) − P(output 1): the strong model's predicted edge. `x` must have `m.inputs` values. */
export function mlpGap(m: Mlp, x: ArrayLike<number>): number {
  const { inputs: n, hidden: h } = m;
  if (scratch.length < n) {
    scratch = new Float32Array(n);
  }
  const z = scratch;
  for (let i = 0; i < n; i++) {
    z[i] = ((x[i] ?? 0) - (m.mean[i] ?? 0)) / (m.sd[i] ?? 1);
  }
  let s0 = m.b2[0] ?? 0;
  let s1 = m.b2[1] ?? 0;
  for (let j = 0; j < h; j++) {
    let s = m.b1[j] ?? 0;
    const row = j * n;
    for (let i = 0; i < n; i++) {
      s += (m.w1[row + i] ?? 0) * (z[i] ?? 0);
    }
    if (s > 0) {
      s0 += (m.w2[j] ?? 0) * s;
      s1 += (m.w2[h + j] ?? 0) * s;
    }
  }
  return sigmoid(s0) - sigmoid(s1);
}

const Encoded = z.object({ scale: z.number(), int16: z.string() });
export const MlpFile = z.object({
  inputs: z.number().int().positive(),
  hidden: z.number().int().positive(),
  mean: z.array(z.number()),
  sd: z.array(z.number().positive()),
  w1: Encoded,
  b1: z.array(z.number()),
  w2: Encoded,
  b2: z.tuple([z.number(), z.number()]),
});
export type MlpFile = z.infer<typeof MlpFile>;

/** Six significant digits: the file stays readable and byte-identical across runs. */
const round = (v: number) => Number(v.toPrecision(6));

export function encodeMlp(m: Mlp): MlpFile {
  return {
    inputs: m.inputs,
    hidden: m.hidden,
    mean: Array.from(m.mean, round),
    sd: Array.from(m.sd, round),
    w1: encodeWeights(m.w1),
    b1: Array.from(m.b1, round),
    w2: encodeWeights(m.w2),
    b2: [round(m.b2[0] ?? 0), round(m.b2[1] ?? 0)],
  };
}

export function decodeMlp(f: MlpFile): Mlp {
  const m: Mlp = {
    inputs: f.inputs,
    hidden: f.hidden,
    mean: Float32Array.from(f.mean),
    sd: Float32Array.from(f.sd),
    w1: decodeWeights(f.w1),
    b1: Float32Array.from(f.b1),
    w2: decodeWeights(f.w2),
    b2: Float32Array.from(f.b2),
  };
  if (m.mean.length !== f.inputs || m.sd.length !== f.inputs || m.w1.length !== f.inputs * f.hidden || m.b1.length !== f.hidden || m.w2.length !== 2 * f.hidden) {
    throw new Error(`network of ${f.inputs} inputs × ${f.hidden} hidden units: weight shapes do not match`);
  }
  return m;
}
