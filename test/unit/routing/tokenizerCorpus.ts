// A seeded, varied corpus for comparing token counters: prose, code, JSON, CJK, emoji and ZWJ
// sequences, combining marks, case edges of the split patterns (contractions, title case), long
// runs of spaces, newlines and digits, exotic whitespace and byte-order marks, lone surrogates,
// special-token text, and random code points. Also used by bench/tokenizer.ts.

import { seededRandom } from '../../../daemon/routing/linearModel';

/** The training's seeded generator (mulberry32), so the corpus is the same on every run. */
export const seeded = seededRandom;

type Rand = () => number;
const pick = <T>(r: Rand, xs: readonly T[]): T => xs[Math.floor(r() * xs.length)] as T;
const int = (r: Rand, lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));

const WORDS = ['the', 'quick', 'Brown', 'FOX', 'jumps', 'over', 'lazy', 'dog', 'router', 'tokenizer', 'budget', 'latency', 'Quality', 'model', 'request', 'a', 'I', 'naïve', 'café', 'über', 'Straße', 'résumé', 'coöperate', 'HTTPServer', 'camelCase', 'snake_case', 'kebab-case', 'x86_64', 'v2.3.1', 'e.g.', 'U.S.A.'];
const CONTRACTIONS = ["don't", "I'm", "you're", "they've", "we'll", "she'd", "it's", "DON'T", "I'LL", "You'Re", "we'VE", "o'clock", "rock'n'roll", "'s", "''", "'t"];
const PUNCT = ['.', ',', '!', '?', ';', ':', '…', '—', '–', '"', '“', '”', '‘', '’', '(', ')', '[', ']', '{', '}', '/', '\\', '@', '#', '$', '%', '^', '&', '*', '~', '`', '<', '>', '|', '=', '+', '-', '_'];
const CODE = [
  'function add(a, b) {\n  return a + b;\n}\n',
  'def fib(n):\n    if n < 2:\n        return n\n    return fib(n - 1) + fib(n - 2)\n',
  'for (let i = 0; i < xs.length; i++) {\r\n\tconsole.log(xs[i]);\r\n}\r\n',
  '#include <stdio.h>\nint main(void) { printf("%d\\n", 42); }\n',
  'SELECT id, name FROM users WHERE age >= 18 ORDER BY name DESC;\n',
  'const re = /^(?:[a-z0-9_-]+)\\.(?:ts|js)$/i; // check\n',
  '    \n\n        pass\n    \t\n',
  'fn main() -> Result<(), Box<dyn Error>> { Ok(()) }\n',
  '<div class="a"><span>&nbsp;x&lt;y&gt;</span></div>\n',
  'x=1;y=2;;;z===3!==4>>>=5<<=6**7//8\n',
];
const CJK = ['日本語のテキストです。', '东京是日本的首都，人口众多。', '한국어 문장입니다. 감사합니다!', 'カタカナとひらがな', '漢字', '中文，标点。“引号”', 'ｆｕｌｌｗｉｄｔｈ　ＡＢＣ１２３'];
const EMOJI = ['😀', '👍🏽', '👩‍👩‍👧‍👦', '🏳️‍🌈', '🇫🇷🇯🇵', '❤️', '✌🏿', '🧑‍💻', '1️⃣', '#️⃣', '👨🏻‍🦰', '🫠', '🪄', '©', '™'];
const MARKS = ['e\u0301', 'a\u0308\u0304', 'n\u0303', 'क्षत्रिय', 'नमस्ते', 'مرحبا بالعالم', 'שָׁלוֹם', 'สวัสดีครับ', 'Ǆ ǅ ǆ ǈ', 'ʰʲʷ ˈstress', 'Ⅻ ⅷ', 'ﬁﬂ', 'İı', 'ǅungla', 'ᾈᾉ', '\u0301\u0301\u0301', 'x\u20dd'];
const SPACES = [' ', '  ', '\t', '\n', '\r\n', '\r', '\u00a0', '\u2003', '\u3000', '\u200b', '\ufeff', '\u2028', '\v', '\f', ' \n', '\n ', '\u0085'];
const SPECIAL = ['<|endoftext|>', '<|im_start|>', '<|im_end|>', '<|fim_prefix|>', '<|endofprompt|>', '<|im_sep|>', '<|not_special|>'];

