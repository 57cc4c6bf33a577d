// The one-pass promptVector against the regular-expression form it replaced (promptVectorReference.ts):
// every bucket, every dense cue and every word-vector component must be the same, bit for bit, on
// edge cases of each cue and on generated texts mixing them (ASCII and not, short and past the
// scan limits), so that routing decisions cannot change with the speed-up.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DENSE_NAMES, BUCKETS, promptVector } from '../../../daemon/routing/promptFeatures';
import { seededRandom } from '../../../daemon/routing/linearModel';
import { shippedWordVectors, WordVectorFile } from '../../../daemon/routing/wordVectors';
import { readModelJson } from '../../../daemon/routing/modelFiles';
import { EVERYDAY_PROMPTS } from '../../../bench/everydayPrompts';
import { referenceMix, referencePromptVector } from './promptVectorReference';
import { CategoryProfiler } from '../../../daemon/routing/promptProfile';
import type { TaskType } from '../../../daemon/protocol/routing';

/** Pieces that sit on each cue's edges: option lines, numbers, money, LaTeX, code, cue words, non-ASCII that lower-casing changes. */
const PIECES = [
  ' ', ' ', ' ', '  ', '\n', '\n\n', '\r\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', '.', '. ', '!', '?', '? ', ',', ', ',
  'A) ', 'B. ', '(C) ', 'D.', 'D.\n', '(A.\t', 'E) ', ' A) 12', 'B) -3', 'C) $4', 'D) x', 'A)', 'a) ',
  '$', '$5', '$ 5', '$$', '$x$', '$ ', '\\frac', '\\sqrt', '^{', '^', '%', '1/2', '3 / 4', '5 /x', '7/ ', '/',
  '0', '7', '42', '007', '1,234', '1,,2', '12,', '3.14', '.5', '1.2.3', '9,999,999.99', '123456789012345678', '99999999999999999999999',
  '{', '}', ';', '{ \n', '; ', '```', '``', '```py', '=>', '=', '>', 'def ', 'undef ', 'function', 'functions', 'Function',
  'Statement 1', 'statement 1', 'I and II', 'II and III', 'I only', 'I, II', 'XI only', 'True, False', 'Not wrong, Wrong', 'True, Falsey', 'Wrong, True',
  'which of the following', 'Which Of The FOLLOWING', 'which of the', 'not', 'NOT', 'Except', 'least', 'incorrect', 'false',
  'km', 'KG', 'Hours', 'hour', 'minute', 'miles', 'cents', 'percent', 'meters', 'liter', 'half', 'Half', 'third', 'twice', 'TIMES', 'triple',
  'each', 'per', 'every', 'Total', 'altogether', 'remaining', 'left', 'spends', 'earned', 'costs', 'bought', 'sold', 'paid', 'profit', 'rate', 'decrease',
  'the', 'computer', 'Python', 'eigenvalue', 'poem', 'limerick', 'x1', '_x', 'a_b', 'ab12', 'Q', 'zzzzqq',
  'İ', 'İstanbul', '\u212a', 'ſ', 'é', 'Ω', 'ÆØÅ', 'Straße', 'ΣΑΣ', '東京', '😀', '√', 'π', '∑', '∫', '≤', '≥', '-', '+', '*', '<', '<a>',
];

function generated(r: () => number, pieces: number): string {
  let s = '';
  for (let i = 0; i < pieces; i++) {
    s += PIECES[Math.floor(r() * PIECES.length)] ?? '';
    if (r() < 0.5) {
      s += ' ';
    }
  }
  return s;
}

