import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { Router } from '../../../daemon/routing/router';
import { Store } from '../../../daemon/store/database';
import { ProviderHttp } from '../../../daemon/providers/http';
import { openAiCompatible } from '../../../daemon/providers/openai';
import { PROVIDERS, ProviderRegistry } from '../../../daemon/providers/registry';
import { ChatService, type ChatCall } from '../../../daemon/service/chatService';
import { ClientHub } from '../../../daemon/service/clients';
import { Executor } from '../../../daemon/service/execute';
import { attemptsOf, getRequest } from '../../../daemon/ledger/requests';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';
import type { FaultContext, Fault } from '../../../daemon/simulator/faults';
import { RouterError } from '../../../daemon/protocol/errors';
import { costOf } from '../../../daemon/ledger/pricing';
import { effortRanAt } from '../../../daemon/routing/effort';
import type { StreamEvent } from '../../../daemon/protocol/chat';

let sim: RunningSimulator;
let fault: (ctx: FaultContext) => Fault | null = () => null;
let http: ProviderHttp;
before(async () => {
  sim = await startSimulator({ fault: (ctx) => fault(ctx) });
  http = new ProviderHttp({ totalMs: 5000 });
});
after(async () => {
  await http.close();
  await sim.close();
});

async function setup() {
  const store = await Store.open({ dir: null });
  const catalog = Catalog.builtIn();
  catalog.update([{ id: 'mystery-model', provider: 'openai', contextWindow: 100_000, price: null }]);
  const router = new Router({ catalog, isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: null });
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p), (p, url) => openAiCompatible(p, url));
  const executor = new Executor({ providers, http, keyFor: async () => null, simulate: true, now: Date.now });
  const clients = new ClientHub();
  const notes: unknown[] = [];
  clients.add({ id: 's', client: { kind: 'editor' }, notify: (m, p) => notes.push([m, p]) });
  const chat = new ChatService({ store, catalog, router, executor, clients, hooks: [], now: Date.now });
  return { store, router, chat, notes };
}

const call = (content: string, extra: Partial<ChatCall> = {}): ChatCall => ({
  endpoint: 'rpc',
  requestedModel: 'auto',
  request: { messages: [{ role: 'user', content }] },
  context: { kind: 'script', name: 'unit' },
  stream: false,
  signal: new AbortController().signal,
  ...extra,
});

test('a routed call is answered, priced, recorded with one attempt, and announced', async () => {
  fault = () => null;
  const { store, chat, notes } = await setup();
  const out = await chat.complete(call('Explain TCP slow start'));
  assert.equal(out.result.text, `Simulated answer from ${out.decision.model === out.routing.model ? out.routing.model : '?'}: Explain TCP slow start`.replace(out.routing.model, out.result.providerModel));
  const row = store.read((tx) => getRequest(tx, out.requestId));
  assert.ok(row);
  assert.equal(row.status, 'ok');
  assert.equal(row.model, out.routing.model);
  assert.equal(row.tokensOut, out.result.usage.outputTokens);
  assert.ok(row.tokensIn > 0);
  assert.equal(row.costState, 'known');
  assert.ok(row.costUsd !== null && row.costUsd > 0);
  assert.equal(out.routing.actualCostUsd, row.costUsd);
  assert.deepEqual(store.read((tx) => attemptsOf(tx, out.requestId)).map((a) => [a.model, a.status, a.errorCode]), [[row.model, 'ok', null]]);
  assert.deepEqual(notes, [['spend/changed', { requestId: out.requestId, costUsd: row.costUsd }]]);
});

test('a failing model falls back to the next one; every attempt is recorded with its error code', async () => {
  const { store, router, chat } = await setup();
  const first = router.decide({ request: { messages: [{ role: 'user', content: 'fallback please' }] }, requestedModel: 'auto' });
  assert.ok(first.fallbacks.length > 0);
  fault = (ctx) => (ctx.model === catalogApi(first.model) ? { kind: 'error', status: 500, type: 'server_error', code: null, message: 'boom' } : null);
  const out = await chat.complete(call('fallback please'));
  assert.notEqual(out.routing.model, first.model);
  assert.deepEqual(out.routing.fallbacksTried, [first.model]);
  assert.match(out.routing.reason, /fallback/);
  const attempts = store.read((tx) => attemptsOf(tx, out.requestId));
  // The first model may have been retried before the fallback; each try is its own attempt row.
  const last = attempts[attempts.length - 1];
  assert.deepEqual([last?.model, last?.status, last?.errorCode], [out.routing.model, 'ok', null]);
  assert.ok(attempts.length >= 2);
  for (const [i, a] of attempts.slice(0, -1).entries()) {
    assert.deepEqual([a.n, a.model, a.status, a.errorCode], [i + 1, first.model, 'error', 'providerError']);
  }
  fault = () => null;
});