function segment0(r: Rand, madeUp = 0.15): string {
  const words: string[] = [];
  for (let i = int(r, 1, 40); i > 0; i--) {
    const k = r();
    // Made-up words too, so pieces that are no single token (and must merge) are common.
    words.push(k < 0.1 ? pick(r, CONTRACTIONS) : k < 0.1 + madeUp ? Array.from({ length: int(r, 2, 12) }, () => String.fromCharCode(int(r, 97, 122))).join('') : pick(r, WORDS));
    if (r() < 0.2) {
      words.push(pick(r, PUNCT));
    }
  }
  return words.join(r() < 0.9 ? ' ' : '') + pick(r, ['. ', '.\n', '!\n\n', ' ', '']);
}

function segmentJson(r: Rand): string {
  return JSON.stringify({ id: int(r, 0, 1e9), name: pick(r, WORDS), tags: [pick(r, CJK), pick(r, EMOJI)], n: r() * 1e6, ok: r() < 0.5, nested: { a: [1, 2, { b: null }] } }, null, r() < 0.5 ? 2 : undefined);
}

function segment(r: Rand): string {
  switch (int(r, 0, 13)) {
    case 0:
    case 1:
      return segment0(r);
    case 2:
      return pick(r, CODE);
    case 3:
      return segmentJson(r);
    case 4:
      return pick(r, CJK);
    case 5:
      return Array.from({ length: int(r, 1, 8) }, () => pick(r, EMOJI)).join(r() < 0.5 ? '' : ' ');
    case 6:
      return pick(r, MARKS) + (r() < 0.5 ? ' ' : '');
    case 7: {
      // Long runs: the cases the split patterns and the merge treat specially.
      const unit = pick(r, [' ', '\n', '\t', '0', '9', '  \n', '\r\n', '.', '-', '=', 'a', '\u3000', 'ab']);
      return unit.repeat(int(r, 1, r() < 0.1 ? 3000 : 120));
    }
    case 8:
      return String(int(r, 0, 2 ** 31)) + pick(r, ['', '.', ',', ' ', '%', 'px', 'e10']) + String(int(r, 0, 99999));
    case 9:
      return Array.from({ length: int(r, 1, 6) }, () => pick(r, SPACES)).join('');
    case 10:
      // Lone and reversed surrogates, alone or next to letters and spaces.
      return pick(r, ['\ud800', '\udfff', 'a\ud83dz', '\ude00\ud83d', ' \udc00 ', '\ud83d\ud83d\ude00', 'x\ud800\n', '\ud800\ud800']);
    case 11:
      return pick(r, SPECIAL);
    case 12: {
      // Random code points from the whole range (surrogate halves included).
      let s = '';
      for (let i = int(r, 1, 30); i > 0; i--) {
        const cp = r() < 0.7 ? int(r, 0x20, 0x2fff) : int(r, 0, 0x10ffff);
        s += cp >= 0xd800 && cp <= 0xdfff ? String.fromCharCode(cp) : String.fromCodePoint(cp);
      }
      return s;
    }
    default:
      return pick(r, WORDS).toUpperCase() + pick(r, ["'S", "'s", "'LL", "'ll", "'Re", '', "'"]) + pick(r, SPACES);
  }
}

/** Prompt-like text of about `chars` characters: prose, code, JSON, a little CJK and emoji. */
export function promptText(r: Rand, chars: number): string {
  let s = '';
  while (s.length < chars) {
    const k = r();
    s += k < 0.6 ? segment0(r, 0.03) : k < 0.8 ? pick(r, CODE) : k < 0.9 ? segmentJson(r) : k < 0.95 ? pick(r, CJK) : pick(r, EMOJI) + ' ';
  }
  return s;
}

/** One text of about `chars` characters (it may run a little over). */
export function corpusText(r: Rand, chars: number): string {
  let s = '';
  while (s.length < chars) {
    s += segment(r);
  }
  return s;
}

/** `count` texts from `seed`, mostly short, some up to `maxChars`; the empty string first. */
export function corpus(seed: number, count: number, maxChars = 50_000): string[] {
  const r = seeded(seed);
  const texts = [''];
  for (let i = 1; i < count; i++) {
    const size = r() < 0.03 ? int(r, maxChars / 2, maxChars) : r() < 0.3 ? int(r, 200, 5000) : int(r, 1, 200);
    texts.push(corpusText(r, size));
  }
  return texts;
}
