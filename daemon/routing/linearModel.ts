// A sparse linear model (logistic or least squares) trained with AdaGrad. Small enough to train in
// seconds from scripts/train-router.ts and to evaluate in microseconds per prompt.
import type { SparseVector } from './promptFeatures';

export type Loss = 'logistic' | 'squared';

export interface TrainOptions {
  loss: Loss;
  epochs: number;
  learningRate: number;
  l2: number;
  seed: number;
}

export function dot(w: Float32Array, x: SparseVector): number {
  let s = 0;
  for (let i = 0; i < x.idx.length; i++) {
    s += (w[x.idx[i] ?? 0] ?? 0) * (x.val[i] ?? 0);
  }
  return s;
}

export function sigmoid(z: number): number {
  return z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z));
}

/** mulberry32: a seeded generator so training is reproducible. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function trainLinear(xs: readonly SparseVector[], ys: readonly number[], dims: number, o: TrainOptions, weights?: readonly number[]): Float32Array {
  const w = new Float32Array(dims);
  const g2 = new Float32Array(dims).fill(1e-6);
  const rnd = seededRandom(o.seed);
  const order = xs.map((_, i) => i);
  for (let epoch = 0; epoch < o.epochs; epoch++) {
    for (let i = order.length - 1; i > 0; i--) {
      const j = Math.floor(rnd() * (i + 1));
      const t = order[i] ?? 0;
      order[i] = order[j] ?? 0;
      order[j] = t;
    }
    for (const k of order) {
      const x = xs[k];
      const y = ys[k];
      if (!x || y === undefined) {
        continue;
      }
      const z = dot(w, x);
      const pred = o.loss === 'logistic' ? sigmoid(z) : z;
      const g = (pred - y) * (weights?.[k] ?? 1);
      for (let i = 0; i < x.idx.length; i++) {
        const f = x.idx[i] ?? 0;
        const grad = g * (x.val[i] ?? 0) + o.l2 * (w[f] ?? 0);
        g2[f] = (g2[f] ?? 0) + grad * grad;
        w[f] = (w[f] ?? 0) - (o.learningRate * grad) / Math.sqrt(g2[f] ?? 1);
      }
    }
  }
  return w;
}

/** Weights quantised to int16 with one scale, base64: the compact form of the committed model file. */
export interface EncodedWeights {
  scale: number;
  int16: string;
}

export function encodeWeights(w: Float32Array): EncodedWeights {
  let max = 0;
  for (const v of w) {
    max = Math.max(max, Math.abs(v));
  }
  const scale = max > 0 ? max / 32767 : 1;
  const q = new Int16Array(w.length);
  for (let i = 0; i < w.length; i++) {
    q[i] = Math.round((w[i] ?? 0) / scale);
  }
  return { scale, int16: Buffer.from(q.buffer).toString('base64') };
}

export function decodeWeights(e: EncodedWeights): Float32Array {
  const b = Buffer.from(e.int16, 'base64');
  const q = new Int16Array(b.byteLength / 2);
  new Uint8Array(q.buffer).set(b);
  const out = new Float32Array(q.length);
  for (let i = 0; i < q.length; i++) {
    out[i] = (q[i] ?? 0) * e.scale;
  }
  return out;
}

export function averageWeights(ws: readonly Float32Array[]): Float32Array {
  const out = new Float32Array(ws[0]?.length ?? 0);
  for (const w of ws) {
    for (let i = 0; i < out.length; i++) {
      out[i] = (out[i] ?? 0) + (w[i] ?? 0) / ws.length;
    }
  }
  return out;
}

/**
 * Several weight vectors over the same dimensions, stored sparsely: the indices where any of them
 * is non-zero (varint-coded gaps, base64) and each vector's values there (int16 + scale). Hashed
 * n-gram models leave most buckets untouched, so this is a fraction of the dense size.
 */
export interface SparseWeights {
  dimensions: number;
  indices: string;
  values: EncodedWeights[];
}

export function encodeSparse(ws: readonly Float32Array[]): SparseWeights {
  const dims = ws[0]?.length ?? 0;
  const idx: number[] = [];
  for (let i = 0; i < dims; i++) {
    if (ws.some((w) => (w[i] ?? 0) !== 0)) {
      idx.push(i);
    }
  }
  const bytes: number[] = [];
  let prev = -1;
  for (const i of idx) {
    let gap = i - prev - 1;
    prev = i;
    while (gap >= 0x80) {
      bytes.push((gap & 0x7f) | 0x80);
      gap >>>= 7;
    }
    bytes.push(gap);
  }
  return {
    dimensions: dims,
    indices: Buffer.from(Uint8Array.from(bytes)).toString('base64'),
    values: ws.map((w) => encodeWeights(Float32Array.from(idx, (i) => w[i] ?? 0))),
  };
}

export function decodeSparse(s: SparseWeights): Float32Array[] {
  const bytes = Buffer.from(s.indices, 'base64');
  const idx: number[] = [];
  let prev = -1;
  let gap = 0;
  let shift = 0;
  for (const b of bytes) {
    gap |= (b & 0x7f) << shift;
    if (b & 0x80) {
      shift += 7;
      continue;
    }
    prev += gap + 1;
    idx.push(prev);
    gap = 0;
    shift = 0;
  }
  return s.values.map((v) => {
    const packed = decodeWeights(v);
    if (packed.length !== idx.length) {
      throw new Error(`sparse weights: ${packed.length} values for ${idx.length} indices`);
    }
    const out = new Float32Array(s.dimensions);
    for (let k = 0; k < idx.length; k++) {
      out[idx[k] ?? 0] = packed[k] ?? 0;
    }
    return out;
  });
}
