// Conversation affinity through the real daemon (simulate mode): later turns keep their model, the
// provider's cached tokens are counted per conversation, and a turn moves when re-routing is worth
// it — with the decision saying which rule decided.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import OpenAI from 'openai';
import { openAiSuite } from './openaiSuite';
import { rpcOk, startTestDaemon } from './daemonHarness';
import type { ConversationRouting } from '../../daemon/protocol/routing';
import type { SpendConversationsResult } from '../../daemon/protocol/conversations';

const suite = openAiSuite();

interface Routing {
  requestId: string;
  model: string;
  reason: string;
  actualCostUsd: number | null;
  conversation?: ConversationRouting;
}
const routingOf = (r: unknown): Routing => (r as { routing: Routing }).routing;

// Long enough (> 1024 tokens) for providers to cache the conversation's prefix. Anthropic caches only
// marked prefixes and Groq gives no cache discount: the conversations here stay off them.
const SYSTEM = 'You are the assistant of a small travel agency. Answer questions about trips, cities and bookings politely. '.repeat(45);
const TURNS = [
  'hi',
  'What is the capital of France?',
  'Thanks! And what about Italy?',
  'Recommend a nice restaurant in Rome for dinner.',
  'ok',
  'What currency do they use in Switzerland?',
  'cool, thanks',
  'Which month is best to visit Lisbon?',
  'great',
  'What time zone is Madrid in?',
];

async function converse(headers: Record<string, string>, turns: readonly string[], model = 'auto', routing: Record<string, unknown> = { excludedProviders: ['anthropic', 'groq'] }, system: string | null = SYSTEM): Promise<{ routing: Routing; cached: number }[]> {
  const messages: OpenAI.ChatCompletionMessageParam[] = system === null ? [] : [{ role: 'system', content: system }];
  const out: { routing: Routing; cached: number }[] = [];
  for (const turn of turns) {
    messages.push({ role: 'user', content: turn });
    const r = await suite.client.chat.completions.create({ model, messages, routing } as OpenAI.ChatCompletionCreateParamsNonStreaming, { headers });
    messages.push({ role: 'assistant', content: r.choices[0]?.message.content ?? '' });
    out.push({ routing: routingOf(r), cached: r.usage?.prompt_tokens_details?.cached_tokens ?? 0 });
  }
  return out;
}

