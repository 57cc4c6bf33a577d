import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isShortQuestion } from '../../../daemon/routing/features';
import { seededRandom } from '../../../daemon/routing/linearModel';

test('isShortQuestion says what trim, split(/\\s+/) and /\\?\\s*$/ said, on spaces of every kind', () => {
  const reference = (t: string) => t.trim().split(/\s+/).length <= 20 && /\?\s*$/.test(t.trim());
  const pieces = ['a', 'why', '?', ' ', '  ', '\n', '\t', '\u00a0', '\u2028', '\ufeff', '\u3000', '\u180e', 'x?', '??', 'é', '', '.'];
  const r = seededRandom(7);
  const texts = ['', ' ', '?', ' ? ', '\n?\n', 'one two?', `${'w '.repeat(19)}w?`, `${'w '.repeat(20)}w?`, `  ${'w\t'.repeat(19)}w ?  `];
  for (let i = 0; i < 3000; i++) {
    let t = '';
    const n = Math.floor(r() * 50);
    for (let k = 0; k < n; k++) {
      t += pieces[Math.floor(r() * pieces.length)] ?? '';
    }
    texts.push(t);
  }
  let short = 0;
  for (const t of texts) {
    assert.equal(isShortQuestion(t), reference(t), JSON.stringify(t));
    short += reference(t) ? 1 : 0;
  }
  assert.ok(short > 100 && short < texts.length - 100, 'both answers are exercised');
});
