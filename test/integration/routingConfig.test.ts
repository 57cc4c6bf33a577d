// The routing section of config.json reaches the router (policies, rules, model overrides), and the
// x-llm-router-tradeoff request header sets the tradeoff on /v1/chat/completions and /v1/messages.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { rpcOk, startTestDaemon, type Harness } from './daemonHarness';
import type { RoutingDecision } from '../../daemon/protocol/routing';
import type { PolicyListResult } from '../../daemon/protocol/routing-methods';

let h: Harness;
let home: string;
before(async () => {
  home = mkdtempSync(join(tmpdir(), 'llm-router-routing-config-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({
    routing: {
      models: [
        // Above cost-aggressive's 0.6 floor on its own figure: the policy's choice must not hang on how easy the learned model finds the prompt.
        { id: 'office-llm', provider: 'openai', apiModel: 'gpt-4.1-nano', contextWindow: 32_000, qualityPrior: 0.7, price: { inputPerMTok: 0.01, outputPerMTok: 0.02 } },
        { id: 'gpt-4.1-mini', price: { inputPerMTok: 123, outputPerMTok: 456 } },
      ],
      policies: [{ name: 'office', models: ['office-llm', 'gpt-4.1'], strategy: { name: 'cost-aggressive' } }],
      rules: [{ id: 'fixes-to-office', when: { command: 'fix' }, targets: [{ model: 'office-llm' }] }],
    },
  }));
  h = await startTestDaemon({ home });
});
after(async () => {
  await h.close();
  rmSync(home, { recursive: true, force: true });
});

const rpc = <T>(method: string, params: unknown) => rpcOk<T>(h, method, params);
const messages = (content: string) => [{ role: 'user', content }];

test('user policies, rules and model overrides from config.json decide', async () => {
  const policies = await rpc<PolicyListResult>('policy/list', {});
  assert.ok(JSON.stringify(policies).includes('"office"'));
  const byPolicy = await rpc<RoutingDecision>('route/decide', { model: 'office', messages: messages('Summarise this memo.') });
  assert.equal(byPolicy.policy, 'office');
  assert.equal(byPolicy.model, 'office-llm');
  const byRule = await rpc<RoutingDecision>('route/decide', { messages: messages('fix the bug in parse()'), context: { kind: 'editor', command: 'fix' } });
  assert.equal(byRule.rule, 'fixes-to-office');
  assert.equal(byRule.model, 'office-llm');
  // The overridden price is the one routing estimates with.
  const mini = await rpc<RoutingDecision>('route/decide', { model: 'gpt-4.1-mini', messages: messages('hello') });
  assert.ok(mini.estimatedCostUsd !== null && mini.estimatedCostUsd > (mini.inputTokens * 123) / 1e6);
});

test('a bad routing section stops start-up with a message naming the file and the field', async () => {
  const bad = mkdtempSync(join(tmpdir(), 'llm-router-routing-config-bad-'));
  try {
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ routing: { models: [{ id: 'brand-new' }] } }));
    await assert.rejects(startTestDaemon({ home: bad }), (e: unknown) => e instanceof Error && /config\.json routing\.models/.test(e.message) && /brand-new/.test(e.message));
    writeFileSync(join(bad, 'config.json'), JSON.stringify({ routing: { policies: [{ name: 'Bad Name' }] } }));
    await assert.rejects(startTestDaemon({ home: bad }), (e: unknown) => e instanceof Error && /config\.json/.test(e.message) && /routing\.policies\.0\.name/.test(e.message));
  } finally {
    rmSync(bad, { recursive: true, force: true });
  }
});

async function post(path: string, body: unknown, headers: Record<string, string>): Promise<Response> {
  return fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
}

test('x-llm-router-tradeoff sets the tradeoff on /v1/chat/completions and /v1/messages; the body field wins; a bad value is a 400', async () => {
  for (const tradeoff of ['cost', 'quality']) {
    const chat = await post('/v1/chat/completions', { model: 'auto', max_tokens: 20, messages: messages('Say hello.') }, { 'x-llm-router-tradeoff': tradeoff });
    assert.equal(chat.status, 200);
    assert.equal(chat.headers.get('x-llm-router-tradeoff'), tradeoff);
    await chat.text();
    const msg = await post('/v1/messages', { model: 'auto', max_tokens: 20, messages: messages('Say hello.') }, { 'x-llm-router-tradeoff': tradeoff });
    assert.equal(msg.status, 200);
    assert.equal(msg.headers.get('x-llm-router-tradeoff'), tradeoff);
    await msg.text();
  }
  const bodyWins = await post('/v1/chat/completions', { model: 'auto', max_tokens: 20, messages: messages('Say hello.'), routing: { tradeoff: 'latency' } }, { 'x-llm-router-tradeoff': 'cost' });
  assert.equal(bodyWins.headers.get('x-llm-router-tradeoff'), 'latency');
  await bodyWins.text();
  const bad = await post('/v1/chat/completions', { model: 'auto', messages: messages('Say hello.') }, { 'x-llm-router-tradeoff': 'cheapest' });
  assert.equal(bad.status, 400);
  assert.match(await bad.text(), /x-llm-router-tradeoff/);
  const badMsg = await post('/v1/messages', { model: 'auto', max_tokens: 20, messages: messages('Say hello.') }, { 'x-llm-router-tradeoff': 'cheapest' });
  assert.equal(badMsg.status, 400);
  assert.match(await badMsg.text(), /x-llm-router-tradeoff/);
});
