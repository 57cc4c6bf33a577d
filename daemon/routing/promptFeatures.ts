// The learned model's view of a prompt: hashed word n-grams (what it is about), a few dense
// signals of difficulty (length, numbers, math symbols, answer options) and the weighted mean of
// its words' vectors (what it means, so it carries to subjects never trained on). Shared by
// training and inference so both see exactly the same vector. Bounded work: only the first tokens
// are read.
import { endianness } from 'node:os';
import { shippedWordVectors, type WordVectors } from './wordVectors';

// 2^18 buckets scored +0.013 APGR in validation inside the training split but −0.012 on the held-out
// split (within noise both ways), so the smaller, faster 2^16 stays.
export const HASH_BITS = 16;
export const BUCKETS = 1 << HASH_BITS;
export const DENSE_NAMES = [
  'bias', 'logChars', 'logWords', 'numbers', 'mathSymbols', 'hasOptions', 'optionLength', 'question',
  'lines', 'digitShare', 'whichOfFollowing', 'latex', 'longestNumber', 'distinctNumbers', 'negation',
  'capitalShare', 'sentences', 'codeLike', 'units', 'fractionsPercent', 'ratioWords', 'largestValue',
  'statementPair', 'romanOptions', 'truthOptions', 'numericOptions',
  // Word problems (GSM8K-like): how many steps and quantities the arithmetic involves.
  'operationWords', 'money', 'decimals', 'numericSentences', 'largeNumbers', 'questionHasNumber',
] as const;
/** Dimensions of the shipped word vectors (principal components kept by train:router). */
export const EMBEDDING_DIMS = 48;
export const EMBEDDING_OFFSET = BUCKETS + DENSE_NAMES.length;
export const DIMENSIONS = EMBEDDING_OFFSET + EMBEDDING_DIMS;
/** Dense slots of the word-problem cues (an expert may be trained without them). */
export const WORD_PROBLEM_FIRST = DENSE_NAMES.indexOf('operationWords');
export const WORD_PROBLEM_COUNT = DENSE_NAMES.length - WORD_PROBLEM_FIRST;
/** The dense slot that says "this prompt lists answer options" (picks the multiple-choice expert). */
export const HAS_OPTIONS = BUCKETS + DENSE_NAMES.indexOf('hasOptions');
/** Tokens read for n-grams: difficulty cues sit in the question, not in the 8 000th token. */
const MAX_TOKENS = 384;
/** Words averaged into the mean word vector: what a prompt is about shows in its first words (and this bounds the decision's cost). */
const MAX_EMBEDDED_WORDS = 128;
/** Characters read at most: the prompt vector depends on these and the text's length only. */
export const MAX_SCAN_CHARS = 6000;

export interface SparseVector {
  idx: Int32Array;
  val: Float32Array;
}

/** Which optional feature groups an expert reads (train:router's validation decides per expert). */
export interface ExpertReads {
  wordVectors: boolean;
  wordProblemCues: boolean;
}

/** `x` without the feature groups `reads` leaves out (what an expert trained without them saw). */
export function maskVector(x: SparseVector, reads: ExpertReads): SparseVector {
  const cueLo = BUCKETS + WORD_PROBLEM_FIRST;
  const cueHi = cueLo + WORD_PROBLEM_COUNT;
  const keep: number[] = [];
  for (let i = 0; i < x.idx.length; i++) {
    const j = x.idx[i] ?? 0;
    if ((reads.wordVectors || j < EMBEDDING_OFFSET) && (reads.wordProblemCues || j < cueLo || j >= cueHi)) {
      keep.push(i);
    }
  }
  return { idx: Int32Array.from(keep, (i) => x.idx[i] ?? 0), val: Float32Array.from(keep, (i) => x.val[i] ?? 0) };
}

/** A prompt's vector plus its mean word vector on its own (the prompt profile reads it). */
export interface PromptVector extends SparseVector {
  embedding: Float32Array;
}

const FNV_PRIME = 0x01000193;
const FNV_OFFSET = 0x811c9dc5;

/**
 * The text is read from UTF-16 code units copied into a reused typed array: `charCodeAt` on the
 * sliced strings a prompt arrives as costs ≈ 3× a typed-array read, and the copy is one native call.
 * Reads up to `LOOKAHEAD` past the end see 0, which no cue treats as anything (as `charCodeAt`'s NaN).
 */
const LOOKAHEAD = 4;
const LITTLE_ENDIAN = endianness() === 'LE';