function catalogModel(id: string) {
  const m = Catalog.builtIn().get(id);
  assert.ok(m);
  return m;
}

function catalogApi(id: string): string {
  return Catalog.builtIn().get(id)?.apiModel ?? id;
}

test('when every model fails the error says so, and the row records it', async () => {
  fault = () => ({ kind: 'error', status: 429, type: 'requests', code: 'rate_limit_exceeded', message: 'slow down', retryAfterSeconds: 1 });
  const { store, chat } = await setup();
  let requestId = '';
  await assert.rejects(chat.complete(call('nothing works')), (e: unknown) => {
    assert.ok(e instanceof RouterError);
    assert.equal(e.code, 'providerRateLimited');
    requestId = String(e.details?.requestId);
    return true;
  });
  const row = store.read((tx) => getRequest(tx, requestId));
  assert.equal(row?.status, 'error');
  assert.equal(row?.errorCode, 'providerRateLimited');
  assert.equal(row?.costUsd, 0);
  assert.ok(store.read((tx) => attemptsOf(tx, requestId)).every((a) => a.errorCode === 'providerRateLimited'));
  fault = () => null;
});

test('an unknown price is recorded as unknown, never as $0', async () => {
  fault = () => null;
  const { store, chat } = await setup();
  const out = await chat.complete(call('price?', { requestedModel: 'mystery-model' }));
  const row = store.read((tx) => getRequest(tx, out.requestId));
  assert.equal(row?.costState, 'unknown');
  assert.equal(row?.costUsd, null);
  assert.equal(out.routing.actualCostUsd, null);
});

test('a stream cut after the first token does not fall back and is recorded as an error', async () => {
  fault = (ctx) => (ctx.stream ? { kind: 'cut', afterPieces: 2 } : null);
  const { store, chat } = await setup();
  const events: StreamEvent[] = [];
  let requestId = '';
  await assert.rejects(chat.complete(call('cut me off', { stream: true, onEvent: (e) => events.push(e) })), (e: unknown) => {
    requestId = String((e as RouterError).details?.requestId);
    return e instanceof RouterError && e.code === 'providerError';
  });
  assert.equal(events.filter((e) => e.type === 'text').length, 2);
  const attempts = store.read((tx) => attemptsOf(tx, requestId));
  assert.equal(attempts.length, 1);
  assert.equal(store.read((tx) => getRequest(tx, requestId))?.tokensOut, 2);
  fault = () => null;
});

test('a cancelled call is recorded as cancelled', async () => {
  fault = () => ({ kind: 'delay', ms: 2000 });
  const { store, chat } = await setup();
  const ctl = new AbortController();
  setTimeout(() => ctl.abort(), 50);
  let requestId = '';
  await assert.rejects(chat.complete(call('never mind', { signal: ctl.signal })), (e: unknown) => {
    requestId = String((e as RouterError).details?.requestId);
    return e instanceof RouterError && e.code === 'cancelled';
  });
  const row = store.read((tx) => getRequest(tx, requestId));
  assert.equal(row?.status, 'cancelled');
  assert.equal(store.read((tx) => attemptsOf(tx, requestId)).length, 1);
  fault = () => null;
});

test('bad input is refused before anything is recorded', async () => {
  const { store, chat } = await setup();
  await assert.rejects(chat.complete(call('x', { requestedModel: 'mystery-9' })), (e: unknown) => e instanceof RouterError && e.code === 'unknownModel');
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))?.n, 0);
});

test('a low-confidence answer (hedging) under an escalating policy is re-asked once on the stronger model; both attempts and both costs are recorded', async () => {
  fault = () => null;
  const { store, router, chat } = await setup();
  // The simulator echoes the prompt, so its answer hedges.
  const request = { messages: [{ role: 'user' as const, content: "I'm not sure: refactor this parser for speed" }] };
  const planned = router.decide({ request, requestedModel: 'code' });
  const target = planned.escalation?.to;
  assert.ok(planned.escalation?.enabled && target, 'the code policy escalates');
  const out = await chat.complete(call('', { requestedModel: 'code', request }));
  assert.equal(out.decision.model, planned.model);
  assert.equal(out.routing.model, target);
  assert.match(out.routing.reason, new RegExp(`escalated from ${planned.model} \\(hedging\\) to ${target}`));
  assert.equal(chat.escalations, 1);
  const attempts = store.read((tx) => attemptsOf(tx, out.requestId));
  assert.deepEqual(attempts.map((a) => [a.n, a.model, a.status, a.errorCode]), [[1, planned.model, 'ok', 'escalated'], [2, target, 'ok', null]]);
  const row = store.read((tx) => getRequest(tx, out.requestId));
  assert.ok(row && row.costUsd !== null);
  assert.deepEqual(row.fallbacks, []);
  // Both calls were paid for: the same prompt was sent twice, and both answers are on the row.
  assert.equal(row.tokensIn, 2 * out.result.usage.inputTokens);
  assert.ok(row.tokensOut > out.result.usage.outputTokens);
  const first = catalogModel(planned.model);
  const second = catalogModel(target);
  const firstOut = row.tokensOut - out.result.usage.outputTokens;
  const expected = (costOf(first, { ...out.result.usage, outputTokens: firstOut }) ?? 0) + (costOf(second, out.result.usage) ?? 0);
  assert.ok(Math.abs(row.costUsd - expected) < 1e-9, `${row.costUsd} vs ${expected}`);
  // The escalation is sent the request as it came: its row names the effort that model ran at.
  assert.equal(row.effort, effortRanAt(second, undefined));
  assert.equal(row.expectedWallMs, planned.expectedWallMs);
});

