import { test } from 'node:test';
import assert from 'node:assert/strict';
import { anthropicAdapter } from '../../../../daemon/providers/anthropic';
import { ProviderError } from '../../../../daemon/providers/adapter';
import { RouterError } from '../../../../daemon/protocol/errors';
import type { ChatRequest } from '../../../../daemon/protocol/chat';
import { costOf } from '../../../../daemon/ledger/pricing';
import { fixture, fold, replay } from '../fixtures';

const opts = { apiModel: 'claude-sonnet-4-20250514', stream: false, apiKey: 'sk-ant-test', baseUrl: 'https://api.anthropic.com/v1' };
const body = (r: ChatRequest, stream = false): Record<string, unknown> => JSON.parse(anthropicAdapter.buildRequest(r, { ...opts, stream }).body) as Record<string, unknown>;

test('builds a Messages request: system extracted, max_tokens defaulted, stop and sampling mapped, headers set', () => {
  const spec = anthropicAdapter.buildRequest(
    { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'Hi' }], stop: 'END', temperature: 0.3, top_p: 0.9 },
    opts,
  );
  assert.equal(spec.url, 'https://api.anthropic.com/v1/messages');
  assert.equal(spec.headers['x-api-key'], 'sk-ant-test');
  assert.equal(spec.headers['anthropic-version'], '2023-06-01');
  const b = JSON.parse(spec.body) as Record<string, unknown>;
  assert.equal(b.system, 'Be brief.');
  assert.equal(b.max_tokens, 4096);
  assert.deepEqual(b.stop_sequences, ['END']);
  assert.equal(b.temperature, 0.3);
  assert.equal(b.top_p, 0.9);
  assert.deepEqual(b.messages, [{ role: 'user', content: [{ type: 'text', text: 'Hi' }] }]);
  assert.equal(b.stream, undefined);
  assert.equal(body({ messages: [{ role: 'user', content: 'x' }] }, true).stream, true);
});

test('translates tools, tool calls and tool results, merging consecutive turns of one role', () => {
  const b = body({
    messages: [
      { role: 'user', content: 'Weather in SF?' },
      { role: 'assistant', content: null, tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'get_weather', arguments: '{"location":"SF"}' } }] },
      { role: 'tool', tool_call_id: 'toolu_1', content: '15 degrees' },
      { role: 'user', content: 'Thanks' },
    ],
    tools: [{ type: 'function', function: { name: 'get_weather', description: 'Weather', parameters: { type: 'object', properties: { location: { type: 'string' } } } } }],
    tool_choice: 'required',
  });
  assert.deepEqual(b.tools, [{ name: 'get_weather', description: 'Weather', input_schema: { type: 'object', properties: { location: { type: 'string' } } } }]);
  assert.deepEqual(b.tool_choice, { type: 'any' });
  assert.deepEqual(b.messages, [
    { role: 'user', content: [{ type: 'text', text: 'Weather in SF?' }] },
    { role: 'assistant', content: [{ type: 'tool_use', id: 'toolu_1', name: 'get_weather', input: { location: 'SF' } }] },
    // A later turn marks its last block for Anthropic's prompt cache (the next turn reads it).
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: '15 degrees' }, { type: 'text', text: 'Thanks', cache_control: { type: 'ephemeral' } }] },
  ]);
});

test('images: data URLs become base64 sources, http URLs url sources', () => {
  const b = body({
    messages: [{ role: 'user', content: [
      { type: 'text', text: 'What is this?' },
      { type: 'image_url', image_url: { url: 'data:image/png;base64,iVBORw0KGgo=' } },
      { type: 'image_url', image_url: { url: 'https://example.com/cat.jpg' } },
    ] }],
  });
  assert.deepEqual(b.messages, [{ role: 'user', content: [
    { type: 'text', text: 'What is this?' },
    { type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'iVBORw0KGgo=' } },
    { type: 'image', source: { type: 'url', url: 'https://example.com/cat.jpg' } },
  ] }]);
});

test('JSON mode is an explicit instruction in the system prompt, with the schema', () => {
  const b = body({ messages: [{ role: 'user', content: 'List' }], response_format: { type: 'json_schema', json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'number' } } } } } });
  assert.match(String(b.system), /JSON Schema/);
  assert.match(String(b.system), /"a":\{"type":"number"\}/);
});