/** A reused buffer of UTF-16 code units, as a typed array and as a Buffer (which copies a string in natively). */
interface Units {
  u: Uint16Array;
  bytes: Buffer;
}

function unitsBuffer(length: number): Units {
  const u = new Uint16Array(length);
  return { u, bytes: Buffer.from(u.buffer, u.byteOffset, u.byteLength) };
}

const scanUnits = unitsBuffer(MAX_SCAN_CHARS + LOOKAHEAD);
let lowerUnits = unitsBuffer(0);

/** `text` copied into `into` (or a larger buffer when it does not fit), followed by LOOKAHEAD zeros. */
function unitsOf(text: string, into: Units): Units {
  const to = into.u.length < text.length + LOOKAHEAD ? unitsBuffer(text.length + LOOKAHEAD) : into;
  if (LITTLE_ENDIAN) {
    to.bytes.write(text, 0, 'utf16le');
  } else {
    for (let i = 0; i < text.length; i++) {
      to.u[i] = text.charCodeAt(i);
    }
  }
  to.u.fill(0, text.length, text.length + LOOKAHEAD);
  return to;
}

/** FNV-1a continued from state `h` over `u[start, end)`, A–Z read as a–z (the tokens are the lower-cased text's). */
function continueHash(h: number, u: Uint16Array, start: number, end: number): number {
  for (let i = start; i < end; i++) {
    const c = u[i] ?? 0;
    h = Math.imul(h ^ (c >= 65 && c <= 90 ? c | 32 : c), FNV_PRIME);
  }
  return h >>> 0;
}

/** FNV-1a, 32-bit, of a whole string (the constant tokens `<s>`, `<num>`, `<num3>`, the cue words). */
function hash(s: string, seed: number): number {
  return continueHash((FNV_OFFSET ^ seed) >>> 0, Uint16Array.from(s, (ch) => ch.charCodeAt(0)), 0, s.length);
}

/** JavaScript's `\s` set, so counts match `split(/\s+/)` and the regular expressions this replaces. */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** What `.` does not match and `^`/`$` see as a line end under the `m` flag. */
const isLineEnd = (c: number): boolean => c === 10 || c === 13 || c === 0x2028 || c === 0x2029;
/** `\w` without the `u` flag (what `\b` looks at). */
const isWordChar = (c: number): boolean => (c >= 97 && c <= 122) || (c >= 65 && c <= 90) || (c >= 48 && c <= 57) || c === 95;
const isLetter = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
/** A–Z read as a–z. */
const folded = (c: number): number => (c >= 65 && c <= 90 ? c | 32 : c);

/** Whether `u[0, n)` holds `word` at `at`, ASCII letters compared case-insensitively when `fold` (as the `i` flag does without `u`). */
function holdsAt(u: Uint16Array, n: number, at: number, word: string, fold: boolean): boolean {
  if (at + word.length > n) {
    return false;
  }
  for (let k = 0; k < word.length; k++) {
    const c = u[at + k] ?? 0;
    if ((fold ? folded(c) : c) !== word.charCodeAt(k)) {
      return false;
    }
  }
  return true;
}

/**
 * Whole words the dense cues count, each with the cues it belongs to. A regular expression
 * `\b(w1|w2|…)\b` matches exactly where a maximal run of `\w` characters is one of its words, so
 * each run is looked up once instead of running one alternation per cue over the text.
 */
const NEGATION = 1; // /\b(not|except|least|false|incorrect)\b/i
const UNIT = 2; // /\b(km|kg|hours?|minutes?|miles?|dollars?|cents?|percent|meters?|liters?)\b/i
const RATIO = 4; // /\b(half|third|quarter|twice|thrice|times|double|triple)\b/g on the lower-cased text
const OPERATION = 8; // /\b(each|per|…|increase|decrease)\b/g on the lower-cased text's first WORD_PROBLEM_CHARS
const CUE_WORDS = new Map<string, number>();
for (const [flag, words] of [
  [NEGATION, 'not except least false incorrect'],
  [UNIT, 'km kg hour hours minute minutes mile miles dollar dollars cent cents percent meter meters liter liters'],
  [RATIO, 'half third quarter twice thrice times double triple'],
  [OPERATION, 'each per every total altogether remaining left more less fewer twice half average split share spend spends spent earn earns earned cost costs buy buys bought sell sells sold pay pays paid profit discount rate increase decrease'],
] as const) {
  for (const w of words.split(' ')) {
    CUE_WORDS.set(w, (CUE_WORDS.get(w) ?? 0) | flag);
  }
}
const CUE_LIST = [...CUE_WORDS.keys()];
const CUE_FLAGS = Int32Array.from(CUE_LIST, (w) => CUE_WORDS.get(w) ?? 0);
const CUE_MIN = Math.min(...CUE_LIST.map((w) => w.length));
const CUE_MAX = Math.max(...CUE_LIST.map((w) => w.length));
/** Open addressing over the words' hashes: word index + 1, 0 = empty. */
const CUE_SLOTS = new Int32Array(256);
CUE_LIST.forEach((w, i) => {
  let slot = hash(w, 0) & 255;
  while (CUE_SLOTS[slot] !== 0) {
    slot = (slot + 1) & 255;
  }
  CUE_SLOTS[slot] = i + 1;
});

