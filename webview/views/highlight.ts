// A small syntax highlighter for answer code blocks: comments, strings, numbers and keywords of the
// common languages, as spans with theme colors (no innerHTML, no library: the answer panel must
// stay light and safe on untrusted text). Anything it does not know stays plain text.
import { h } from './dom';

const KEYWORDS = new Set(
  (
    'abstract as async await break case catch class const continue def default defer del do elif else enum export extends false final finally fn for from func function go if impl implements import in interface is lambda let match mod module mut new nil none not null or and package pass private protected pub public raise return self static struct super switch this throw throws trait true try type typeof undefined use var void where while with yield ' +
    'SELECT FROM WHERE INSERT UPDATE DELETE JOIN GROUP BY ORDER LIMIT INTO VALUES CREATE TABLE'
  ).split(' '),
);

export type TokenKind = 'comment' | 'string' | 'number' | 'keyword' | 'plain';

const HASH_COMMENT_LANGS = new Set(['py', 'python', 'sh', 'bash', 'shell', 'zsh', 'rb', 'ruby', 'yaml', 'yml', 'toml', 'r', 'perl', 'dockerfile', 'makefile']);

/** Splits code into kinds. `//` and block comments everywhere; `#` comments where the language uses them. */
export function tokenize(code: string, lang: string): { kind: TokenKind; text: string }[] {
  const hash = HASH_COMMENT_LANGS.has(lang.toLowerCase());
  const pattern = new RegExp(
    [
      String.raw`(?<comment>\/\/[^\n]*|\/\*[\s\S]*?\*\/${hash ? String.raw`|#[^\n]*` : ''})`,
      String.raw`(?<string>"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*'|\x60(?:[^\x60\\]|\\.)*\x60)`,
      String.raw`(?<number>\b\d[\d_]*(?:\.\d+)?(?:e[+-]?\d+)?\b|\b0x[0-9a-f]+\b)`,
      String.raw`(?<word>[A-Za-z_][A-Za-z0-9_]*)`,
    ].join('|'),
    'gi',
  );
  const out: { kind: TokenKind; text: string }[] = [];
  const push = (kind: TokenKind, text: string): void => {
    const prev = out[out.length - 1];
    if (kind === 'plain' && prev?.kind === 'plain') {
      prev.text += text;
    } else {
      out.push({ kind, text });
    }
  };
  let last = 0;
  for (let m = pattern.exec(code); m; m = pattern.exec(code)) {
    if (m.index > last) {
      push('plain', code.slice(last, m.index));
    }
    const g = m.groups ?? {};
    push(g.comment !== undefined ? 'comment' : g.string !== undefined ? 'string' : g.number !== undefined ? 'number' : KEYWORDS.has(m[0]) ? 'keyword' : 'plain', m[0]);
    last = m.index + m[0].length;
  }
  if (last < code.length) {
    push('plain', code.slice(last));
  }
  return out;
}

export function highlight(code: string, lang: string): (Node | string)[] {
  return tokenize(code, lang).map((t) => (t.kind === 'plain' ? t.text : h('span', { class: `tok-${t.kind}` }, t.text)));
}
