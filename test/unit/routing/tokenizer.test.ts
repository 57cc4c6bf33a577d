import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { encodingForModel, loadedEncodings, parseTiktoken, countTokensIn } from '../../../daemon/routing/tokenizer';
import { extractFeatures } from '../../../daemon/routing/features';

test('no table is loaded until a count is asked for, then only the one asked for', () => {
  // This file's first test: nothing in it has counted yet.
  assert.deepEqual(loadedEncodings(), []);
  extractFeatures({ messages: [{ role: 'user', content: 'hello' }] });
  assert.deepEqual(loadedEncodings(), ['cl100k_base']);
});

test('the tables read from the .tiktoken data files equal the library generated ones', async () => {
  for (const name of ['cl100k_base', 'o200k_base'] as const) {
    const mine = parseTiktoken(readFileSync(require.resolve(`gpt-tokenizer/data/${name}.tiktoken`)));
    const lib = ((await import(`gpt-tokenizer/bpeRanks/${name}`)) as { default: readonly (string | readonly number[])[] }).default;
    assert.equal(mine.length, lib.length, name);
    for (let i = 0; i < lib.length; i++) {
      assert.deepEqual(mine[i], lib[i], `${name} rank ${i}`);
    }
  }
});

test('the encoding follows the model family; every other provider and auto share cl100k', () => {
  for (const m of ['gpt-4o-mini', 'gpt-4.1', 'gpt-5-mini', 'o3-mini', 'o4-mini', 'openai/gpt-4o']) {
    assert.equal(encodingForModel(m), 'o200k_base', m);
  }
  for (const m of ['auto', 'auto:cost', 'gpt-4', 'gpt-3.5-turbo', 'claude-sonnet-4', 'gemini-2.5-flash', 'mistral-small', undefined]) {
    assert.equal(encodingForModel(m), 'cl100k_base', String(m));
  }
  assert.equal(countTokensIn('hello world', 'o200k_base'), 2);
});
