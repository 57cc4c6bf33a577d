import { test } from 'node:test';
import assert from 'node:assert/strict';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encodingForModel, loadedEncodings, countTokensIn, loadTable, tiktokenPath } from '../../../daemon/routing/tokenizer';
import { parseTiktoken, serializeTable } from '../../../daemon/routing/bpeTable';
import { extractFeatures } from '../../../daemon/routing/features';

test('no table is loaded until a count is asked for, then only the one asked for', () => {
  // This file's first test: nothing in it has counted yet.
  assert.deepEqual(loadedEncodings(), []);
  extractFeatures({ messages: [{ role: 'user', content: 'hello' }] });
  assert.deepEqual(loadedEncodings(), ['cl100k_base']);
});

test('text that looks like a special token is counted as text, and counting stays exact after it', () => {
  // gpt-tokenizer threw on it, and the throw switched the encoding to length estimates for good.
  const ordinary = { disallowedSpecial: new Set<string>() };
  for (const text of ['<|endoftext|>', 'a <|im_start|>user\nhi<|im_end|> b']) {
    assert.equal(countTokensIn(text, 'cl100k_base'), countCl100k(text, ordinary), text);
  }
  assert.equal(countTokensIn('hello world', 'cl100k_base'), 2);
  assert.equal(countTokensIn('x'.repeat(40), 'cl100k_base'), countCl100k('x'.repeat(40)));
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

test('a built table beside the bundle is read in place of the .tiktoken file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'lr-tokenizer-'));
  try {
    // Without a built file the library's data file is parsed.
    const parsed = loadTable('cl100k_base', dir);
    assert.equal(parsed.offsets.length, 100_257);
    // A built file from a (made-up) 3-rank table is what gets loaded when present.
    writeFileSync(join(dir, 'cl100k_base.bpe'), serializeTable(parseTiktoken(Buffer.from('YQ== 0\nYg== 1\nYWI= 2\n'))));
    const built = loadTable('cl100k_base', dir);
    assert.equal(built.offsets.length, 4);
    assert.deepEqual([...built.bytes], [0x61, 0x62, 0x61, 0x62]);
    assert.ok(readFileSync(tiktokenPath('cl100k_base')).length > 1_000_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
