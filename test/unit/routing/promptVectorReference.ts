// The prompt vector as it was computed before its one-pass form (issue 12, decision latency): a
// regular expression per dense cue, a string per token, a Set of numbers. Kept only as the
// specification the fast promptVector must match bit for bit (promptVectorSame.test.ts).
import { BUCKETS, EMBEDDING_DIMS, EMBEDDING_OFFSET, MAX_SCAN_CHARS, type PromptVector } from '../../../daemon/routing/promptFeatures';
import { shippedWordVectors, type WordVectors } from '../../../daemon/routing/wordVectors';
import { TASK_CATEGORIES } from '../../../daemon/routing/taskCategories';
import type { TaskType } from '../../../daemon/protocol/routing';

const MAX_TOKENS = 384;
const MAX_EMBEDDED_WORDS = 128;

/** FNV-1a, 32-bit. */
function hash(s: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** FNV-1a of `${a} ${b}` without building that string (one bigram per token, every decision). */
function hashPair(a: string, b: string, seed: number): number {
  let h = (0x811c9dc5 ^ seed) >>> 0;
  for (let i = 0; i < a.length; i++) {
    h ^= a.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  h ^= 32;
  h = Math.imul(h, 0x01000193);
  for (let i = 0; i < b.length; i++) {
    h ^= b.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** JavaScript's `\s` set, so counts match `split(/\s+/)` without allocating the pieces. */
function isSpace(c: number): boolean {
  return (c >= 9 && c <= 13) || c === 32 || c === 160 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

const NUMBER = /\d[\d,]*(?:\.\d+)?/g;

/** The largest number in the text, and how many numbers have three or more digits before any decimal point. */
function numberStats(text: string): { largest: number; large: number } {
  let max = 0;
  let large = 0;
  NUMBER.lastIndex = 0;
  for (let m = NUMBER.exec(text); m !== null; m = NUMBER.exec(text)) {
    const s = m[0];
    const v = Number(s.includes(',') ? s.replace(/,/g, '') : s);
    if (Number.isFinite(v) && v > max) {
      max = v;
    }
    let digits = 0;
    for (let i = 0; i < s.length && s.charCodeAt(i) !== 46; i++) {
      if (s.charCodeAt(i) !== 44) {
        digits++;
      }
    }
    if (digits >= 3) {
      large++;
    }
  }
  return { largest: max, large };
}

const WORD_PROBLEM_CHARS = 2000;
const OPERATION_WORDS = /\b(each|per|every|total|altogether|remaining|left|more|less|fewer|twice|half|average|split|share|spends?|spent|earns?|earned|costs?|buys?|bought|sells?|sold|pays?|paid|profit|discount|rate|increase|decrease)\b/g;

/**
 * Signals of how many steps a word problem takes: operation words, money, decimals, sentences with
 * a number (counted in promptVector's character pass), numbers of three or more digits, and
 * whether the question itself holds a number. Linear in the text.
 */
function wordProblemCues(scan: string, lower: string, numericSentences: number, large: number): number[] {
  // A word problem states its steps in its first characters (GSM8K's longest is 848); scanning all
  // 6 000 for operation words cost ≈ 25 µs on long prompts.
  const head = lower.length > WORD_PROBLEM_CHARS ? lower.slice(0, WORD_PROBLEM_CHARS) : lower;
  let operations = 0;
  OPERATION_WORDS.lastIndex = 0;
  while (OPERATION_WORDS.exec(head) !== null) {
    operations++;
  }
  const lastQuestion = scan.lastIndexOf('?');
  const questionStart = lastQuestion < 0 ? -1 : Math.max(scan.lastIndexOf('.', lastQuestion), scan.lastIndexOf('\n', lastQuestion));
  return [
    Math.min(3, operations / 5),
    Math.min(3, (scan.match(/\$\s?\d/g) ?? []).length / 3),
    /\d\.\d/.test(scan) ? 1 : 0,
    Math.min(3, numericSentences / 4),
    Math.min(3, large / 3),
    lastQuestion >= 0 && /\d/.test(scan.slice(questionStart + 1, lastQuestion)) ? 1 : 0,
  ];
}

/**
 * The tokens promptVector reads: the matches of /[a-z]+|\d+(?:[.,]\d+)*|[=+\-*\/^%<>√π∑∫≤≥$]/g in
 * the lower-cased text, found by scanning characters (a regex match per token allocated its match
 * array; this runs on up to 384 tokens of every new prompt).
 */
const isLetter = (c: number): boolean => c >= 97 && c <= 122;
const isDigit = (c: number): boolean => c >= 48 && c <= 57;
const SYMBOLS = new Set([...'=+-*/^%<>√π∑∫≤≥$'].map((s) => s.charCodeAt(0)));

/** End (exclusive) of the token starting at `i`, or -1 when no token starts there. */
function tokenEnd(s: string, i: number): number {
  const c = s.charCodeAt(i);
  let j = i + 1;
  if (isLetter(c)) {
    while (j < s.length && isLetter(s.charCodeAt(j))) {
      j++;
    }
    return j;
  }
  if (isDigit(c)) {
    while (j < s.length && isDigit(s.charCodeAt(j))) {
      j++;
    }
    // (?:[.,]\d+)*: a separator counts only when a digit follows it.
    for (;;) {
      const sep = s.charCodeAt(j);
      if ((sep === 46 || sep === 44) && j + 1 < s.length && isDigit(s.charCodeAt(j + 1))) {
        j += 2;
        while (j < s.length && isDigit(s.charCodeAt(j))) {
          j++;
        }
      } else {
        return j;
      }
    }
  }
  return SYMBOLS.has(c) ? j : -1;
}
const OPTION_LINE = /^\s*\(?[A-D][.)]\s+(.*)$/gm;

/** `ngrams`: 2 = words, word pairs and word vectors (the model), 1 = words only (the bag-of-words baseline), 0 = dense only. */
// Reused between calls so a decision allocates almost nothing (GC pauses dominate the p99 otherwise).
const seenAt = new Int32Array(BUCKETS);
let generation = 0;
const found = new Int32Array(MAX_TOKENS * 2);

export function referencePromptVector(text: string, ngrams: 0 | 1 | 2 = 2, vectors: WordVectors = shippedWordVectors()): PromptVector {
  if (vectors.dimensions !== EMBEDDING_DIMS) {
    throw new Error(`word vectors have ${vectors.dimensions} dimensions; this build uses ${EMBEDDING_DIMS}`);
  }
  const embedding = new Float32Array(EMBEDDING_DIMS);
  let embeddingWeight = 0;
  let embeddedWords = 0;
  const scan = text.length > MAX_SCAN_CHARS ? text.slice(0, MAX_SCAN_CHARS) : text;
  const lower = scan.toLowerCase();
  generation = generation >= 0x7fffffff ? 1 : generation + 1;
  if (generation === 1) {
    seenAt.fill(0);
  }
  let nFound = 0;
  const add = (bucket: number) => {
    if (seenAt[bucket] !== generation) {
      seenAt[bucket] = generation;
      found[nFound++] = bucket;
    }
  };
  let prev = '<s>';
  let n = 0;
  let numbers = 0;
  let mathSymbols = 0;
  let longestNumber = 0;
  const distinct = new Set<string>();
  for (let at = 0; at < lower.length && n < MAX_TOKENS; ) {
    const end = tokenEnd(lower, at);
    if (end < 0) {
      at++;
      continue;
    }
    let tok = lower.slice(at, end);
    at = end;
    const c = tok.charCodeAt(0);
    if (c >= 48 && c <= 57) {
      numbers++;
      distinct.add(tok);
      longestNumber = Math.max(longestNumber, tok.length);
      tok = tok.length > 2 ? '<num3>' : '<num>';
    } else if (tok.length === 1 && !(c >= 97 && c <= 122)) {
      mathSymbols++;
    } else if (ngrams === 2 && c >= 97 && c <= 122 && embeddedWords < MAX_EMBEDDED_WORDS) {
      const w = vectors.accumulate(tok, embedding);
      if (w > 0) {
        embeddingWeight += w;
        embeddedWords++;
      }
    }
    if (ngrams >= 1) {
      add(hash(tok, 1) & (BUCKETS - 1));
    }
    if (ngrams >= 2) {
      add(hashPair(prev, tok, 2) & (BUCKETS - 1));
    }
    prev = tok;
    n++;
  }
  // Binary n-gram presence scaled so that long and short prompts weigh the same.
  const norm = nFound > 0 ? 1 / Math.sqrt(nFound) : 0;
  const options = [...scan.matchAll(OPTION_LINE)];
  const optionLength = options.length ? options.reduce((s, o) => s + (o[1]?.length ?? 0), 0) / options.length : 0;
  // One pass for every character count (digits, capitals, lines, sentence ends, whitespace runs).
  let digits = 0;
  let capitals = 0;
  let newlines = 0;
  let sentenceEnds = 0;
  let spaceRuns = 0;
  let inSpace = false;
  // Pieces ending at '.', '!' or '?' (a decimal point too) that hold a digit.
  let numericSentences = 0;
  let pieceHasDigit = false;
  for (let i = 0; i < scan.length; i++) {
    const c = scan.charCodeAt(i);
    if (c >= 48 && c <= 57) {
      digits++;
      pieceHasDigit = true;
    } else if (c >= 65 && c <= 90) {
      capitals++;
    } else if (c === 46 || c === 33 || c === 63) {
      if (i + 1 === scan.length || isSpace(scan.charCodeAt(i + 1))) {
        sentenceEnds++;
      }
      if (pieceHasDigit) {
        numericSentences++;
      }
      pieceHasDigit = false;
    }
    if (c === 10) {
      newlines++;
    }
    // Most characters are printable ASCII: decided in one comparison before the full whitespace set.
    const space = c <= 32 ? c === 32 || (c >= 9 && c <= 13) : c >= 160 && isSpace(c);
    if (space && !inSpace) {
      spaceRuns++;
    }
    inSpace = space;
  }
  const len = Math.max(1, scan.length);
  // `split(/\s+/)` yields one piece more than there are whitespace runs.
  const words = text.length > MAX_SCAN_CHARS ? text.length / 5.5 : spaceRuns + 1;
  const numberFacts = numberStats(scan);
  const dense = [
    1,
    Math.log1p(text.length) / 8,
    Math.log1p(words) / 6,
    Math.min(3, numbers / 10),
    Math.min(3, mathSymbols / 10),
    options.length >= 2 ? 1 : 0,
    Math.log1p(optionLength) / 5,
    scan.includes('?') ? 1 : 0,
    Math.log1p(newlines) / 4,
    (digits / len) * 5,
    /which of the following/i.test(scan) ? 1 : 0,
    /\$[^$]+\$|\\frac|\\sqrt|\^\{/.test(scan) ? 1 : 0,
    Math.min(2, longestNumber / 6),
    Math.min(3, distinct.size / 8),
    /\b(not|except|least|false|incorrect)\b/i.test(scan) ? 1 : 0,
    (capitals / len) * 5,
    Math.log1p(sentenceEnds) / 3,
    /[{};]\s*$|```|\bdef |\bfunction\b|=>/m.test(scan) ? 1 : 0,
    /\b(km|kg|hours?|minutes?|miles?|dollars?|cents?|percent|meters?|liters?)\b/i.test(scan) ? 1 : 0,
    /\d+\s*\/\s*\d+|%/.test(scan) ? 1 : 0,
    Math.min(3, (lower.match(/\b(half|third|quarter|twice|thrice|times|double|triple)\b/g) ?? []).length / 2),
    Math.min(2, Math.log10(1 + numberFacts.largest) / 4),
    /Statement 1/.test(scan) ? 1 : 0,
    /\b(I and II|II and III|I only|I, II)/.test(scan) ? 1 : 0,
    /\b(True|False|Wrong|Not wrong), (True|False|Wrong|Not wrong)\b/.test(scan) ? 1 : 0,
    options.filter((o) => /^\s*[-$]?\d/.test(o[1] ?? '')).length >= 3 ? 1 : 0,
    ...wordProblemCues(scan, lower, numericSentences, numberFacts.large),
  ];
  vectors.finishMean(embedding, embeddingWeight);
  const size = nFound + dense.length + EMBEDDING_DIMS;
  const idx = new Int32Array(size);
  const val = new Float32Array(size);
  idx.set(found.subarray(0, nFound));
  val.fill(norm, 0, nFound);
  for (let i = 0; i < dense.length; i++) {
    idx[nFound + i] = BUCKETS + i;
    val[nFound + i] = dense[i] ?? 0;
  }
  const e0 = nFound + dense.length;
  for (let k = 0; k < EMBEDDING_DIMS; k++) {
    idx[e0 + k] = EMBEDDING_OFFSET + k;
    val[e0 + k] = embedding[k] ?? 0;
  }
  return { idx, val, embedding };
}

/** CategoryProfiler.mix as it was (records per category, a spread for the maximum): the specification of the buffer-reusing form. */
export function referenceMix(sim: Record<string, number>, input: { taskType: TaskType; inputTokens: number; hasTools: boolean }): Record<string, number> {
  const SEMANTIC = ['code', 'math', 'reasoning', 'writing', 'extraction', 'chat'] as const;
  const FROM_TASK_TYPE: Record<TaskType, Partial<Record<string, number>>> = {
    code: { code: 1 },
    math: { math: 1 },
    analysis: { reasoning: 1 },
    creative: { writing: 1 },
    extraction: { extraction: 1 },
    simple: { chat: 1 },
    chat: { chat: 0.5, reasoning: 0.25, writing: 0.25 },
  };
  const known = SEMANTIC.some((c) => sim[c] !== 0);
  const max = Math.max(...SEMANTIC.map((c) => sim[c] ?? 0));
  let z = 0;
  const soft: Record<string, number> = {};
  for (const c of SEMANTIC) {
    soft[c] = known ? Math.exp(((sim[c] ?? 0) - max) / 0.08) : 1;
    z += soft[c] ?? 0;
  }
  const cues = FROM_TASK_TYPE[input.taskType];
  const semanticWeight = !known ? 0 : input.taskType === 'simple' || input.taskType === 'chat' ? 0.75 : 0.5;
  const long = Math.min(1, Math.max(0, Math.log2(Math.max(1, input.inputTokens) / 8000) / 2)) * 0.5;
  const tools = input.hasTools ? 0.3 : 0;
  const rest = 1 - long - tools;
  const out: Record<string, number> = {};
  for (const c of TASK_CATEGORIES) {
    out[c] = 0;
  }
  for (const c of SEMANTIC) {
    out[c] = rest * ((1 - semanticWeight) * (cues[c] ?? 0) + semanticWeight * ((soft[c] ?? 0) / z));
  }
  out.longContext = long;
  out.tools = tools;
  return out;
}
