import { test } from 'node:test';
import assert from 'node:assert/strict';
// The library's own generated tables are the oracle for the tables tokenizer.ts reads from disk.
import { countTokens } from 'gpt-tokenizer/encoding/cl100k_base';
import { countTokens as countO200k } from 'gpt-tokenizer/encoding/o200k_base';
import { extractFeatures, countTextTokens, classifyTask, EXACT_TOKEN_CHAR_LIMIT } from '../../../daemon/routing/features';

test('token counts are exact (cl100k by default) below the limit and estimated above it', () => {
  const text = 'Routing decides which model answers, within the budget.';
  assert.deepEqual(countTextTokens(text), { tokens: countTokens(text), exact: true });
  const big = 'word '.repeat(EXACT_TOKEN_CHAR_LIMIT);
  const c = countTextTokens(big);
  assert.equal(c.exact, false);
  const exact = countTokens(big);
  assert.ok(Math.abs(c.tokens - exact) / exact < 0.35, `estimate ${c.tokens} vs exact ${exact}`);
  const f = extractFeatures({ messages: [{ role: 'system', content: 'be brief' }, { role: 'user', content: text }] });
  assert.equal(f.inputTokens, countTokens('be brief') + countTokens(text) + 8);
  assert.equal(f.tokenCountExact, true);
  assert.equal(f.hasSystemPrompt, true);
  // A model of the o200k family is counted in o200k.
  const o = extractFeatures({ messages: [{ role: 'user', content: text }] }, undefined, 'o200k_base');
  assert.equal(o.inputTokens, countO200k(text) + 4);
  assert.deepEqual(countTextTokens(text, 'o200k_base'), { tokens: countO200k(text), exact: true });
});

test('long texts are estimated from an exact sample, so scripts with other token rates stay close', () => {
  for (const unit of ['路由器在本地决定由哪个模型回答请求。', 'Die Weiterleitung entscheidet über das Modell. ', '{"model": "gpt-4.1", "costUsd": 0.0123},\n']) {
    const text = unit.repeat(Math.ceil((EXACT_TOKEN_CHAR_LIMIT * 3) / unit.length));
    const c = countTextTokens(text);
    const exact = countTokens(text);
    assert.equal(c.exact, false);
    assert.ok(Math.abs(c.tokens - exact) / exact < 0.15, `estimate ${c.tokens} vs exact ${exact} for ${unit}`);
    // A resent message is answered from the cache with the same count.
    assert.deepEqual(countTextTokens(text), c);
  }
  const mid = 'a medium-length message that is counted exactly and remembered. '.repeat(20);
  assert.deepEqual(countTextTokens(mid), { tokens: countTokens(mid), exact: true });
  assert.deepEqual(countTextTokens(mid), { tokens: countTokens(mid), exact: true });
});

test('code blocks, languages and editor context are read', () => {
  const f = extractFeatures(
    { messages: [{ role: 'user', content: 'Fix this:\n```ts\nconst x: number = "a";\n```\nand\n```python\nprint(1)\n```' }] },
    { kind: 'editor', command: 'fix', languageId: 'typescript', selectionChars: 120, diagnosticsCount: 3 },
  );
  assert.equal(f.codeBlocks, 2);
  assert.deepEqual(new Set(f.languages), new Set(['ts', 'python', 'typescript']));
  assert.equal(f.taskType, 'code');
  assert.deepEqual(f.editor, { command: 'fix', languageId: 'typescript', selectionChars: 120, diagnosticsCount: 3 });
});

test('each task type is recognised', () => {
  const cases: [string, string][] = [
    ['code', 'function add(a, b) { return a + b; }\nwhy does this fail?'],
    ['math', 'Solve the equation 3x + 5 = 20 for x.'],
    ['creative', 'Write a poem about the sea at night.'],
    ['extraction', 'Extract all email addresses from the text below and list them.'],
    ['analysis', 'Compare the pros and cons of event sourcing against a relational schema for our billing system.'],
    ['simple', 'What is the capital of France?'],
    ['chat', 'Hello there, I had a long day at work and wanted to talk a bit about it with someone.'],
  ];
  for (const [want, text] of cases) {
    assert.equal(classifyTask(text, 0), want, text);
  }
});

test('conversation length and complexity grow with the request', () => {
  const short = extractFeatures({ messages: [{ role: 'user', content: 'hi' }] });
  const turns = Array.from({ length: 6 }, (_, i) => [
    { role: 'user' as const, content: `Explain step by step why design choice ${i} has these trade-offs and edge cases.` },
    { role: 'assistant' as const, content: 'Because of the complexity involved.' },
  ]).flat();
  const long = extractFeatures({ messages: turns });
  assert.equal(short.turns, 1);
  assert.equal(long.turns, 6);
  assert.ok(long.complexity > short.complexity, `${long.complexity} > ${short.complexity}`);
  assert.ok(long.complexity <= 1 && short.complexity >= 0);
});

test('images are noticed (they need a vision model)', () => {
  const f = extractFeatures({ messages: [{ role: 'user', content: [{ type: 'text', text: 'what is this?' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }] }] });
  assert.equal(f.hasImages, true);
  assert.equal(f.promptText, 'what is this?');
});