function texts(): string[] {
  const r = seededRandom(2026);
  const out = ['', ' ', 'a', '1', '?', '$', 'A) 1\nB) 2\nC) 3\nD) 4\nWhich of the following is not true?', 'A.\n\nB. x', '\n\n\n  \nA) one\r\n(B) two', 'a'.repeat(7000), '9'.repeat(400), '1'.repeat(320)];
  out.push(...EVERYDAY_PROMPTS.map((p) => p.prompt));
  for (let i = 0; i < 1500; i++) {
    out.push(generated(r, 1 + Math.floor(r() * 60)));
  }
  for (let i = 0; i < 60; i++) {
    // Past the 2 000 characters operation words are read from, and past the 6 000 read at all: a word may straddle either.
    out.push(generated(r, 300 + Math.floor(r() * 2500)));
  }
  for (const at of [1995, 1997, 1998, 5994, 5997, 5998]) {
    for (const word of ['remaining', 'Each', 'twice', 'function', 'Statement 1', '1,234.5', '$ 5', 'A) 1']) {
      out.push('x'.repeat(at) + ' ' + word + ' y');
      out.push('x'.repeat(at) + word + ' y');
    }
  }
  // A word cut by the 2 000-character head may be an operation word only as cut ("each" of "eachx"),
  // and one cut by the 6 000-character scan a ratio word ("half" of "halfway").
  for (let start = 1990; start <= 2000; start++) {
    for (const word of ['eachxyz', 'perks', 'totally', 'lefty', 'rated']) {
      out.push(`${'y'.repeat(start - 1)} ${word} z`);
    }
  }
  for (let start = 5992; start <= 6000; start++) {
    out.push(`${'y'.repeat(start - 1)} halfway Hours z`);
  }
  return out;
}

test('the one-pass prompt vector equals the regular-expression form bit for bit', () => {
  const vectors = shippedWordVectors();
  let compared = 0;
  for (const t of texts()) {
    for (const ngrams of [0, 1, 2] as const) {
      const a = promptVector(t, ngrams, vectors);
      const b = referencePromptVector(t, ngrams, vectors);
      const where = `${JSON.stringify(t.slice(0, 80))}… (${t.length} chars, ngrams ${ngrams})`;
      assert.deepEqual([...a.idx], [...b.idx], `buckets of ${where}`);
      for (let i = 0; i < a.val.length; i++) {
        if (!Object.is(a.val[i], b.val[i])) {
          const j = (a.idx[i] ?? 0) - BUCKETS;
          assert.fail(`${j >= 0 && j < DENSE_NAMES.length ? DENSE_NAMES[j] : `slot ${a.idx[i]}`}: ${a.val[i]} vs ${b.val[i]} for ${where}`);
        }
      }
      assert.deepEqual([...a.embedding], [...b.embedding], `word vector of ${where}`);
      compared++;
    }
  }
  assert.ok(compared > 4000);
});

test('the word table finds every shipped word by its letters, in any case, and nothing else', () => {
  const vectors = shippedWordVectors();
  const units = (s: string) => Uint16Array.from(s, (ch) => ch.charCodeAt(0));
  assert.equal(vectors.rankOf('the'), vectors.rankAt(units('xx The yy'), 3, 6));
  assert.equal(vectors.rankAt(units('COMPUTER'), 0, 8), vectors.rankOf('computer'));
  assert.ok(vectors.rankOf('computer') > 0);
  assert.equal(vectors.rankOf('Computer'), -1, 'rankOf takes lower-case words, as the map it replaced did');
  assert.equal(vectors.rankOf('zzzzqqxx'), -1);
  assert.equal(vectors.rankOf(''), -1);
  assert.equal(vectors.rankAt(units('computers'), 0, 8), vectors.rankOf('computer'));
  const file = WordVectorFile.parse(readModelJson('word-vectors.json'));
  file.words.split(' ').forEach((w, rank) => {
    assert.equal(vectors.rankOf(w), rank, w);
  });
});

test('the category mix equals its per-record form bit for bit, keys in the same order', () => {
  const vectors = shippedWordVectors();
  const profiler = new CategoryProfiler(vectors);
  const r = seededRandom(11);
  const types: TaskType[] = ['code', 'math', 'analysis', 'creative', 'extraction', 'simple', 'chat'];
  const all = texts();
  for (let i = 0; i < all.length; i += 3) {
    const embedding = promptVector(all[i] ?? '', 2, vectors).embedding;
    const input = { embedding, taskType: types[Math.floor(r() * types.length)] ?? 'chat', inputTokens: Math.floor(r() * 100_000), hasTools: r() < 0.3 };
    const a = profiler.mix(input);
    const b = referenceMix(profiler.similarities(embedding), input);
    assert.deepEqual(Object.keys(a), Object.keys(b));
    for (const k of Object.keys(b)) {
      assert.ok(Object.is(a[k as keyof typeof a], b[k]), `${k}: ${a[k as keyof typeof a]} vs ${b[k]}`);
    }
  }
});
