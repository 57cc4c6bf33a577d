// The simulator's Anthropic and Gemini formats, read by the real adapters over real HTTP, and
// every scripted fault arriving as the classified failure the executor acts on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';
import { anthropicFormat } from '../../../daemon/simulator/formats/anthropic';
import { googleFormat } from '../../../daemon/simulator/formats/google';
import { FaultScript, namedFault, type Fault } from '../../../daemon/simulator/faults';
import { ProviderHttp } from '../../../daemon/providers/http';
import { ProviderError, type ProviderAdapter } from '../../../daemon/providers/adapter';
import { anthropicAdapter } from '../../../daemon/providers/anthropic';
import { googleAdapter } from '../../../daemon/providers/google';
import type { ChatRequest } from '../../../daemon/protocol/chat';
import { callSimulated } from './simulated';

let sim: RunningSimulator;
const script = new FaultScript();
const http = new ProviderHttp({ totalMs: 2_000, firstByteMs: 1_500 });

before(async () => {
  sim = await startSimulator({ formats: [anthropicFormat, googleFormat], fault: script.hook });
});
after(async () => {
  await http.close();
  await sim.close();
});

const providers: [string, ProviderAdapter, string][] = [
  ['anthropic', anthropicAdapter, 'claude-sonnet-4-20250514'],
  ['google', googleAdapter, 'gemini-2.5-flash'],
];
const ask: ChatRequest = { messages: [{ role: 'system', content: 'Be brief.' }, { role: 'user', content: 'What is a monad?' }], max_tokens: 200 };
const withTool: ChatRequest = {
  messages: [{ role: 'user', content: 'Weather in Paris?' }],
  tools: [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }],
};

for (const [provider, adapter, model] of providers) {
  for (const stream of [false, true]) {
    test(`${provider} ${stream ? 'stream' : 'JSON'}: text answer with usage`, async () => {
      const r = await callSimulated(http, adapter, sim.baseUrlFor(provider), model, ask, stream);
      assert.match(r.text, /^Simulated answer from .*What is a monad\?/);
      assert.equal(r.finishReason, 'stop');
      assert.ok(r.usage.inputTokens > 0 && r.usage.outputTokens > 0);
      if (stream) {
        assert.ok(r.events.filter((e) => e.type === 'text').length > 3, 'arrives in pieces');
      }
    });
    test(`${provider} ${stream ? 'stream' : 'JSON'}: tool call`, async () => {
      const r = await callSimulated(http, adapter, sim.baseUrlFor(provider), model, withTool, stream);
      assert.equal(r.finishReason, 'tool_calls');
      assert.equal(r.toolCalls[0]?.function.name, 'get_weather');
      assert.deepEqual(JSON.parse(r.toolCalls[0]?.function.arguments ?? ''), { query: 'Weather in Paris?' });
    });
  }
}

const expectations: [string, Fault, boolean, string][] = [
  ['rate_limit', namedFault('rate_limit') as Fault, false, 'providerRateLimited'],
  ['server_error', namedFault('server_error') as Fault, false, 'providerError'],
  ['overloaded', namedFault('overloaded') as Fault, false, 'providerUnavailable'],
  ['context_length', namedFault('context_length') as Fault, false, 'providerContextLength'],
  ['auth', namedFault('auth') as Fault, false, 'providerAuth'],
  ['malformed JSON', { kind: 'malformed' }, false, 'providerError'],
  ['malformed stream', { kind: 'malformed' }, true, 'providerError'],
  ['wrong content type', { kind: 'wrong_content_type' }, false, 'providerError'],
  ['wrong content type, streamed', { kind: 'wrong_content_type' }, true, 'providerError'],
  ['cut mid-stream', { kind: 'cut', afterPieces: 2 }, true, 'providerError'],
  ['timeout (no answer)', { kind: 'hang' }, false, 'providerTimeout'],
];

for (const [provider, adapter, model] of providers) {
  for (const [name, fault, stream, code] of expectations) {
    test(`${provider}: fault "${name}" → ${code}`, async () => {
      script.set([{ match: model, fault, times: 1 }]);
      await assert.rejects(callSimulated(http, adapter, sim.baseUrlFor(provider), model, ask, stream), (e: unknown) => {
        assert.ok(e instanceof ProviderError, String(e));
        assert.equal(e.failure.code, code, e.failure.message);
        if (name === 'rate_limit') {
          assert.equal(e.failure.retryAfterMs, 1000);
        }
        return true;
      });
      // The rule was used once: the next call succeeds.
      const ok = await callSimulated(http, adapter, sim.baseUrlFor(provider), model, ask, stream);
      assert.equal(ok.finishReason, 'stop');
    });
  }
  test(`${provider}: slow drip still completes`, async () => {
    script.set([{ match: model, fault: { kind: 'drip', pieceMs: 5 }, times: 1 }]);
    const r = await callSimulated(http, adapter, sim.baseUrlFor(provider), model, ask, true);
    assert.equal(r.finishReason, 'stop');
  });
}

test('faults can be scripted over HTTP (POST /_sim/faults), used up after `times`, and cleared', async () => {
  const set = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ match: 'gemini-2.5-flash', fault: 'overloaded', times: 1 }] }) });
  assert.equal(set.status, 200);
  await assert.rejects(callSimulated(http, googleAdapter, sim.baseUrlFor('google'), 'gemini-2.5-flash', ask, false), (e: unknown) => e instanceof ProviderError && e.failure.code === 'providerUnavailable');
  assert.equal((await callSimulated(http, googleAdapter, sim.baseUrlFor('google'), 'gemini-2.5-flash', ask, false)).finishReason, 'stop');
  const bad = await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ fault: 'no_such_fault' }] }) });
  assert.equal(bad.status, 400);
  assert.match(((await bad.json()) as { error: { message: string } }).error.message, /unknown fault/);
  await fetch(`${sim.url}/_sim/faults`, { method: 'POST', body: JSON.stringify({ rules: [{ fault: 'server_error' }] }) });
  assert.equal((await fetch(`${sim.url}/_sim/faults`, { method: 'DELETE' })).status, 200);
  assert.equal((await callSimulated(http, anthropicAdapter, sim.baseUrlFor('anthropic'), 'claude-3-5-haiku-20241022', ask, true)).finishReason, 'stop');
});