/** The cue flags of the word `u[start, end)` (A–Z read as a–z) whose hash is `h`, 0 when it is none of them. */
function cueFlags(u: Uint16Array, start: number, end: number, h: number): number {
  for (let slot = h & 255; ; slot = (slot + 1) & 255) {
    const held = CUE_SLOTS[slot] ?? 0;
    if (held === 0) {
      return 0;
    }
    const w = CUE_LIST[held - 1] ?? '';
    if (w.length === end - start && holdsAt(u, end, start, w, true)) {
      return CUE_FLAGS[held - 1] ?? 0;
    }
  }
}

/** Reused by `cueWordCounts`: [negation seen, unit seen, ratio words, operation words]. */
const cueCounts = new Int32Array(4);

function countCue(flags: number, inHead: boolean): void {
  if (flags & NEGATION) {
    cueCounts[0] = 1;
  }
  if (flags & UNIT) {
    cueCounts[1] = 1;
  }
  if (flags & RATIO) {
    cueCounts[2] = (cueCounts[2] ?? 0) + 1;
  }
  if (flags & OPERATION && inHead) {
    cueCounts[3] = (cueCounts[3] ?? 0) + 1;
  }
}

/**
 * Counts the cue word `u[start, end)` (a maximal run of `\w`, hash `h`); operation words only in the
 * first `headEnd` characters (a word cut there is read as cut, as the regular expression on the
 * sliced head did).
 */
function countCueRun(u: Uint16Array, start: number, end: number, h: number, headEnd: number): void {
  const len = end - start;
  if (len >= CUE_MIN && len <= CUE_MAX) {
    countCue(cueFlags(u, start, end, h >>> 0), end <= headEnd);
  }
  if (start < headEnd && end > headEnd && headEnd - start >= CUE_MIN && headEnd - start <= CUE_MAX) {
    // The head ends inside this word: its first part is a word of the head.
    countCue(cueFlags(u, start, headEnd, continueHash(FNV_OFFSET, u, start, headEnd)) & OPERATION, true);
  }
}

/** The cue words of `u[0, n)` in a pass of their own (the lower-cased form of a non-ASCII text). */
function cueWordCounts(u: Uint16Array, n: number, headEnd: number): Int32Array {
  cueCounts.fill(0);
  let i = 0;
  while (i < n) {
    if (!isWordChar(u[i] ?? 0)) {
      i++;
      continue;
    }
    const start = i;
    let h = FNV_OFFSET;
    for (; i < n; i++) {
      const c = u[i] ?? 0;
      if (!isWordChar(c)) {
        break;
      }
      h = Math.imul(h ^ folded(c), FNV_PRIME);
    }
    countCueRun(u, start, i, h, headEnd);
  }
  return cueCounts;
}

const WORD_PROBLEM_CHARS = 2000;

/**
 * The tokens promptVector reads: the matches of /[a-z]+|\d+(?:[.,]\d+)*|[=+\-*\/^%<>√π∑∫≤≥$]/g in
 * the lower-cased text, found by scanning characters (A–Z read as a–z, which is what lower-casing
 * does to a text of ASCII characters only).
 */
const SYMBOLS = new Set([...'=+-*/^%<>√π∑∫≤≥$'].map((ch) => ch.charCodeAt(0)));

