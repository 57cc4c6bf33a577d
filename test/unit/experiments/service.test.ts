import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { Catalog } from '../../../daemon/routing/catalog';
import { Router } from '../../../daemon/routing/router';
import { insertRequest } from '../../../daemon/ledger/requests';
import { ExperimentService, type CreateParams, type FeedbackParams } from '../../../daemon/experiments/service';
import { routingRegistry } from '../../../daemon/experiments/wiring';
import { ExperimentCreateParams, FeedbackSubmitParams } from '../../../daemon/protocol/experiments';
import { RouterError, type ErrorCode } from '../../../daemon/protocol/errors';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { ClientContext } from '../../../daemon/protocol/routing';
import { seededRandom } from '../../../daemon/experiments/random';

const catalog = Catalog.builtIn();
const router = new Router({ catalog, isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: null });

function params(over: Record<string, unknown> = {}): CreateParams {
  return ExperimentCreateParams.parse({
    name: 'cheap vs learned',
    arms: [
      { name: 'learned', weight: 0.5, strategy: 'learned' },
      { name: 'cheap', weight: 0.5, strategy: 'cost-aggressive' },
    ],
    salt: 'unit-test-salt',
    ...over,
  });
}

async function open(dir: string | null = null): Promise<{ store: Store; service: ExperimentService; clock: { t: number } }> {
  const store = await Store.open({ dir });
  const clock = { t: 1_700_000_000_000 };
  const service = new ExperimentService({ store, routing: routingRegistry(router, catalog), now: () => clock.t, evaluateEvery: 1_000_000 });
  return { store, service, clock };
}

const isCode = (code: ErrorCode) => (e: unknown) => e instanceof RouterError && e.code === code;
const call = (context: ClientContext, requestedModel = 'auto') => ({ requestedModel, request: { messages: [{ role: 'user' as const, content: 'hi' }] }, context });

function ledgerRow(id: string, ts: number, arm: string, experimentId: string, costUsd: number, status: LedgerRow['status'] = 'ok'): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4.1-mini',
    provider: 'openai', policy: 'normal', strategy: 'learned', taskType: 'chat', reason: 'test', stream: false, tokensIn: 10, tokensOut: 20,
    tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: costUsd, costUsd, costState: 'known', latencyMs: 800 + (ts % 400), ttftMs: 200,
    status, errorCode: status === 'ok' ? null : 'providerError', fallbacks: [], experimentId, arm,
  };
}

test('bad input: weights, strategies, policies, models, guardrails are clear errors', async () => {
  const { store, service } = await open();
  await assert.rejects(service.create(params({ arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'b', weight: 0.4, strategy: 'learned' }] }), null), (e: unknown) => isCode('invalidParams')(e) && /sum to 1/.test((e as Error).message) && /0\.9/.test((e as Error).message));
  assert.throws(() => params({ arms: [{ name: 'a', weight: 50, strategy: 'learned' }, { name: 'b', weight: 50, strategy: 'learned' }] }), /not percentages/);
  await assert.rejects(service.create(params({ arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'b', weight: 0.5, strategy: 'telepathy' }] }), null), (e: unknown) => isCode('invalidParams')(e) && /unknown strategy "telepathy"/.test((e as Error).message));
  await assert.rejects(service.create(params({ arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'b', weight: 0.5, policy: 'nope' }] }), null), isCode('unknownPolicy'));
  await assert.rejects(service.create(params({ arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'b', weight: 0.5, model: 'gpt-9' }] }), null), isCode('unknownModel'));
  await assert.rejects(service.create(params({ arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'a', weight: 0.5, strategy: 'quality-first' }] }), null), /used twice/);
  await assert.rejects(service.create(params({ guardrails: [{ metric: 'costPerRequest' }] }), null), /primary metric/);
  await assert.rejects(service.create(params({ autoPromote: true }), null), /autoPromote needs autoStop/);
  assert.throws(() => ExperimentCreateParams.parse({ name: 'x', arms: [{ name: 'a', weight: 1, strategy: 'learned' }] }));
  assert.deepEqual(service.list().experiments, [], 'nothing was created by bad input');
  await store.close();
});

