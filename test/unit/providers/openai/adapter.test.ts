import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderError } from '../../../../daemon/providers/adapter';
import { openAiAdapter } from '../../../../daemon/providers/openai';
import { redactSecrets, retryAfterMs } from '../../../../daemon/providers/openai/errors';
import { fixture, fold, replay } from '../fixtures';

const opts = { apiModel: 'gpt-4o-mini', stream: false, apiKey: 'sk-test-123456789', baseUrl: 'https://api.openai.com/v1/' };

test('buildRequest maps every generation parameter and asks for usage on streams', () => {
  const spec = openAiAdapter.buildRequest(
    {
      messages: [{ role: 'user', content: 'hi' }],
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
      tool_choice: 'auto',
      response_format: { type: 'json_object' },
      stop: ['\n\n'],
      temperature: 0.2,
      max_tokens: 50,
    },
    { ...opts, stream: true },
  );
  assert.equal(spec.url, 'https://api.openai.com/v1/chat/completions');
  assert.equal(spec.headers.authorization, 'Bearer sk-test-123456789');
  const body = JSON.parse(spec.body) as Record<string, unknown>;
  assert.deepEqual(body, {
    model: 'gpt-4o-mini',
    messages: [{ role: 'user', content: 'hi' }],
    tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    tool_choice: 'auto',
    response_format: { type: 'json_object' },
    stop: ['\n\n'],
    temperature: 0.2,
    max_tokens: 50,
    stream: true,
    stream_options: { include_usage: true },
  });
});

test('reasoning models get max_completion_tokens and no temperature; keyless local servers no auth header', () => {
  const spec = openAiAdapter.buildRequest({ messages: [{ role: 'user', content: 'hi' }], temperature: 1, max_tokens: 10 }, { ...opts, apiModel: 'o4-mini', apiKey: '' });
  const body = JSON.parse(spec.body) as Record<string, unknown>;
  assert.equal(body.max_completion_tokens, 10);
  assert.equal(body.max_tokens, undefined);
  assert.equal(body.temperature, undefined);
  assert.equal(body.stream, undefined);
  assert.equal(spec.headers.authorization, undefined);
});

test('parseResponse reads text, finish reason and usage with cached and reasoning tokens', () => {
  const r = openAiAdapter.parseResponse(fixture('openai', 'chat-completion.json'));
  assert.equal(r.text, 'Hello! How can I assist you today?');
  assert.equal(r.finishReason, 'stop');
  assert.equal(r.providerModel, 'gpt-4.1-2025-04-14');
  assert.deepEqual(r.usage, { inputTokens: 19, outputTokens: 10, cachedInputTokens: 3, cacheWriteTokens: 0, reasoningTokens: 2 });
});

test('parseResponse reads tool calls', () => {
  const r = openAiAdapter.parseResponse(fixture('openai', 'chat-completion-tools.json'));
  assert.equal(r.finishReason, 'tool_calls');
  assert.equal(r.text, '');
  assert.deepEqual(r.toolCalls, [{ id: 'call_abc123', type: 'function', function: { name: 'get_current_weather', arguments: '{\n"location": "Boston, MA"\n}' } }]);
});