/** End (exclusive) of the token starting at `i` in `u[0, n)`, or -1 when no token starts there. */
function tokenEnd(u: Uint16Array, n: number, i: number): number {
  const c = folded(u[i] ?? 0);
  let j = i + 1;
  if (isLetter(c)) {
    while (j < n && isLetter(folded(u[j] ?? 0))) {
      j++;
    }
    return j;
  }
  if (isDigit(c)) {
    while (j < n && isDigit(u[j] ?? 0)) {
      j++;
    }
    // (?:[.,]\d+)*: a separator counts only when a digit follows it.
    for (;;) {
      const sep = u[j] ?? 0;
      if ((sep === 46 || sep === 44) && j + 1 < n && isDigit(u[j + 1] ?? 0)) {
        j += 2;
        while (j < n && isDigit(u[j] ?? 0)) {
          j++;
        }
      } else {
        return j;
      }
    }
  }
  return SYMBOLS.has(c) ? j : -1;
}

/** Whether `u[a, a + len)` and `u[b, b + len)` are the same characters. */
function sameRun(u: Uint16Array, a: number, b: number, len: number): boolean {
  for (let k = 0; k < len; k++) {
    if (u[a + k] !== u[b + k]) {
      return false;
    }
  }
  return true;
}

const units = (s: string): Uint16Array => Uint16Array.from(s, (ch) => ch.charCodeAt(0));
const START = hash('<s>', 2);
const NUM = units('<num>');
const NUM3 = units('<num3>');
/** `distinctNumbers` is min(3, distinct / 8): past 24 distinct numbers it no longer changes. */
const DISTINCT_CAP = 24;
const TRUTH_WORDS = ['True', 'False', 'Wrong', 'Not wrong'];
const ROMAN_OPTIONS = ['I and II', 'II and III', 'I only', 'I, II'];

/** The truth word starting at `at` (one at most: none is a prefix of another), or ''. */
function truthWordAt(u: Uint16Array, n: number, at: number): string {
  for (const w of TRUTH_WORDS) {
    if (holdsAt(u, n, at, w, false)) {
      return w;
    }
  }
  return '';
}

/** /\b(True|False|Wrong|Not wrong), (True|False|Wrong|Not wrong)\b/ at `at` (the `\b` before it is the caller's). */
function truthPairAt(u: Uint16Array, n: number, at: number): boolean {
  const first = truthWordAt(u, n, at);
  if (!first) {
    return false;
  }
  const comma = at + first.length;
  if (u[comma] !== 44 || u[comma + 1] !== 32) {
    return false;
  }
  const second = truthWordAt(u, n, comma + 2);
  const after = comma + 2 + second.length;
  return second !== '' && !isWordChar(u[after] ?? 0);
}

/** Whether a roman-numeral option list (/\b(I and II|II and III|I only|I, II)/) starts at `at`. */
function romanAt(u: Uint16Array, n: number, at: number): boolean {
  for (const o of ROMAN_OPTIONS) {
    if (holdsAt(u, n, at, o, false)) {
      return true;
    }
  }
  return false;
}

// Reused between calls so a decision allocates little (GC pauses dominate the p99 otherwise).
const seenAt = new Int32Array(BUCKETS);
let generation = 0;
const found = new Int32Array(MAX_TOKENS * 2);
/** Start and length of each distinct number token so far. */
const distinctStart = new Int32Array(DISTINCT_CAP);
const distinctLength = new Int32Array(DISTINCT_CAP);
const dense = new Float64Array(DENSE_NAMES.length);

// What a `reuse` call returns its vector in: the largest vector fits (every token and pair found).
const REUSED_SIZE = MAX_TOKENS * 2 + DENSE_NAMES.length + EMBEDDING_DIMS;
const reusedIdx = new Int32Array(REUSED_SIZE);
const reusedVal = new Float32Array(REUSED_SIZE);
const reusedEmbedding = new Float32Array(EMBEDDING_DIMS);

/**
 * `ngrams`: 2 = words, word pairs and word vectors (the model), 1 = words only (the bag-of-words
 * baseline), 0 = dense only. One pass over the characters for every dense cue, one over the words
 * for the cue words (two for a text with non-ASCII characters), one over the first tokens: the same
 * vector, bit for bit, as the regular expressions these passes replaced (a unit test compares
 * them with that older form on edge cases and generated texts). `reuse`: the vector lives in module
 * buffers until the next reusing call, for a caller that reads it and keeps none of it (the
 * router's reading of each new prompt).
 */
