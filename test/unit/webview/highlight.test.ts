// The answer panel's highlighter splits code into comments, strings, numbers and keywords.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tokenize } from '../../../webview/views/highlight';

test('TypeScript: keywords, strings, numbers and both comment styles; the text is kept whole', () => {
  const code = 'const x = "a // not a comment"; // note\nreturn 42; /* block */';
  const tokens = tokenize(code, 'ts');
  assert.equal(tokens.map((t) => t.text).join(''), code);
  const kinds = tokens.filter((t) => t.kind !== 'plain').map((t) => [t.kind, t.text]);
  assert.deepEqual(kinds, [
    ['keyword', 'const'],
    ['string', '"a // not a comment"'],
    ['comment', '// note'],
    ['keyword', 'return'],
    ['number', '42'],
    ['comment', '/* block */'],
  ]);
});

test('# is a comment in Python and shell only', () => {
  assert.deepEqual(tokenize('x = 1 # one', 'python').map((t) => t.kind), ['plain', 'number', 'plain', 'comment']);
  assert.ok(!tokenize('#include <x>', 'c').some((t) => t.kind === 'comment'));
});