test('parseResponse turns garbage into a retryable ProviderError', () => {
  for (const body of ['<html>bad gateway</html>', '{"choices":[]}', '{"id":1}']) {
    assert.throws(
      () => openAiAdapter.parseResponse(body),
      (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerError' && e.failure.retryable,
    );
  }
});

test('the stream parser gives the same events for every chunking, multi-byte text included', () => {
  const text = fixture('openai', 'stream.sse');
  const whole = fold(replay(openAiAdapter.createStreamParser(), text, text.length));
  assert.equal(whole.text, 'Hello wörld 👋');
  assert.equal(whole.finish, 'stop');
  assert.deepEqual(whole.usage, { type: 'usage', usage: { inputTokens: 9, outputTokens: 4, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
  for (const size of [1, 2, 3, 7, 64]) {
    assert.deepEqual(fold(replay(openAiAdapter.createStreamParser(), text, size)), whole, `chunk size ${size}`);
  }
  // CRLF line endings are valid SSE too.
  assert.deepEqual(fold(replay(openAiAdapter.createStreamParser(), text.replace(/\n/g, '\r\n'), 5)), whole);
});

test('the stream parser assembles tool calls and skips SSE comments', () => {
  const text = fixture('openai', 'stream-tool-calls.sse');
  for (const size of [1, 13, text.length]) {
    const f = fold(replay(openAiAdapter.createStreamParser(), text, size));
    assert.equal(f.finish, 'tool_calls');
    assert.deepEqual(f.toolCalls, [{ id: 'call_DdmO9pD3xa9XTPNJ32zg2hcA', type: 'function', function: { name: 'get_weather', arguments: '{"location":"Paris"}' } }]);
  }
});

test('a stream cut before [DONE] throws from end(), wherever it is cut', () => {
  const text = fixture('openai', 'stream.sse');
  const cut = text.slice(0, text.indexOf('data: [DONE]'));
  for (const at of [0, 10, Math.floor(cut.length / 2), cut.length]) {
    const p = openAiAdapter.createStreamParser();
    p.push(cut.slice(0, at));
    assert.throws(() => p.end(), (e: unknown) => e instanceof ProviderError && e.failure.retryable && /\[DONE\]/.test(e.message));
  }
});

test('an error event inside a stream is classified', () => {
  const p = openAiAdapter.createStreamParser();
  assert.throws(
    () => p.push('data: {"error":{"message":"overloaded","type":"server_error","code":null}}\n\n'),
    (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerError' && e.failure.retryable,
  );
});

test('errors are classified for retry, fallback and the ledger', () => {
  const c = (status: number, name: string, headers: Record<string, string> = {}) => openAiAdapter.classifyError(status, headers, fixture('openai', name));
  const rl = c(429, 'error-429.json', { 'retry-after': '2' });
  assert.equal(rl.code, 'providerRateLimited');
  assert.equal(rl.retryable, true);
  assert.equal(rl.retryAfterMs, 2000);
  assert.equal(c(429, 'error-429.json', { 'retry-after-ms': '768' }).retryAfterMs, 768);
  assert.equal(c(429, 'error-insufficient-quota.json').retryable, false);
  const auth = c(401, 'error-401.json');
  assert.deepEqual([auth.code, auth.retryable], ['providerAuth', false]);
  assert.equal(c(403, 'error-401.json').code, 'providerAuth');
  assert.deepEqual([c(400, 'error-context-length.json').code, c(400, 'error-context-length.json').retryable], ['providerContextLength', false]);
  assert.equal(c(400, 'error-content-filter.json').code, 'providerContentPolicy');
  const five = openAiAdapter.classifyError(500, {}, '<html>oops</html>');
  assert.deepEqual([five.code, five.retryable, five.status], ['providerError', true, 500]);
  assert.equal(openAiAdapter.classifyError(503, {}, '').code, 'providerUnavailable');
  assert.equal(openAiAdapter.classifyError(400, {}, '{"error":{"message":"bad","type":"invalid_request_error"}}').retryable, false);
});

test('error messages never carry a key', () => {
  const auth = openAiAdapter.classifyError(401, {}, '{"error":{"message":"Incorrect API key provided: sk-abcdef1234567890.","code":"invalid_api_key"}}');
  assert.ok(!auth.message.includes('abcdef1234567890'), auth.message);
  assert.equal(redactSecrets('key gsk_x and sk-proj-AAAA1111'), 'key gsk_x and sk-…');
});

test('retry-after accepts seconds and HTTP dates', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  assert.equal(retryAfterMs({ 'retry-after': 'Thu, 01 Jan 2026 00:00:03 GMT' }, now), 3000);
  assert.equal(retryAfterMs({}, now), undefined);
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }, now), undefined);
});