export function promptVector(text: string, ngrams: 0 | 1 | 2 = 2, vectors: WordVectors = shippedWordVectors(), reuse = false): PromptVector {
  if (vectors.dimensions !== EMBEDDING_DIMS) {
    throw new Error(`word vectors have ${vectors.dimensions} dimensions; this build uses ${EMBEDDING_DIMS}`);
  }
  const scan = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const n = scan.length;
  // The scan is at most MAX_SCAN_CHARS: it always fits the scan buffer.
  const u = unitsOf(scan, scanUnits).u;

  // Every character count and every cue a regular expression used to find.
  let digits = 0;
  let capitals = 0;
  let newlines = 0;
  let sentenceEnds = 0;
  let spaceRuns = 0;
  let inSpace = false;
  let ascii = true;
  // The previous character (-1 before the first): \b and ^ look at it.
  let prev = -1;
  // The run of `\w` characters under way (cue words): where it started (-1: none) and its hash so far.
  let runStart = -1;
  let runHash = 0;
  const headEnd = Math.min(n, WORD_PROBLEM_CHARS);
  cueCounts.fill(0);
  // Pieces ending at '.', '!' or '?' (a decimal point too) that hold a digit.
  let numericSentences = 0;
  let pieceHasDigit = false;
  // questionHasNumber: a digit between the last '.' or newline and the last '?'.
  let hasQuestion = false;
  let digitSinceBreak = false;
  let questionHasNumber = false;
  let money = 0;
  let lastDollar = -2;
  let latex = false;
  let decimals = false;
  let fractionsPercent = false;
  let codeLike = false;
  let whichOfFollowing = false;
  let statementPair = false;
  let romanOptions = false;
  let truthOptions = false;
  // /\d[\d,]*(?:\.\d+)?/g: the largest value and how many have ≥ 3 digits before any point.
  let largest = 0;
  let largeNumbers = 0;
  let numbersFrom = 0;
  // /^\s*\(?[A-D][.)]\s+(.*)$/gm: how many matches, their captured text.
  let options = 0;
  let optionChars = 0;
  let numericOptions = 0;
  let optionsFrom = 0;
  for (let i = 0; i < n; i++) {
    const c = u[i] ?? 0;
    if (c >= 97 && c <= 122) {
      // Lower-case letters, most of a text: only a word under way, and the cues that start with
      // one, concern them (an option line cannot start with one).
      if (runStart < 0) {
        runStart = i;
        runHash = FNV_OFFSET;
      }
      runHash = Math.imul(runHash ^ c, FNV_PRIME);
      if (c === 119) {
        whichOfFollowing ||= holdsAt(u, n, i, 'which of the following', true);
      } else if ((c === 100 || c === 102) && !codeLike && !isWordChar(prev)) {
        // /\bdef / and /\bfunction\b/
        codeLike = holdsAt(u, n, i, 'def ', false) || (holdsAt(u, n, i, 'function', false) && !isWordChar(u[i + 8] ?? 0));
      }
      inSpace = false;
      prev = c;
      continue;
    }
    if (c > 127) {
      ascii = false;
    }
    if (isWordChar(c)) {
      if (runStart < 0) {
        runStart = i;
        runHash = FNV_OFFSET;
      }
      runHash = Math.imul(runHash ^ folded(c), FNV_PRIME);
    } else if (runStart >= 0) {
      countCueRun(u, runStart, i, runHash, headEnd);
      runStart = -1;
    }
    if (c >= 48 && c <= 57) {
      digits++;
      pieceHasDigit = true;
      digitSinceBreak = true;
      if (i >= numbersFrom) {
        numbersFrom = readNumber(u, n, scan, i, largest);
        if (numberDigits >= 3) {
          largeNumbers++;
        }
        if (numberValue > largest) {
          largest = numberValue;
        }
      }
      const next = u[i + 1] ?? 0;
      if (!fractionsPercent && !(next >= 48 && next <= 57)) {
        // /\d+\s*\/\s*\d+/: the end of a run of digits, spaces, a slash, spaces, a digit.
        let j = i + 1;
        while (j < n && isSpace(u[j] ?? 0)) {
          j++;
        }
        if (u[j] === 47) {
          j++;
          while (j < n && isSpace(u[j] ?? 0)) {
            j++;
          }
          fractionsPercent = j < n && isDigit(u[j] ?? 0);
        }
      }
    } else if (c >= 65 && c <= 90) {
      capitals++;
      if (!isWordChar(prev)) {
        // Cues that start a word with a capital letter (\b before it).
        if (c === 73) {
          romanOptions ||= romanAt(u, n, i);
        } else if (!truthOptions && (c === 84 || c === 70 || c === 87 || c === 78)) {
          truthOptions = truthPairAt(u, n, i);
        }
      }
      if (c === 83 && !statementPair) {
        statementPair = holdsAt(u, n, i, 'Statement 1', false);
      }
    } else if (c === 46 || c === 33 || c === 63) {
      if (i + 1 === n || isSpace(u[i + 1] ?? 0)) {
        sentenceEnds++;
      }
      if (pieceHasDigit) {
        numericSentences++;
      }
      pieceHasDigit = false;
      if (c === 63) {
        hasQuestion = true;
        questionHasNumber = digitSinceBreak;
      } else if (c === 46) {
        digitSinceBreak = false;
        decimals ||= isDigit(prev) && isDigit(u[i + 1] ?? 0);
      }
    } else if (c === 36) {
      // /\$\s?\d/g, counted; /\$[^$]+\$/: two '$' in a row with something between them.
      const next = u[i + 1] ?? 0;
      if (isDigit(next) || (isSpace(next) && isDigit(u[i + 2] ?? 0))) {
        money++;
      }
      latex ||= lastDollar >= 0 && i - lastDollar >= 2;
      lastDollar = i;
    } else if (c === 37) {
      fractionsPercent = true;
    } else if (c === 92) {
      latex ||= holdsAt(u, n, i, '\\frac', false) || holdsAt(u, n, i, '\\sqrt', false);
    } else if (c === 94) {
      latex ||= u[i + 1] === 123;
    } else if (c === 123 || c === 125 || c === 59) {
      if (!codeLike) {
        // /[{};]\s*$/m: only whitespace up to a line end or the text's end.
        let j = i + 1;
        while (j < n && isSpace(u[j] ?? 0) && !isLineEnd(u[j] ?? 0)) {
          j++;
        }
        codeLike = j >= n || isLineEnd(u[j] ?? 0);
      }
    } else if (c === 96) {
      codeLike ||= holdsAt(u, n, i, '```', false);
    } else if (c === 61) {
      codeLike ||= u[i + 1] === 62;
    } else if (c === 10) {
      newlines++;
      digitSinceBreak = false;
    }
    if (c === 87 && !whichOfFollowing) {
      whichOfFollowing = holdsAt(u, n, i, 'which of the following', true);
    }
    if ((prev === -1 || isLineEnd(prev)) && i >= optionsFrom) {
      optionsFrom = readOption(u, n, i);
      if (optionStart >= 0) {
        options++;
        optionChars += optionsFrom - optionStart;
        const first = u[optionStart] ?? 0;
        if (isDigit(first) || ((first === 45 || first === 36) && isDigit(u[optionStart + 1] ?? 0))) {
          numericOptions++;
        }
      }
    }
    // Most characters are printable ASCII: decided in one comparison before the full whitespace set.
    const space = c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c >= 160 && isSpace(c);
    if (space && !inSpace) {
      spaceRuns++;
    }
    inSpace = space;
    prev = c;
  }
  if (runStart >= 0) {
    countCueRun(u, runStart, n, runHash, headEnd);
  }
  const negation = cueCounts[0] ?? 0;
  const unitWords = cueCounts[1] ?? 0;
  let ratioWords = cueCounts[2] ?? 0;
  let operations = cueCounts[3] ?? 0;

  // The lower-cased text the tokens and the ratio and operation words are read from: for ASCII
  // text, the text itself read with A–Z as a–z; otherwise toLowerCase (which may change the length).
  let lower: Uint16Array = u;
  let ln = n;
  if (!ascii) {
    const l = scan.toLowerCase();
    ln = l.length;
    lowerUnits = unitsOf(l, lowerUnits);
    lower = lowerUnits.u;
    const c = cueWordCounts(lower, ln, Math.min(ln, WORD_PROBLEM_CHARS));
    ratioWords = c[2] ?? 0;
    operations = c[3] ?? 0;
  }

  // The first tokens: hashed words and word pairs, word vectors, and the number and symbol counts.
  const embedding = reuse ? reusedEmbedding.fill(0) : new Float32Array(EMBEDDING_DIMS);
  let embeddingWeight = 0;
  let embeddedWords = 0;
  generation = generation >= 0x7fffffff ? 1 : generation + 1;
  if (generation === 1) {
    seenAt.fill(0);
  }
  let nFound = 0;
  // FNV state of "<previous token> " under seed 2: the next pair's hash continues from it.
  let prevPair = Math.imul(START ^ 32, FNV_PRIME);
  let tokens = 0;
  let numbers = 0;
  let mathSymbols = 0;
  let longestNumber = 0;
  let distinct = 0;
  for (let at = 0; at < ln && tokens < MAX_TOKENS; ) {
    const end = tokenEnd(lower, ln, at);
    if (end < 0) {
      at++;
      continue;
    }
    const c = folded(lower[at] ?? 0);
    // The token's characters: its own, or the placeholder a number stands for.
    let src: Uint16Array = lower;
    let from = at;
    let to = end;
    if (c >= 48 && c <= 57) {
      numbers++;
      const digitsLength = end - at;
      if (distinct < DISTINCT_CAP) {
        let seen = false;
        for (let k = 0; k < distinct && !seen; k++) {
          seen = distinctLength[k] === digitsLength && sameRun(lower, distinctStart[k] ?? 0, at, digitsLength);
        }
        if (!seen) {
          distinctStart[distinct] = at;
          distinctLength[distinct] = digitsLength;
          distinct++;
        }
      }
      longestNumber = Math.max(longestNumber, digitsLength);
      src = digitsLength > 2 ? NUM3 : NUM;
      from = 0;
      to = src.length;
    } else if (end - at === 1 && !(c >= 97 && c <= 122)) {
      mathSymbols++;
    } else if (ngrams === 2 && c >= 97 && c <= 122 && embeddedWords < MAX_EMBEDDED_WORDS) {
      const rank = vectors.rankAt(lower, at, end);
      const w = rank < 0 ? 0 : vectors.weightAt(rank);
      if (w !== 0) {
        vectors.addRank(rank, w, embedding);
      }
      if (w > 0) {
        embeddingWeight += w;
        embeddedWords++;
      }
    }
    at = end;
    if (ngrams >= 1) {
      // In one walk over the token: its own hash (seed 1), the pair's (continuing "<previous> "),
      // and its seed-2 hash that the next pair continues from.
      let word = (FNV_OFFSET ^ 1) >>> 0;
      let pair = prevPair;
      let next = (FNV_OFFSET ^ 2) >>> 0;
      for (let i = from; i < to; i++) {
        const ch = folded(src[i] ?? 0);
        word = Math.imul(word ^ ch, FNV_PRIME);
        pair = Math.imul(pair ^ ch, FNV_PRIME);
        next = Math.imul(next ^ ch, FNV_PRIME);
      }
      const bucket = word & (BUCKETS - 1);
      if (seenAt[bucket] !== generation) {
        seenAt[bucket] = generation;
        found[nFound++] = bucket;
      }
      if (ngrams === 2) {
        const pairBucket = pair & (BUCKETS - 1);
        if (seenAt[pairBucket] !== generation) {
          seenAt[pairBucket] = generation;
          found[nFound++] = pairBucket;
        }
        prevPair = Math.imul(next ^ 32, FNV_PRIME);
      }
    }
    tokens++;
  }

  // Binary n-gram presence scaled so that long and short prompts weigh the same.
  const norm = nFound > 0 ? 1 / Math.sqrt(nFound) : 0;
  const optionLength = options ? optionChars / options : 0;
  const len = Math.max(1, n);
  // `split(/\s+/)` yields one piece more than there are whitespace runs.
  const words = text.length > MAX_SCAN_CHARS ? text.length / 5.5 : spaceRuns + 1;
  let d = 0;
  dense[d++] = 1;
  dense[d++] = Math.log1p(text.length) / 8;
  dense[d++] = Math.log1p(words) / 6;
  dense[d++] = Math.min(3, numbers / 10);
  dense[d++] = Math.min(3, mathSymbols / 10);
  dense[d++] = options >= 2 ? 1 : 0;
  dense[d++] = Math.log1p(optionLength) / 5;
  dense[d++] = hasQuestion ? 1 : 0;
  dense[d++] = Math.log1p(newlines) / 4;
  dense[d++] = (digits / len) * 5;
  dense[d++] = whichOfFollowing ? 1 : 0;
  dense[d++] = latex ? 1 : 0;
  dense[d++] = Math.min(2, longestNumber / 6);
  dense[d++] = Math.min(3, distinct / 8);
  dense[d++] = negation ? 1 : 0;
  dense[d++] = (capitals / len) * 5;
  dense[d++] = Math.log1p(sentenceEnds) / 3;
  dense[d++] = codeLike ? 1 : 0;
  dense[d++] = unitWords ? 1 : 0;
  dense[d++] = fractionsPercent ? 1 : 0;
  dense[d++] = Math.min(3, ratioWords / 2);
  dense[d++] = Math.min(2, Math.log10(1 + largest) / 4);
  dense[d++] = statementPair ? 1 : 0;
  dense[d++] = romanOptions ? 1 : 0;
  dense[d++] = truthOptions ? 1 : 0;
  dense[d++] = numericOptions >= 3 ? 1 : 0;
  // Word problems (GSM8K-like): how many steps and quantities the arithmetic involves.
  dense[d++] = Math.min(3, operations / 5);
  dense[d++] = Math.min(3, money / 3);
  dense[d++] = decimals ? 1 : 0;
  dense[d++] = Math.min(3, numericSentences / 4);
  dense[d++] = Math.min(3, largeNumbers / 3);
  dense[d] = hasQuestion && questionHasNumber ? 1 : 0;
  vectors.finishMean(embedding, embeddingWeight);
  const size = nFound + DENSE_NAMES.length + EMBEDDING_DIMS;
  // Every element of idx and val is written below.
  const idx = reuse ? reusedIdx.subarray(0, size) : new Int32Array(size);
  const val = reuse ? reusedVal.subarray(0, size) : new Float32Array(size);
  idx.set(found.subarray(0, nFound));
  val.fill(norm, 0, nFound);
  for (let i = 0; i < DENSE_NAMES.length; i++) {
    idx[nFound + i] = BUCKETS + i;
    val[nFound + i] = dense[i] ?? 0;
  }
  const e0 = nFound + DENSE_NAMES.length;
  for (let k = 0; k < EMBEDDING_DIMS; k++) {
    idx[e0 + k] = EMBEDDING_OFFSET + k;
    val[e0 + k] = embedding[k] ?? 0;
  }
  return { idx, val, embedding };
}

