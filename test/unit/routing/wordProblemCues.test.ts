import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BUCKETS, DENSE_NAMES, promptVector } from '../../../daemon/routing/promptFeatures';

function cue(text: string, name: (typeof DENSE_NAMES)[number]): number {
  const x = promptVector(text);
  const at = [...x.idx].indexOf(BUCKETS + DENSE_NAMES.indexOf(name));
  assert.ok(at >= 0, `${name} is in the vector`);
  // Float32 storage: compare against the float32 of the expected value.
  return x.val[at] ?? Number.NaN;
}

const f32 = Math.fround;

test('word-problem cues count operations, money, decimals, numbered sentences and large numbers', () => {
  const problem = 'Anna buys 3 pens at $1.25 each. She spent $40 in total on 1,200 stickers. How much did 2 pens cost?';
  assert.ok(cue(problem, 'operationWords') > 0);
  assert.equal(cue(problem, 'money'), f32(2 / 3));
  assert.equal(cue(problem, 'decimals'), 1);
  // "3 pens at $1." , "25 each." , "She spent $40 … 1,200 stickers." and the question: a decimal point ends a piece too.
  assert.equal(cue(problem, 'numericSentences'), f32(4 / 4));
  assert.equal(cue(problem, 'largeNumbers'), f32(1 / 3));
  assert.equal(cue(problem, 'questionHasNumber'), 1);
  const plain = 'Write a short poem about the sea at night';
  for (const name of ['operationWords', 'money', 'decimals', 'numericSentences', 'largeNumbers', 'questionHasNumber'] as const) {
    assert.equal(cue(plain, name), 0, name);
  }
});

test('operation words are read from the first 2 000 characters only, so long prompts stay cheap', () => {
  const filler = 'lorem ipsum dolor sit amet '.repeat(80);
  assert.ok(filler.length > 2000);
  assert.equal(cue(`${filler} each per total`, 'operationWords'), 0);
  assert.equal(cue(`each per total ${filler}`, 'operationWords'), f32(3 / 5));
});