test('overlapping experiments conflict; disjoint scopes do not; lifecycle transitions are checked', async () => {
  const { store, service } = await open();
  const ws = await service.create(params({ scope: { kind: 'workspace', workspace: '/a' } }), 'cli');
  await service.create(params({ scope: { kind: 'workspace', workspace: '/b' } }), 'cli');
  await assert.rejects(service.create(params({ scope: { kind: 'all' } }), 'cli'), isCode('conflict'));
  await assert.rejects(service.create(params({ scope: { kind: 'client', clientKind: 'editor' } }), 'cli'), isCode('conflict'), 'a workspace and a client kind can cover the same request');
  await assert.rejects(service.create(params({ scope: { kind: 'workspace', workspace: '/a' } }), 'cli'), (e: unknown) => isCode('conflict')(e) && (e as RouterError).details?.experimentId === ws.id);
  assert.equal((await service.pause(ws.id, 'cli')).status, 'paused');
  await assert.rejects(service.pause(ws.id, 'cli'), isCode('conflict'));
  assert.equal(service.route('r1', call({ kind: 'editor', workspace: '/a', sessionId: 's' })), null, 'a paused experiment assigns nothing');
  assert.equal((await service.resume(ws.id, 'cli')).status, 'running');
  assert.equal(service.route('r2', call({ kind: 'editor', workspace: '/a', sessionId: 's' }))?.experiment?.id, ws.id);
  const stopped = await service.stop(ws.id, 'cli', 'done');
  assert.equal(stopped.status, 'stopped');
  assert.equal(stopped.stopReason, 'done');
  await assert.rejects(service.resume(ws.id, 'cli'), isCode('conflict'));
  await assert.rejects(service.stop('exp_missing', 'cli'), isCode('notFound'));
  // Once stopped, the scope is free again.
  await service.create(params({ scope: { kind: 'workspace', workspace: '/a' } }), 'cli');
  await store.close();
});

test('assignment: only auto-routed calls that name no strategy or policy; arms override the routing input', async () => {
  const { store, service } = await open();
  const e = await service.create(params({ unit: 'session', arms: [{ name: 'a', weight: 0.5, strategy: 'learned' }, { name: 'm', weight: 0.5, model: 'gpt-4.1-nano' }] }), null);
  assert.equal(service.route('r1', call({ kind: 'script', sessionId: 's1' }, 'gpt-4o')), null, 'a named model is never overridden');
  assert.equal(service.route('r2', { ...call({ kind: 'script', sessionId: 's1' }), routing: { strategy: 'quality-first' } }), null);
  const seen = new Map<string, string>();
  for (let i = 0; i < 200; i++) {
    const a = service.route(`q${i}`, call({ kind: 'script', sessionId: `s${i % 20}` }, i % 2 === 0 ? 'auto' : 'auto:cost'));
    assert.ok(a?.experiment);
    assert.equal(a.experiment.id, e.id);
    const prev = seen.get(`s${i % 20}`);
    assert.ok(prev === undefined || prev === a.experiment.arm, 'one session, one arm');
    seen.set(`s${i % 20}`, a.experiment.arm);
    if (a.experiment.arm === 'm') {
      assert.deepEqual(a.routing.allowedModels, ['gpt-4.1-nano']);
      // The arm's model really decides: the router picks it.
      assert.equal(router.decide({ request: call({ kind: 'script' }).request, requestedModel: 'auto', routing: a.routing }).model, 'gpt-4.1-nano');
    } else {
      assert.equal(a.routing.strategy, 'learned');
    }
  }
  assert.equal(new Set(seen.values()).size, 2, 'both arms get sessions');
  await store.close();
});

