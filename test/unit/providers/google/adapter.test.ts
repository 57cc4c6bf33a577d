import { test } from 'node:test';
import assert from 'node:assert/strict';
import { googleAdapter } from '../../../../daemon/providers/google';
import { ProviderError } from '../../../../daemon/providers/adapter';
import { RouterError } from '../../../../daemon/protocol/errors';
import type { ChatRequest } from '../../../../daemon/protocol/chat';
import { costOf } from '../../../../daemon/ledger/pricing';
import { fixture, fold, replay } from '../fixtures';

const opts = { apiModel: 'gemini-2.5-flash', stream: false, apiKey: 'AIza-test', baseUrl: 'https://generativelanguage.googleapis.com/v1beta/' };
const body = (r: ChatRequest): Record<string, unknown> => JSON.parse(googleAdapter.buildRequest(r, opts).body) as Record<string, unknown>;

test('builds generateContent and streamGenerateContent?alt=sse requests with the key in a header', () => {
  const plain = googleAdapter.buildRequest({ messages: [{ role: 'user', content: 'Hi' }] }, opts);
  assert.equal(plain.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:generateContent');
  assert.equal(plain.headers['x-goog-api-key'], 'AIza-test');
  assert.ok(!plain.url.includes('AIza'));
  const streamed = googleAdapter.buildRequest({ messages: [{ role: 'user', content: 'Hi' }] }, { ...opts, stream: true });
  assert.equal(streamed.url, 'https://generativelanguage.googleapis.com/v1beta/models/gemini-2.5-flash:streamGenerateContent?alt=sse');
});

test('maps system prompt, roles, generation config and JSON mode', () => {
  const b = body({
    messages: [{ role: 'system', content: 'Be terse.' }, { role: 'user', content: 'A' }, { role: 'assistant', content: 'B' }, { role: 'user', content: 'C' }],
    temperature: 1.4, top_p: 0.8, max_tokens: 100, stop: ['x', 'y'],
    response_format: { type: 'json_schema', json_schema: { name: 's', schema: { type: 'object' } } },
  });
  assert.deepEqual(b.systemInstruction, { parts: [{ text: 'Be terse.' }] });
  assert.deepEqual(b.contents, [
    { role: 'user', parts: [{ text: 'A' }] },
    { role: 'model', parts: [{ text: 'B' }] },
    { role: 'user', parts: [{ text: 'C' }] },
  ]);
  assert.deepEqual(b.generationConfig, { temperature: 1.4, topP: 0.8, maxOutputTokens: 100, stopSequences: ['x', 'y'], responseMimeType: 'application/json', responseJsonSchema: { type: 'object' } });
});

test('maps tools, function calls and function responses (name looked up from the call id)', () => {
  const b = body({
    messages: [
      { role: 'user', content: 'Dim the lights' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'call_9', type: 'function', function: { name: 'set_light_values', arguments: '{"brightness":25}' } }] },
      { role: 'tool', tool_call_id: 'call_9', content: '{"brightness":25,"colorTemperature":"warm"}' },
      { role: 'tool', tool_call_id: 'call_9', content: 'done' },
    ],
    tools: [{ type: 'function', function: { name: 'set_light_values', description: 'Sets lights', parameters: { type: 'object', properties: { brightness: { type: 'integer' } } } } }],
    tool_choice: { type: 'function', function: { name: 'set_light_values' } },
  });
  assert.deepEqual(b.tools, [{ functionDeclarations: [{ name: 'set_light_values', description: 'Sets lights', parameters: { type: 'object', properties: { brightness: { type: 'integer' } } } }] }]);
  assert.deepEqual(b.toolConfig, { functionCallingConfig: { mode: 'ANY', allowedFunctionNames: ['set_light_values'] } });
  assert.deepEqual(b.contents, [
    { role: 'user', parts: [{ text: 'Dim the lights' }] },
    { role: 'model', parts: [{ functionCall: { name: 'set_light_values', args: { brightness: 25 } } }] },
    { role: 'user', parts: [
      { functionResponse: { name: 'set_light_values', response: { brightness: 25, colorTemperature: 'warm' } } },
      { functionResponse: { name: 'set_light_values', response: { content: 'done' } } },
    ] },
  ]);
});

test('inline images pass; URLs Gemini cannot fetch and too many stop sequences are unsupportedFeature errors', () => {
  const b = body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'data:image/jpeg;base64,/9j/4AAQ' } }] }] });
  assert.deepEqual(b.contents, [{ role: 'user', parts: [{ inlineData: { mimeType: 'image/jpeg', data: '/9j/4AAQ' } }] }]);
  const unsupported = (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature';
  assert.throws(() => body({ messages: [{ role: 'user', content: [{ type: 'image_url', image_url: { url: 'https://example.com/a.png' } }] }] }), unsupported);
  assert.throws(() => body({ messages: [{ role: 'user', content: 'x' }], stop: ['1', '2', '3', '4', '5', '6'] }), unsupported);
});

