// The order of a turn's stages, and that every stage sees the same Turn (no per-request maps).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { Router, type RouteInput } from '../../../daemon/routing/router';
import { Store } from '../../../daemon/store/database';
import { ProviderHttp } from '../../../daemon/providers/http';
import { openAiCompatible } from '../../../daemon/providers/openai';
import { PROVIDERS, ProviderRegistry } from '../../../daemon/providers/registry';
import { ChatService } from '../../../daemon/service/chatService';
import { ClientHub } from '../../../daemon/service/clients';
import { Executor } from '../../../daemon/service/execute';
import type { TurnBudgets, TurnHooks } from '../../../daemon/service/hooks';
import type { ExperimentPlanner } from '../../../daemon/pipeline/planTurn';
import type { Turn } from '../../../daemon/pipeline/turn';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';
import { RouterError } from '../../../daemon/protocol/errors';
import { startTestDaemon } from '../../integration/daemonHarness';

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

test('a turn runs budgets → experiment → router, reserves before sending, then the hooks in wiring order, all on one Turn', async () => {
  const log: string[] = [];
  const turns = new Set<Turn>();
  const store = await Store.open({ dir: null });
  const catalog = Catalog.builtIn();
  class LoggingRouter extends Router {
    override decide(input: RouteInput) {
      log.push(`router(${input.routing?.tradeoff ?? '-'}, ${input.routing?.allowedModels?.join(',') ?? '-'})`);
      return super.decide(input);
    }
  }
  const router = new LoggingRouter({ catalog, isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: null });
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p), (p, url) => openAiCompatible(p, url));
  const executor = new Executor({ providers, http, keyFor: async () => null, simulate: true, now: Date.now });
  const budgets: TurnBudgets = {
    planning: () => {
      log.push('budgets');
      return { tradeoff: 'cost', paused: new Map(), reasons: ['budget "x" at 90%: cost tradeoff'], downgradeNamed: null, unaffordable: () => null };
    },
    reserve: async (turn, model, estimateUsd) => {
      turns.add(turn);
      log.push(`reserve ${model.id}`);
      return { id: null, requestId: turn.id, ts: 0, amountUsd: estimateUsd ?? 0, holds: [] };
    },
    release: async () => {
      log.push('release');
    },
  };
  const experiments: ExperimentPlanner = {
    assign: (turn, call) => {
      turns.add(turn);
      log.push(`experiment(${call.routing?.tradeoff ?? '-'})`);
      return { routing: { ...call.routing, allowedModels: ['gpt-4o-mini'] }, assignment: { experimentId: 'exp_1', arm: 'mini', unitHash: 'u', unitFallback: false } };
    },
  };
  const hook = (name: string): TurnHooks => ({
    onRecord: (_tx, row, _attempts, turn) => {
      turns.add(turn);
      assert.equal(row.id, turn.id);
      log.push(`${name}.onRecord`);
    },
    afterRecord: (_row, turn) => {
      turns.add(turn);
      log.push(`${name}.afterRecord`);
    },
  });
  const chat = new ChatService({ store, catalog, router, executor, clients: new ClientHub(), hooks: [hook('ledger'), hook('experiments')], budgets, experiments, now: Date.now });
  const out = await chat.complete({
    endpoint: 'rpc',
    requestedModel: 'auto',
    request: { messages: [{ role: 'user', content: 'order please' }] },
    context: { kind: 'script' },
    stream: false,
    signal: new AbortController().signal,
    onDecision: () => log.push('onDecision'),
  });
  assert.deepEqual(log, [
    'budgets',
    'experiment(cost)',
    'router(cost, gpt-4o-mini)',
    'onDecision',
    'reserve gpt-4o-mini',
    'ledger.onRecord',
    'experiments.onRecord',
    'ledger.afterRecord',
    'experiments.afterRecord',
  ]);
  assert.equal(turns.size, 1, 'every stage saw the same Turn');
  const turn = out.turn;
  assert.ok(turns.has(turn));
  assert.deepEqual(out.decision.experiment, { id: 'exp_1', arm: 'mini' });
  assert.match(out.decision.reason, /budget "x" at 90%: cost tradeoff/);
  assert.ok(Object.isFrozen(turn.plan.decision), 'the plan is immutable once planning ends');
  assert.throws(() => turn.setPlan(turn.plan), /already planned/);
  assert.equal(turn.reservations.length, 1);
  assert.equal(turn.row?.id, out.requestId);
  await store.close();
});

test('the daemon wires its stages in one visible order: the ledger settles before experiments count the unit', async () => {
  const h = await startTestDaemon();
  try {
    const { deps } = h.daemon;
    // ledger → experiments, then the stages that only read a recorded turn (affinity, team, metrics).
    assert.ok(deps.hooks.length >= 2);
    assert.equal(deps.hooks[0], deps.ledger.hooks);
    assert.equal(deps.hooks.indexOf(deps.ledger.hooks), deps.hooks.lastIndexOf(deps.ledger.hooks), 'the ledger is wired once');
  } finally {
    await h.close();
  }
});

test('a planned model a budget refuses at its reservation (spent meanwhile) is skipped for the next; a hardStop refusal ends the call with 402', async () => {
  const store = await Store.open({ dir: null });
  const catalog = Catalog.builtIn();
  const router = new Router({ catalog, isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: null });
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p), (p, url) => openAiCompatible(p, url));
  const executor = new Executor({ providers, http, keyFor: async () => null, simulate: true, now: Date.now });
  let hardStop = false;
  const reserved: string[] = [];
  const budgets: TurnBudgets = {
    planning: () => ({ tradeoff: null, paused: new Map(), reasons: [], downgradeNamed: null, unaffordable: () => null }),
    reserve: async (turn, model, estimateUsd) => {
      if (model.id === turn.plan.decision.model) {
        throw new RouterError('budgetExceeded', `budget "day" of $1.00 would be exceeded by ${model.id}`, { budgetId: 'b1', hardStop, confirmable: false });
      }
      reserved.push(model.id);
      return { id: null, requestId: turn.id, ts: 0, amountUsd: estimateUsd ?? 0, holds: [] };
    },
    release: async () => undefined,
  };
  const chat = new ChatService({ store, catalog, router, executor, clients: new ClientHub(), hooks: [], budgets, now: Date.now });
  const call = {
    endpoint: 'rpc' as const,
    requestedModel: 'auto',
    request: { messages: [{ role: 'user' as const, content: 'skip me' }] },
    context: { kind: 'script' as const },
    stream: false,
    signal: new AbortController().signal,
  };
  const out = await chat.complete(call);
  assert.equal(out.routing.model, out.decision.fallbacks[0]);
  assert.deepEqual(reserved, [out.decision.fallbacks[0]]);
  assert.deepEqual(out.turn.skipped.map((s) => s.model), [out.decision.model]);
  assert.match(out.routing.reason, new RegExp(`${out.decision.model} skipped: budget "day"`));

  hardStop = true;
  await assert.rejects(chat.complete(call), (e: unknown) => e instanceof RouterError && e.code === 'budgetExceeded' && e.details?.budgetId === 'b1');
  await store.close();
});
