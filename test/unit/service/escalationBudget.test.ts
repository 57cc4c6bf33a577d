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
import { LedgerService } from '../../../daemon/ledger/service';
import { estimateCallCost } from '../../../daemon/ledger/estimates';
import { attemptsOf, getRequest } from '../../../daemon/ledger/requests';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';

let sim: RunningSimulator;
let http: ProviderHttp;
before(async () => {
  sim = await startSimulator({});
  http = new ProviderHttp({ totalMs: 5000 });
});
after(async () => {
  await http.close();
  await sim.close();
});

// The daemon's wiring in small: the ledger's output history prices the router's candidates.
async function setup() {
  const store = await Store.open({ dir: null });
  const catalog = Catalog.builtIn();
  const ledger = new LedgerService({ store, catalog, baselineModel: null, askConfirmAboveUsd: null, timeZone: 'UTC', now: Date.now, notify: () => undefined });
  const router = new Router({
    catalog,
    isAvailable: () => true,
    defaultTradeoff: 'balanced',
    baselineModel: null,
    outputTokens: (id, task, typical) => ledger.outputTokens(id, task, typical),
  });
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p), (p, url) => openAiCompatible(p, url));
  const executor = new Executor({ providers, http, keyFor: async () => null, simulate: true, now: Date.now });
  const chat = new ChatService({ store, catalog, router, executor, clients: new ClientHub(), hooks: [ledger.hooks], budgets: ledger, now: Date.now });
  return { store, catalog, ledger, router, chat };
}

const call = (extra: Partial<ChatCall>): ChatCall => ({
  endpoint: 'rpc',
  requestedModel: 'auto',
  request: { messages: [{ role: 'user', content: 'hello' }] },
  context: { kind: 'script', name: 'unit' },
  stream: false,
  signal: new AbortController().signal,
  ...extra,
});

test('one estimate everywhere: the decision prices each model with the ledger history, and the row keeps that figure', async () => {
  const { store, catalog, router, chat } = await setup();
  const request = { messages: [{ role: 'user' as const, content: 'Tell me about the history of the printing press in Europe' }] };
  const outs = [];
  for (let i = 0; i < 4; i++) {
    outs.push(await chat.complete(call({ requestedModel: 'gpt-4o-mini', request })));
  }
  const answered = outs[0]!.result.usage.outputTokens;
  const next = router.decide({ request, requestedModel: 'gpt-4o-mini' });
  // Learned from the recorded answers, not a fixed guess.
  assert.equal(next.estimatedOutputTokens, answered);
  assert.equal(next.estimatedCostUsd, Math.round(estimateCallCost(catalog.get('gpt-4o-mini')!, next.inputTokens, answered)! * 1e10) / 1e10);
  const last = outs[3]!;
  const row = store.read((tx) => getRequest(tx, last.requestId));
  assert.equal(row?.estimatedCostUsd, last.decision.estimatedCostUsd);
  assert.equal(last.routing.estimatedCostUsd, last.decision.estimatedCostUsd);
});

test('an escalation the budget cannot afford keeps the first answer; one it can afford is reserved and released', async () => {
  const { store, catalog, ledger, router, chat } = await setup();
  // The simulator echoes the prompt, so the first answer hedges and the code policy escalates.
  const request = { messages: [{ role: 'user' as const, content: "I'm not sure: refactor this parser for speed" }] };
  const planned = router.decide({ request, requestedModel: 'code' });
  const target = planned.escalation?.to;
  assert.ok(target, 'the code policy escalates');
  const firstEstimate = planned.estimatedCostUsd!;
  // The escalation reserves the plan's own estimate for the stronger model.
  const targetEstimate = planned.candidates.find((c) => c.model === target)!.costUsd!;
  assert.ok(catalog.get(target));
  assert.ok(firstEstimate < targetEstimate, `${firstEstimate} < ${targetEstimate}`);

  // hardStop: the plan does not steer around this budget, so the escalation meets it at its reservation.
  await ledger.guard.set({ scope: 'global', period: 'request', limitUsd: (firstEstimate + targetEstimate) / 2, alertThreshold: 0.8, actions: ['notify'], confirmOverBudget: false, hardStop: true });
  const kept = await chat.complete(call({ requestedModel: 'code', request }));
  assert.equal(kept.routing.model, planned.model);
  assert.equal(chat.escalations, 0);
  assert.deepEqual(store.read((tx) => attemptsOf(tx, kept.requestId)).map((a) => a.errorCode), [null]);

  await ledger.guard.set({ id: ledger.guard.list()[0]!.id, scope: 'global', period: 'request', limitUsd: 1, alertThreshold: 0.8, actions: ['notify'], confirmOverBudget: false });
  await ledger.guard.set({ scope: 'global', period: 'day', limitUsd: 1, alertThreshold: 0.8, actions: ['notify'], confirmOverBudget: false });
  const escalated = await chat.complete(call({ requestedModel: 'code', request }));
  assert.equal(escalated.routing.model, target);
  assert.equal(chat.escalations, 1);
  // Both holds are gone once the row is recorded; the day budget carries both rows' whole cost
  // (a new budget starts from what its period already holds).
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM reservations'))?.n, 0);
  const day = ledger.guard.status().find((s) => s.budget.period === 'day')!;
  const spent = [kept, escalated].map((o) => store.read((tx) => getRequest(tx, o.requestId))!.costUsd!);
  assert.ok(Math.abs(day.spentUsd - (spent[0]! + spent[1]!)) < 1e-12, `${day.spentUsd} vs ${spent.join(' + ')}`);
  assert.equal(day.reservedUsd, 0);
});