test('assignment is stable across restarts: the salt is stored, the hash needs no state', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-exp-'));
  try {
    const first = await open(dir);
    await first.service.create(params({ salt: undefined, unit: 'user' }), null);
    const before = Array.from({ length: 100 }, (_, i) => first.service.route(`r${i}`, call({ kind: 'script', name: `user-${i}` }))?.experiment?.arm);
    await first.store.close();
    const second = await open(dir);
    const after = Array.from({ length: 100 }, (_, i) => second.service.route(`other-${i}`, call({ kind: 'script', name: `user-${i}` }))?.experiment?.arm);
    assert.deepEqual(after, before);
    assert.ok(before.every((a) => a === 'learned' || a === 'cheap'));
    await second.store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('results from ledger rows and feedback; auto-stop on a winner promotes it and records who', async () => {
  const { store, service, clock } = await open();
  const e = await service.create(params({ unit: 'request', minSamplesPerArm: 50, autoStop: true, autoPromote: true, guardrails: [{ metric: 'errorRate' }] }), 'cli');
  const rng = seededRandom(3);
  let verdict = 'collecting';
  for (let i = 0; i < 1000 && verdict !== 'winner'; i++) {
    const id = `req_${i.toString().padStart(5, '0')}`;
    clock.t += 1000;
    const a = service.route(id, call({ kind: 'script' }));
    assert.ok(a?.experiment);
    // "cheap" costs 40% less; same error rate.
    const cost = (a.experiment.arm === 'cheap' ? 0.0006 : 0.001) * Math.exp(0.5 * rng.normal() - 0.125);
    const row = ledgerRow(id, clock.t, a.experiment.arm, e.id, cost, rng.next() < 0.02 ? 'error' : 'ok');
    await store.withWrite((tx) => {
      insertRequest(tx, row, []);
      service.recordUnit(tx, id, a.assignment);
    });
    if (i % 25 === 24) {
      const r = await service.get(e.id);
      verdict = r.results.verdict.kind;
    }
  }
  const { experiment, results } = await service.get(e.id);
  assert.equal(results.verdict.kind, 'winner');
  assert.equal(results.verdict.arm, 'cheap');
  assert.equal(experiment.status, 'stopped');
  assert.ok(experiment.promotion);
  assert.equal(experiment.promotion.arm, 'cheap');
  assert.equal(experiment.promotion.by, 'auto-stop');
  assert.deepEqual(experiment.promotion.setting, { strategy: 'cost-aggressive' });
  const cmp = results.comparisons.find((c) => c.metric === 'costPerRequest' && c.arm === 'cheap');
  assert.ok(cmp?.sequential && cmp.fixed && cmp.relativeDifference !== null);
  assert.ok(cmp.sequential.high < 0, 'the confidence sequence excludes 0');
  assert.ok(cmp.sequential.high - cmp.sequential.low > cmp.fixed.high - cmp.fixed.low, 'always-valid intervals are wider than one-look ones');
  assert.ok(cmp.relativeDifference < -0.25 && cmp.relativeDifference > -0.55, `relative difference ${cmp.relativeDifference}`);
  const arms = results.arms.map((a) => a.arm);
  assert.deepEqual(arms, ['learned', 'cheap']);
  assert.ok(results.arms.every((a) => a.latencyP50Ms !== null && a.latencyP95Ms !== null && a.requests > 50));
  assert.ok(results.quantiles.some((q) => q.bootstrap !== null));
  // After the experiment, the promoted default applies to auto-routed traffic outside experiments.
  const after = service.route('later', call({ kind: 'script' }));
  assert.equal(after?.experiment, null);
  assert.equal(after?.routing.strategy, 'cost-aggressive');

  // Feedback: stored, scaled, attributed to the arm; unknown ids are notFound and record nothing.
  const fp = (x: Record<string, unknown>): FeedbackParams => FeedbackSubmitParams.parse(x);
  const fb = await service.submitFeedback(fp({ requestId: 'req_00003', score: 4, comment: 'good' }), { kind: 'cli' });
  assert.equal(fb.value, 0.75);
  assert.equal(fb.experimentId, e.id);
  assert.equal(fb.routerUpdated, false, 'no quality model was wired in this test');
  await assert.rejects(service.submitFeedback(fp({ requestId: 'req_nope', thumbs: 'up' }), { kind: 'cli' }), isCode('notFound'));
  assert.throws(() => fp({ requestId: 'x', thumbs: 'up', score: 3 }), /exactly one/);
  assert.throws(() => fp({ requestId: 'x', score: 6 }));
  const n = store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM feedback')?.n);
  assert.equal(n, 1);
  const events = store.read((tx) => tx.all<{ kind: string; by: string }>('SELECT kind, by FROM experiment_events WHERE experiment_id = ? ORDER BY rowid', [e.id]));
  assert.deepEqual(events.map((x) => `${x.kind}:${x.by}`), ['created:cli', 'verdict:auto', 'stopped:auto-stop', 'promoted:auto-stop']);
  await store.close();
});

test('running summaries fed by recorded rows agree with a full read of the ledger', async () => {
  const { store, service, clock } = await open();
  const e = await service.create(params({ unit: 'session', minSamplesPerArm: 10 }), null);
  const rng = seededRandom(11);
  const record = async (i: number) => {
    const id = `req_${i.toString().padStart(5, '0')}`;
    clock.t += 1000;
    const a = service.route(id, call({ kind: 'script', sessionId: `s${i % 17}` }));
    assert.ok(a?.experiment);
    const row = ledgerRow(id, clock.t, a.experiment.arm, e.id, 0.001 * Math.exp(0.5 * rng.normal()), rng.next() < 0.05 ? 'error' : 'ok');
    row.latencyMs = 700.4 + 500 * rng.next();
    // Every 9th answered request escalated: the pipeline marks the attempt it escalated from.
    const escalated = row.status === 'ok' && i % 9 === 0;
    const attempts = escalated
      ? [{ n: 1, ts: row.ts, model: 'gpt-4.1-mini', provider: 'openai', status: 'ok' as const, errorCode: 'escalated', latencyMs: 300 }, { n: 2, ts: row.ts, model: 'gpt-4.1', provider: 'openai', status: 'ok' as const, errorCode: null, latencyMs: 500 }]
      : [];
    await store.withWrite((tx) => {
      insertRequest(tx, row, attempts);
      service.recordUnit(tx, id, a.assignment);
    });
    await service.afterRow(row, { assignment: a.assignment, escalated, call: { request: { messages: [] }, context: { kind: 'script' } } });
  };
  for (let i = 0; i < 120; i++) {
    await record(i);
  }
  // The first background look builds the summaries from the ledger; later rows are added to them.
  await service.evaluate(e.id, { quantiles: false });
  for (let i = 120; i < 260; i++) {
    await record(i);
  }
  await service.submitFeedback(FeedbackSubmitParams.parse({ requestId: 'req_00007', score: 5 }), { kind: 'cli' });
  await service.submitFeedback(FeedbackSubmitParams.parse({ requestId: 'req_00007', score: 1 }), { kind: 'cli' });
  for (let i = 260; i < 300; i++) {
    await record(i);
  }
  const live = await service.evaluate(e.id, { quantiles: false });
  const full = (await service.get(e.id)).results;
  for (const [i, a] of live.arms.entries()) {
    const b = full.arms[i];
    assert.ok(b);
    assert.equal(a.requests, b.requests);
    assert.equal(a.feedbackCount, b.feedbackCount);
    for (const m of Object.keys(a.metrics) as (keyof typeof a.metrics)[]) {
      assert.equal(a.metrics[m].n, b.metrics[m].n, m);
      assert.ok(Math.abs((a.metrics[m].value ?? 0) - (b.metrics[m].value ?? 0)) < 1e-12, m);
      assert.ok(Math.abs((a.metrics[m].sd ?? 0) - (b.metrics[m].sd ?? 0)) < 1e-9, m);
    }
  }
  assert.equal(live.arms.reduce((s, a) => s + a.requests, 0), 300);
  const escalationRate = live.arms.map((a) => a.metrics.escalationRate);
  assert.ok(escalationRate.every((m) => m.n > 0 && (m.value ?? 0) > 0.05 && (m.value ?? 1) < 0.2), JSON.stringify(escalationRate));
  assert.equal(full.arms.reduce((s, a) => s + a.feedbackCount, 0), 1, 'the latest feedback on a request replaces the earlier one');
  const fb = full.arms.find((a) => a.feedbackCount === 1);
  assert.equal(fb?.metrics.feedbackScore.value, 0);
  await store.close();
});

test('feedback on a row that moves to the cold ledger between its read and its write is still recorded', async () => {
  const store = await Store.open({ dir: null });
  const row = { ...ledgerRow('req_moving', 1_700_000_000_000, 'a', 'x', 0.01), experimentId: null, arm: null };
  await store.withWrite((tx) => insertRequest(tx, row, []));
  const coldRows = new Map<string, LedgerRow>();
  // The store as the service sees it: right after the feedback's read (the row still hot), a move
  // takes the row out before the feedback's write.
  let armed = false;
  const moving = Object.create(store) as Store;
  moving.read = <T>(fn: Parameters<Store['read']>[0]): T => {
    const out = store.read(fn) as T;
    if (armed) {
      armed = false;
      void store.withWrite((tx) => {
        tx.run('DELETE FROM requests WHERE id = ?', [row.id]);
        coldRows.set(row.id, row);
      });
    }
    return out;
  };
  const service = new ExperimentService({ store: moving, routing: routingRegistry(router, catalog), now: () => row.ts + 1000, coldRequest: (_tx, id) => coldRows.get(id) ?? null });
  armed = true;
  const fb = await service.submitFeedback(FeedbackSubmitParams.parse({ requestId: row.id, thumbs: 'up' }), { kind: 'cli' });
  assert.equal(fb.requestId, row.id);
  assert.equal(store.read((tx) => tx.get('SELECT count(*) AS n FROM requests'))?.n, 0, 'the row moved meanwhile');
  assert.deepEqual(store.read((tx) => tx.all('SELECT request_id, value FROM feedback')), [{ request_id: row.id, value: 1 }]);
  await assert.rejects(service.submitFeedback(FeedbackSubmitParams.parse({ requestId: 'req_nope', thumbs: 'up' }), { kind: 'cli' }), isCode('notFound'));
});
