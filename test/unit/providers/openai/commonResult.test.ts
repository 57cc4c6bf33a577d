import { test } from 'node:test';
import assert from 'node:assert/strict';
import { seededRandom } from '../../../../daemon/routing/linearModel';
import { commonResult, zodResult } from '../../../../daemon/providers/openai/response';

const answer = (over: Record<string, unknown> = {}, message: Record<string, unknown> = { role: 'assistant', content: 'hi' }, usage: unknown = { prompt_tokens: 9, completion_tokens: 3, total_tokens: 12 }): Record<string, unknown> => ({
  id: 'chatcmpl-1',
  object: 'chat.completion',
  model: 'gpt-4o-mini-2024-07-18',
  choices: [{ index: 0, message, logprobs: null, finish_reason: 'stop' }],
  usage,
  ...over,
});

test('the common answer is read by hand exactly as the zod path reads it', () => {
  const cases = [
    answer(),
    answer({}, { role: 'assistant', content: null, refusal: null }),
    answer({}, { role: 'assistant' }),
    answer({}, undefined, null),
    answer({}, undefined, { prompt_tokens: 5, completion_tokens: 0, prompt_tokens_details: { cached_tokens: 4, audio_tokens: 0 }, completion_tokens_details: { reasoning_tokens: 2 } }),
    answer({}, undefined, { prompt_tokens: 5, completion_tokens: 1, prompt_tokens_details: null, completion_tokens_details: { reasoning_tokens: null } }),
    answer({ choices: [{ message: { content: 'x' }, finish_reason: 'length' }] }),
    answer({ choices: [{ message: { content: 'x' } }] }),
  ];
  for (const c of cases) {
    const fast = commonResult(c);
    assert.notEqual(fast, null, JSON.stringify(c));
    assert.deepStrictEqual(fast, zodResult(c));
    assert.equal(JSON.stringify(fast), JSON.stringify(zodResult(c)));
  }
});

test('other shapes go to zod (null): tool calls, several choices, missing counts, wrong types', () => {
  const cases: unknown[] = [
    null,
    [],
    answer({}, { role: 'assistant', content: null, tool_calls: [{ id: 'c', type: 'function', function: { name: 'f', arguments: '{}' } }] }),
    answer({ choices: [] }),
    answer({ choices: [{ message: { content: 'a' } }, { message: { content: 'b' } }] }),
    answer({ model: undefined }),
    answer({}, undefined, { prompt_tokens: 5 }),
    answer({}, undefined, { prompt_tokens: -1, completion_tokens: 1 }),
    answer({}, undefined, { prompt_tokens: 1.5, completion_tokens: 1 }),
    answer({}, { content: 7 }),
    answer({}, undefined, { prompt_tokens: 1, completion_tokens: 1, prompt_tokens_details: { cached_tokens: 'x' } }),
  ];
  for (const c of cases) {
    assert.equal(commonResult(c), null, JSON.stringify(c));
  }
});

test('over random answers the hand path never accepts what zod refuses and agrees with it', () => {
  const rnd = seededRandom(1313);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)] as T;
  const vals: unknown[] = [undefined, null, 0, 3, -1, 1.5, 'x', {}, [], { cached_tokens: 2 }, { reasoning_tokens: null }, { cached_tokens: -2 }];
  let accepted = 0;
  for (let i = 0; i < 3000; i++) {
    const usage = rnd() < 0.15 ? pick([undefined, null, 'u']) : { prompt_tokens: pick([3, 3, 0, -1, 'x', undefined]), completion_tokens: pick([2, 2, 0, 1.5, undefined]), prompt_tokens_details: pick(vals), completion_tokens_details: pick(vals) };
    const message = { content: pick(['hi', 'hi', null, undefined, 5]), ...(rnd() < 0.1 ? { tool_calls: pick([null, [], 'x']) } : {}) };
    const c = answer({ model: pick(['m', 'm', undefined, 3]), ...(rnd() < 0.1 ? { choices: pick([[], 'x', [{ message }, { message }]]) } : {}) }, message, usage);
    const fast = commonResult(c);
    let slow: unknown;
    try {
      slow = zodResult(c);
    } catch {
      slow = 'refused';
    }
    if (fast !== null) {
      accepted++;
      assert.deepStrictEqual(fast, slow, JSON.stringify(c));
    }
  }
  assert.ok(accepted > 100, `only ${accepted} took the hand path`);
});