test('no escalation for a confident answer, for a policy without escalation, or for a stream', async () => {
  fault = () => null;
  const { store, chat } = await setup();
  const fine = await chat.complete(call('Refactor this parser for speed', { requestedModel: 'code' }));
  const normal = await chat.complete(call('', { requestedModel: 'normal', request: { messages: [{ role: 'user', content: 'hello there' }], max_tokens: 3 } }));
  const streamed = await chat.complete(call('', { requestedModel: 'code', stream: true, onEvent: () => undefined, request: { messages: [{ role: 'user', content: 'Refactor this parser' }], max_tokens: 3 } }));
  assert.equal(chat.escalations, 0);
  for (const out of [fine, normal, streamed]) {
    assert.equal(out.routing.model, out.decision.model);
    assert.deepEqual(store.read((tx) => attemptsOf(tx, out.requestId)).map((a) => a.errorCode), [null]);
  }
});

test('a failed escalation keeps the first answer and says so; the failure is not counted as a fallback', async () => {
  const { store, router, chat } = await setup();
  const request = { messages: [{ role: 'user' as const, content: "I'm not sure: refactor this parser, escalation fails" }] };
  const planned = router.decide({ request, requestedModel: 'code' });
  const target = planned.escalation?.to;
  assert.ok(target);
  fault = (ctx) => (ctx.model === catalogApi(target) ? { kind: 'error', status: 401, type: 'invalid_request_error', code: 'invalid_api_key', message: 'no' } : null);
  const out = await chat.complete(call('', { requestedModel: 'code', request }));
  fault = () => null;
  assert.equal(out.routing.model, planned.model);
  assert.match(out.routing.reason, /escalation from .* failed, first answer kept/);
  assert.equal(chat.escalations, 1);
  const attempts = store.read((tx) => attemptsOf(tx, out.requestId));
  assert.deepEqual(attempts[0] && [attempts[0].model, attempts[0].errorCode], [planned.model, 'escalated']);
  assert.ok(attempts.slice(1).every((a) => a.model === target && a.status === 'error'));
  assert.deepEqual(out.routing.fallbacksTried, []);
});

test('a length finish is re-asked only when the caller set no max_tokens: a cut they asked for is not paid twice', async () => {
  fault = () => null;
  const { store, router, chat } = await setup();
  const cut = { messages: [{ role: 'user' as const, content: 'Refactor this parser for speed' }], max_tokens: 3 };
  const planned = router.decide({ request: cut, requestedModel: 'code' });
  assert.ok(planned.escalation?.enabled && planned.escalation.to);
  const kept = await chat.complete(call('', { requestedModel: 'code', request: cut }));
  assert.equal(kept.result.finishReason, 'length');
  assert.equal(kept.routing.model, planned.model);
  assert.equal(chat.escalations, 0);
  assert.deepEqual(store.read((tx) => attemptsOf(tx, kept.requestId)).map((a) => a.errorCode), [null]);

  // Without max_tokens a provider's own limit cut the answer: the stronger model is asked once.
  const catalog = Catalog.builtIn();
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p), (p, url) => openAiCompatible(p, url));
  class CutFirst extends Executor {
    private calls = 0;
    override async attempt(input: Parameters<Executor['attempt']>[0]) {
      const out = await super.attempt(input);
      return this.calls++ === 0 ? { ...out, result: { ...out.result, finishReason: 'length' as const } } : out;
    }
  }
  const executor = new CutFirst({ providers, http, keyFor: async () => null, simulate: true, now: Date.now });
  const chat2 = new ChatService({ store, catalog, router, executor, clients: new ClientHub(), hooks: [], now: Date.now });
  const open = { messages: [{ role: 'user' as const, content: 'Refactor this parser for speed' }] };
  const target = router.decide({ request: open, requestedModel: 'code' }).escalation?.to;
  const escalated = await chat2.complete(call('', { requestedModel: 'code', request: open }));
  assert.equal(chat2.escalations, 1);
  assert.equal(escalated.routing.model, target);
  assert.match(escalated.routing.reason, /\(length\)/);
});