test('what Anthropic cannot take is an unsupportedFeature error naming it', () => {
  const isUnsupported = (what: RegExp) => (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature' && what.test(e.message);
  assert.throws(() => body({ messages: [{ role: 'user', content: 'x' }], temperature: 1.5 }), isUnsupported(/temperature 1.5/));
  assert.throws(() => body({ messages: [{ role: 'user', content: 'x', name: 'bob' }] }), isUnsupported(/name/));
  assert.throws(() => body({ messages: [{ role: 'system', content: [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AA==' } }] }, { role: 'user', content: 'x' }] }), isUnsupported(/image in a system/));
});

test('parses a documented response, with prompt-cache usage priced from genai-prices', () => {
  const r = anthropicAdapter.parseResponse(fixture('anthropic', 'message.json'));
  assert.equal(r.text, 'Hi! My name is Claude.');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.providerModel, 'claude-3-7-sonnet-20250219');
  assert.deepEqual(r.usage, { inputTokens: 2095 + 2051 + 2051, outputTokens: 503, cachedInputTokens: 2051, cacheWriteTokens: 2051, reasoningTokens: 0 });
  const cost = costOf({ provider: 'anthropic', priceId: 'claude-3-7-sonnet-20250219' }, r.usage);
  // $3/MTok input, $0.30 cache read, $3.75 cache write, $15 output.
  assert.ok(cost !== null && Math.abs(cost - (2095 * 3 + 2051 * 0.3 + 2051 * 3.75 + 503 * 15) / 1e6) < 1e-9, String(cost));
});

test('parses a documented tool_use response into OpenAI-shaped tool calls', () => {
  const r = anthropicAdapter.parseResponse(fixture('anthropic', 'tool-use.json'));
  assert.equal(r.finishReason, 'tool_calls');
  assert.deepEqual(r.toolCalls, [{ id: 'toolu_01A09q90qw90lq917835lq9', type: 'function', function: { name: 'get_weather', arguments: '{"location":"San Francisco, CA","unit":"celsius"}' } }]);
});

for (const size of [1, 7, 4096]) {
  test(`parses the documented text stream in chunks of ${size}`, () => {
    const f = fold(replay(anthropicAdapter.createStreamParser(), fixture('anthropic', 'stream-text.sse'), size));
    assert.equal(f.text, 'Hello!');
    assert.equal(f.finish, 'stop');
    assert.deepEqual(f.usage, { type: 'usage', usage: { inputTokens: 25, outputTokens: 15, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
  });
}

test('parses the documented tool-use stream: text, then one tool call assembled from input_json_delta', () => {
  const f = fold(replay(anthropicAdapter.createStreamParser(), fixture('anthropic', 'stream-tool-use.sse'), 13));
  assert.equal(f.text, "Okay, let's check the weather for San Francisco, CA:");
  assert.equal(f.finish, 'tool_calls');
  assert.equal(f.toolCalls.length, 1);
  assert.equal(f.toolCalls[0]?.id, 'toolu_01T1x1fJ34qAmk2tNTrN7Up6');
  assert.deepEqual(JSON.parse(f.toolCalls[0]?.function.arguments ?? ''), { location: 'San Francisco, CA', unit: 'fahrenheit' });
});

test('an error event mid-stream and a stream cut before message_stop are retryable provider errors', () => {
  assert.throws(
    () => replay(anthropicAdapter.createStreamParser(), fixture('anthropic', 'stream-error.sse'), 50),
    (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerUnavailable' && e.failure.retryable,
  );
  const cut = fixture('anthropic', 'stream-text.sse').split('event: message_delta')[0] ?? '';
  assert.throws(() => replay(anthropicAdapter.createStreamParser(), cut, 64), (e: unknown) => e instanceof ProviderError && e.failure.retryable);
  assert.throws(() => anthropicAdapter.parseResponse('{"id": "x", '), (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerError');
});

test('classifies documented errors, honouring retry-after', () => {
  const rl = anthropicAdapter.classifyError(429, { 'retry-after': '7' }, fixture('anthropic', 'error-rate-limit.json'));
  assert.equal(rl.code, 'providerRateLimited');
  assert.equal(rl.retryable, true);
  assert.equal(rl.retryAfterMs, 7000);
  const ov = anthropicAdapter.classifyError(529, {}, fixture('anthropic', 'error-overloaded.json'));
  assert.deepEqual([ov.code, ov.retryable], ['providerUnavailable', true]);
  const ctx = anthropicAdapter.classifyError(400, {}, fixture('anthropic', 'error-prompt-too-long.json'));
  assert.deepEqual([ctx.code, ctx.retryable], ['providerContextLength', false]);
  const auth = anthropicAdapter.classifyError(401, {}, '{"type":"error","error":{"type":"authentication_error","message":"invalid x-api-key"}}');
  assert.deepEqual([auth.code, auth.retryable], ['providerAuth', false]);
  assert.ok(!auth.message.includes('sk-ant'));
  assert.equal(anthropicAdapter.classifyError(502, {}, '<html>bad gateway</html>').retryable, true);
});