// readNumber's results (module state, so reading a number allocates nothing).
let numberValue = 0;
let numberDigits = 0;

/**
 * Reads the match of /\d[\d,]*(?:\.\d+)?/ starting at `i`: sets `numberValue` (what Number() of it
 * without commas gives, or 0 when that is not finite) and `numberDigits` (digits before any
 * point); returns where the match ends. `text` is `u` as a string, for the rare number Number()
 * must read itself (a decimal that may be the largest so far, or more than 15 significant digits).
 */
function readNumber(u: Uint16Array, n: number, text: string, i: number, largest: number): number {
  let j = i;
  let value = 0;
  let significant = 0;
  let commas = false;
  let intDigits = 0;
  for (; j < n; j++) {
    const c = u[j] ?? 0;
    if (c >= 48 && c <= 57) {
      intDigits++;
      if (value > 0 || c !== 48) {
        significant++;
      }
      value = value * 10 + (c - 48);
    } else if (c === 44) {
      commas = true;
    } else {
      break;
    }
  }
  let end = j;
  if (u[j] === 46 && isDigit(u[j + 1] ?? 0)) {
    end = j + 2;
    while (end < n && isDigit(u[end] ?? 0)) {
      end++;
    }
  }
  numberDigits = intDigits;
  if (significant <= 15 && (end === j || value + 1 <= largest)) {
    // An integer below 2^53: adding up its digits is exact, as Number() of it is. A decimal below
    // the largest number so far cannot be the largest: its integer part stands in for it.
    numberValue = value;
  } else {
    const m = text.slice(i, end);
    const v = Number(commas ? m.replace(/,/g, '') : m);
    numberValue = Number.isFinite(v) ? v : 0;
  }
  return end;
}

// readOption's result: where the captured text starts, -1 when no option starts at the line.
let optionStart = -1;

/**
 * /^\s*\(?[A-D][.)]\s+(.*)$/gm tried at the line start `i`. Its `\s` crosses line ends, so a match
 * may start lines before its option letter and capture the next line: this follows the expression,
 * not its intent. Sets `optionStart` (or -1) and returns where the next try may begin: after the
 * match, or, when there is none, past the whitespace that every line start up to there skips the
 * same way (so runs of blank lines are not rescanned).
 */
function readOption(u: Uint16Array, n: number, i: number): number {
  let j = i;
  while (j < n && isSpace(u[j] ?? 0)) {
    j++;
  }
  const skipped = j;
  optionStart = -1;
  if (u[j] === 40) {
    j++;
  }
  const letter = u[j] ?? 0;
  const mark = u[j + 1] ?? 0;
  if (!(letter >= 65 && letter <= 68) || !(mark === 46 || mark === 41) || !isSpace(u[j + 2] ?? 0)) {
    return skipped;
  }
  j += 3;
  while (j < n && isSpace(u[j] ?? 0)) {
    j++;
  }
  optionStart = j;
  while (j < n && !isLineEnd(u[j] ?? 0)) {
    j++;
  }
  return j;
}