test('a ten-turn conversation stays on one model and its cached tokens are counted', async () => {
  const turns = await converse({ 'x-llm-router-session': 'ten-turns' }, TURNS);
  const models = new Set(turns.map((t) => t.routing.model));
  assert.equal(models.size, 1, turns.map((t) => `${t.routing.model}: ${t.routing.reason}`).join('\n'));
  assert.deepEqual(turns.map((t) => t.routing.conversation?.turn), [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
  assert.deepEqual(turns.map((t) => t.routing.conversation?.outcome), ['new', ...Array<string>(9).fill('kept')]);
  assert.equal(turns[0]?.cached, 0);
  assert.ok(turns.slice(1).every((t) => t.cached >= 1024), JSON.stringify(turns.map((t) => t.cached)));
  assert.equal(turns[0]?.routing.conversation?.keySource, 'header');

  // The same conversation routed afresh each turn hops between models: affinity is what kept it.
  const fresh = await converse({ 'x-llm-router-session': 'ten-turns-fresh', 'x-llm-router-affinity': 'off' }, TURNS);
  assert.ok(new Set(fresh.map((t) => t.routing.model)).size > 1, 'without affinity the turns would not all land on one model');
  assert.ok(fresh.every((t) => t.routing.conversation === undefined));

  const { conversations } = await rpcOk<SpendConversationsResult>(suite.h, 'spend/conversations', { limit: 10 });
  const conv = conversations.find((c) => c.id === turns[0]?.routing.conversation?.key);
  assert.ok(conv, JSON.stringify(conversations));
  assert.equal(conv.turns, 10);
  assert.equal(conv.kept, 9);
  assert.equal(conv.moved, 0);
  assert.equal(conv.model, [...models][0]);
  assert.equal(conv.tokensCached, turns.reduce((s, t) => s + t.cached, 0));
  assert.ok(conv.cacheSavedUsd > 0, JSON.stringify(conv));
  assert.ok(!conv.id.includes('ten-turns'), 'keys are stored hashed');
  assert.equal(conversations.some((c) => c.id === fresh[0]?.routing.conversation?.key), false);
});

test('without an explicit key the conversation is recognised by its prefix', async () => {
  const turns = await converse({}, TURNS.slice(0, 4));
  assert.deepEqual(turns.map((t) => t.routing.conversation?.keySource), ['prefix', 'prefix', 'prefix', 'prefix']);
  assert.deepEqual(turns.map((t) => t.routing.conversation?.turn), [1, 2, 3, 4]);
  assert.equal(new Set(turns.map((t) => t.routing.model)).size, 1);
});

test('a turn that becomes a hard proof may move, and the decision says why', async () => {
  const turns = await converse({ 'x-llm-router-session': 'proof' }, [
    'hi',
    'ok',
    'Prove rigorously that there are infinitely many primes p with p ≡ 3 (mod 4); give a complete formal proof with every lemma justified, then prove the analogous statement for p ≡ 1 (mod 4) using quadratic residues.',
    // A cheap and a strong model of one family: small talk goes to the first, a proof to the second.
  ], 'auto', { allowedModels: ['gemini-2.0-flash', 'gemini-2.5-pro'] }, null);
  const [first, second, proof] = turns.map((t) => t.routing);
  assert.equal(second?.conversation?.outcome, 'kept');
  assert.equal(second?.model, first?.model);
  assert.equal(proof?.conversation?.outcome, 'moved', proof?.reason);
  assert.notEqual(proof?.model, first?.model);
  assert.match(proof?.conversation?.why ?? '', /clearly harder \(math, difficulty/);
  assert.match(proof?.reason ?? '', /conversation turn 3: moved from/);
  assert.equal(proof?.conversation?.previousModel, first?.model);
});

test('a conversation under a budget that can no longer afford its model moves to one it can afford', async () => {
  const own = await startTestDaemon();
  try {
    const c = new OpenAI({ baseURL: `${own.url}/v1`, apiKey: own.token, maxRetries: 0, timeout: 20_000 });
    const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Explain how a bloom filter trades memory for false positives.' }];
    const first = await c.chat.completions.create({ model: 'auto:quality', messages }, { headers: { 'x-llm-router-session': 'budgeted' } });
    const r1 = routingOf(first);
    assert.ok(r1.actualCostUsd !== null && r1.actualCostUsd > 0);
    // Today's budget now has room for a fraction of what the first turn cost: not that model again.
    await rpcOk(own, 'budget/set', { scope: 'global', period: 'day', limitUsd: r1.actualCostUsd * 1.3 });
    messages.push({ role: 'assistant', content: first.choices[0]?.message.content ?? '' }, { role: 'user', content: 'And how do I size one for a million keys?' });
    const second = await c.chat.completions.create({ model: 'auto:quality', messages }, { headers: { 'x-llm-router-session': 'budgeted' } });
    const r2 = routingOf(second);
    assert.equal(r2.conversation?.outcome, 'moved', r2.reason);
    assert.notEqual(r2.model, r1.model);
    assert.match(r2.conversation?.why ?? '', new RegExp(`^${r1.model.replace(/\./g, '\\.')} no longer fits: budget .* left, ~\\$[0-9.]+ needed$`));
    assert.ok(r2.actualCostUsd !== null && r2.actualCostUsd < r1.actualCostUsd * 0.3, 'the model it moved to fits what the budget has left');
  } finally {
    await own.close();
  }
});

test('affinity can be turned off in config', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-affinity-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify({ affinity: { enabled: false } }));
  const off = await startTestDaemon({ home });
  try {
    const c = new OpenAI({ baseURL: `${off.url}/v1`, apiKey: off.token, maxRetries: 0, timeout: 20_000 });
    const r = await c.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'hi' }] }, { headers: { 'x-llm-router-session': 's' } });
    assert.equal(routingOf(r).conversation, undefined);
  } finally {
    await off.close();
    rmSync(home, { recursive: true, force: true });
  }
});

test('an Anthropic conversation is marked for caching: later turns read what the turn before wrote', async () => {
  const turns = await converse({ 'x-llm-router-session': 'anthropic-cache' }, TURNS.slice(0, 4), 'auto', { allowedProviders: ['anthropic'] });
  assert.equal(new Set(turns.map((t) => t.routing.model)).size, 1);
  // Turn 1 is not marked (a one-shot prompt would pay the cache write for nothing), turn 2 writes, 3 and 4 read.
  assert.deepEqual(turns.map((t) => t.cached > 0), [false, false, true, true]);
  const { conversations } = await rpcOk<SpendConversationsResult>(suite.h, 'spend/conversations', { limit: 20 });
  const conv = conversations.find((c) => c.id === turns[0]?.routing.conversation?.key);
  assert.ok(conv && conv.tokensCached === turns.reduce((s, t) => s + t.cached, 0) && conv.cacheSavedUsd > 0, JSON.stringify(conv));
});