test('parses a documented response: cached and thinking tokens counted and priced', () => {
  const r = googleAdapter.parseResponse(fixture('google', 'generate-content.json'));
  assert.equal(r.text, 'AI learns patterns from data to make predictions or decisions.');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.providerModel, 'gemini-2.5-flash');
  assert.deepEqual(r.usage, { inputTokens: 4120, outputTokens: 13 + 390, cachedInputTokens: 4096, cacheWriteTokens: 0, reasoningTokens: 390 });
  const cost = costOf({ provider: 'google', priceId: 'gemini-2.5-flash' }, r.usage);
  assert.ok(cost !== null && cost > 0, String(cost));
});

test('parses a documented function call into a tool call with finish reason tool_calls', () => {
  const r = googleAdapter.parseResponse(fixture('google', 'function-call.json'));
  assert.equal(r.finishReason, 'tool_calls');
  assert.equal(r.toolCalls.length, 1);
  assert.equal(r.toolCalls[0]?.function.name, 'set_light_values');
  assert.deepEqual(JSON.parse(r.toolCalls[0]?.function.arguments ?? ''), { brightness: 25, color_temp: 'warm' });
});

for (const size of [1, 5, 10_000]) {
  test(`parses the documented SSE stream (CRLF) in chunks of ${size}`, () => {
    const f = fold(replay(googleAdapter.createStreamParser(), fixture('google', 'stream-text.sse'), size));
    assert.equal(f.text, 'The quick brown fox jumps over the lazy dog.');
    assert.equal(f.finish, 'stop');
    assert.deepEqual(f.usage, { type: 'usage', usage: { inputTokens: 9, outputTokens: 10, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
  });
}

test('parses a streamed function call with thinking tokens', () => {
  const f = fold(replay(googleAdapter.createStreamParser(), fixture('google', 'stream-function-call.sse'), 17));
  assert.equal(f.finish, 'tool_calls');
  assert.equal(f.toolCalls[0]?.function.name, 'get_current_temperature');
  assert.deepEqual(JSON.parse(f.toolCalls[0]?.function.arguments ?? ''), { location: 'London' });
  assert.deepEqual(f.usage, { type: 'usage', usage: { inputTokens: 56, outputTokens: 64, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 56 } });
});

test('a blocked prompt is a content-policy error; a cut stream and bad JSON are retryable provider errors', () => {
  assert.throws(() => googleAdapter.parseResponse(fixture('google', 'blocked-prompt.json')), (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerContentPolicy' && !e.failure.retryable);
  const cut = fixture('google', 'stream-text.sse').split('\r\n\r\n').slice(0, 2).join('\r\n\r\n');
  assert.throws(() => replay(googleAdapter.createStreamParser(), cut, 64), (e: unknown) => e instanceof ProviderError && e.failure.retryable);
  assert.throws(() => googleAdapter.parseResponse('<html>'), (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerError');
});

test('classifies documented errors', () => {
  const q = googleAdapter.classifyError(429, { 'retry-after': '2' }, fixture('google', 'error-resource-exhausted.json'));
  assert.deepEqual([q.code, q.retryable, q.retryAfterMs], ['providerRateLimited', true, 2000]);
  const ctx = googleAdapter.classifyError(400, {}, fixture('google', 'error-invalid-argument.json'));
  assert.deepEqual([ctx.code, ctx.retryable], ['providerContextLength', false]);
  const unavailable = googleAdapter.classifyError(503, {}, '{"error":{"code":503,"message":"The model is overloaded.","status":"UNAVAILABLE"}}');
  assert.deepEqual([unavailable.code, unavailable.retryable], ['providerUnavailable', true]);
});

test('Gemini 3: the first call of each assistant turn carries the documented unknown-signature value; other models none', () => {
  const request: ChatRequest = {
    messages: [
      { role: 'user', content: 'fix it' },
      {
        role: 'assistant',
        content: null,
        tool_calls: [
          { id: 'a', type: 'function', function: { name: 'run', arguments: '{}' } },
          { id: 'b', type: 'function', function: { name: 'read', arguments: '{}' } },
        ],
      },
      { role: 'tool', tool_call_id: 'a', content: 'ok' },
      { role: 'tool', tool_call_id: 'b', content: 'ok' },
    ],
  };
  const partsOf = (apiModel: string): Record<string, unknown>[] => {
    const spec = googleAdapter.buildRequest(request, { apiModel, stream: false, apiKey: 'k', baseUrl: 'http://127.0.0.1:1/v1beta' });
    const body = JSON.parse(spec.body) as { contents: { role: string; parts: Record<string, unknown>[] }[] };
    return body.contents.find((c) => c.role === 'model')?.parts ?? [];
  };
  const gemini3 = partsOf('gemini-3-pro-preview');
  assert.equal(gemini3.length, 2);
  assert.equal(gemini3[0]?.thoughtSignature, 'skip_thought_signature_validator');
  assert.equal(gemini3[1]?.thoughtSignature, undefined, 'parallel calls: only the first is signed, as Gemini signs them');
  assert.ok(partsOf('gemini-2.5-flash').every((p) => p.thoughtSignature === undefined));
});
