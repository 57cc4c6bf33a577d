import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { BudgetGuard } from '../../../daemon/ledger/reservations';
import { BudgetSetParams } from '../../../daemon/protocol/budget';
import type { SpendScope } from '../../../daemon/ledger/budgets';
import { RouterError } from '../../../daemon/protocol/errors';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { insertRequest } from '../../../daemon/ledger/requests';
import { recordInRollups } from '../../../daemon/ledger/rollups';
import { ColdLedger } from '../../../daemon/ledger/archive';
import type { LedgerRow } from '../../../daemon/protocol/ledger';

const ZONE = 'Europe/Berlin';
const scope = (over: Partial<SpendScope> = {}): SpendScope => ({ workspace: '/w', clientKind: 'script', provider: 'openai', model: 'gpt-4.1', policy: 'default', ...over });

async function setup(now: { t: number }) {
  const store = await Store.open({ dir: null });
  const sent: { method: string; params: unknown }[] = [];
  const guard = new BudgetGuard(store, {
    timeZone: ZONE,
    now: () => now.t,
    notify: (method, params) => sent.push({ method, params }),
    models: () => [
      { id: 'gpt-4.1', provider: 'openai', outputPerMTok: 8 },
      { id: 'gpt-4.1-nano', provider: 'openai', outputPerMTok: 0.4 },
      { id: 'mystery', provider: 'x', outputPerMTok: null },
    ],
  });
  return { store, guard, sent };
}

const budget = (p: Record<string, unknown>) => BudgetSetParams.parse(p);

test('200 concurrent reserve/settle cycles: spend plus holds stays within the limit up to the settled calls\' estimate errors, and only a call that does not fit is refused', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  const limit = 0.5;
  await guard.set(budget({ scope: 'global', period: 'day', limitUsd: limit }));
  // What the guard may not hold against: the part of each settled cost above its estimate.
  // Counted before the settle commits, so a check in between never sees spend it does not allow.
  let allowedOverrun = 0;
  const violations: string[] = [];
  const check = (when: string): void => {
    const [s] = guard.status();
    if (s !== undefined && s.spentUsd + s.reservedUsd > limit + allowedOverrun + 1e-9) {
      violations.push(`${when}: spent ${s.spentUsd.toFixed(4)} + held ${s.reservedUsd.toFixed(4)} > limit ${limit} + overrun ${allowedOverrun.toFixed(4)}`);
    }
  };
  let refused = 0;
  const actuals: number[] = [];
  await Promise.all(
    Array.from({ length: 200 }, async (_, i) => {
      // Estimates from half a cent to two cents; actual costs within ±30% of them.
      const estimate = 0.005 + ((i * 7919) % 151) / 10_000;
      let r;
      try {
        r = await guard.reserve({ requestId: `r${i}`, scope: scope(), estimateUsd: estimate });
      } catch (e) {
        assert.ok(e instanceof RouterError && e.code === 'budgetExceeded', String(e));
        // A refusal is only right when this call's estimate did not fit beside spend and holds.
        const d = e.details as { spentUsd: number; reservedUsd: number };
        if (d.spentUsd + d.reservedUsd + estimate <= limit) {
          violations.push(`r${i} refused although ${estimate} fitted beside ${d.spentUsd} spent and ${d.reservedUsd} held`);
        }
        refused += 1;
        return;
      }
      check(`after admitting r${i}`);
      const actual = estimate * (0.7 + ((i * 37) % 61) / 100);
      await new Promise((res) => setImmediate(res));
      allowedOverrun += Math.max(0, actual - estimate);
      await guard.settle(r, { ts: now.t, scope: scope(), costUsd: actual });
      actuals.push(actual);
      check(`after settling r${i}`);
    }),
  );
  assert.deepEqual(violations, []);
  const [s] = guard.status();
  assert.ok(s);
  const spent = actuals.reduce((a, b) => a + b, 0);
  assert.ok(Math.abs(s.spentUsd - spent) < 1e-9, `the ledger holds what was settled (${s.spentUsd} vs ${spent})`);
  // Every hold was released (up to float residue: the holds are summed in SQLite as doubles).
  assert.ok(Math.abs(s.reservedUsd) < 1e-9, `held after all settled: ${s.reservedUsd}`);
  assert.equal(refused + actuals.length, 200);
  assert.ok(refused > 0 && actuals.length > 0, 'the limit was reached under concurrency');
  assert.ok(spent <= limit + allowedOverrun + 1e-9, `spent ${spent}`);
  await store.close();
});

test('a call that fills the budget exactly is admitted; one a cent more is refused', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  await guard.set(budget({ scope: 'global', period: 'day', limitUsd: 1 }));
  const first = await guard.reserve({ requestId: 'a', scope: scope(), estimateUsd: 0.25 });
  await guard.settle(first, { ts: now.t, scope: scope(), costUsd: 0.25 });
  await assert.rejects(guard.reserve({ requestId: 'b', scope: scope(), estimateUsd: 0.76 }), (e: unknown) => e instanceof RouterError && e.code === 'budgetExceeded');
  const exact = await guard.reserve({ requestId: 'c', scope: scope(), estimateUsd: 0.75 });
  assert.ok(exact.id !== null);
  assert.equal(guard.status()[0]?.reservedUsd, 0.75);
  await store.close();
});

test('refusal names the budget, its limit, the spend and when it resets', async () => {
  const now = { t: Date.parse('2026-05-10T21:30:00Z') }; // 23:30 in Berlin
  const { store, guard, sent } = await setup(now);
  const s = await guard.set(budget({ scope: 'workspace', scopeValue: '/w', period: 'day', limitUsd: 1, name: 'team day' }));
  const r = await guard.reserve({ requestId: 'a', scope: scope(), estimateUsd: 0.5 });
  await guard.settle(r, { ts: now.t, scope: scope(), costUsd: 0.9 });
  await assert.rejects(guard.reserve({ requestId: 'b', scope: scope(), estimateUsd: 0.2 }), (e: unknown) => {
    assert.ok(e instanceof RouterError);
    assert.equal(e.code, 'budgetExceeded');
    assert.match(e.message, /"team day"/);
    assert.match(e.message, /\$1\.00/);
    assert.match(e.message, /\$0\.9000 spent/);
    assert.match(e.message, /resets 2026-05-11, 00:00 Europe\/Berlin/);
    assert.equal(e.details?.limitUsd, 1);
    assert.equal(e.details?.budgetId, s.budget.id);
    assert.equal(e.details?.resetsAtIso, '2026-05-10T22:00:00.000Z');
    return true;
  });
  // Another workspace is not under this budget.
  const other = await guard.reserve({ requestId: 'c', scope: scope({ workspace: '/other' }), estimateUsd: 0.2 });
  assert.equal(other.id, null);
  // The alert (0.9 ≥ 80%) and the refusal were each announced once.
  const alerts = sent.filter((n) => n.method === 'budget/alert').map((n) => (n.params as { state: string }).state);
  assert.deepEqual(alerts, ['alert', 'exceeded']);
  await assert.rejects(guard.reserve({ requestId: 'd', scope: scope(), estimateUsd: 0.2 }), /team day/);
  assert.equal(sent.filter((n) => n.method === 'budget/alert').length, 2);
  // After local midnight the day resets.
  now.t = Date.parse('2026-05-10T22:00:01Z');
  const fresh = await guard.reserve({ requestId: 'e', scope: scope(), estimateUsd: 0.2 });
  assert.ok(fresh.id);
  await store.close();
});

test('a confirmable budget lets a confirmed request through, an unconfirmed one not', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  await guard.set(budget({ scope: 'client', scopeValue: 'editor', period: 'request', limitUsd: 0.05, confirmOverBudget: true }));
  await assert.rejects(guard.reserve({ requestId: 'a', scope: scope({ clientKind: 'editor' }), estimateUsd: 0.1 }), (e: unknown) => (e as RouterError).details?.confirmable === true);
  const ok = await guard.reserve({ requestId: 'b', scope: scope({ clientKind: 'editor' }), estimateUsd: 0.1, confirmOverBudget: true });
  assert.equal(ok.requestId, 'b');
  // Scripts are not under the editor's budget.
  await guard.reserve({ requestId: 'c', scope: scope({ clientKind: 'script' }), estimateUsd: 0.1 });
  await store.close();
});

test('release gives the hold back; reconcile releases what a crash left and charges what the ledger recorded', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  await guard.set(budget({ scope: 'global', period: 'month', limitUsd: 10 }));
  const a = await guard.reserve({ requestId: 'a', scope: scope(), estimateUsd: 1 });
  const other = await guard.reserve({ requestId: 'other', scope: scope(), estimateUsd: 0.5 });
  assert.equal(guard.status()[0]?.reservedUsd, 1.5);
  await guard.release(a);
  await guard.release(a);
  // A second release of the same hold is a no-op: the other call's hold stays.
  assert.equal(guard.status()[0]?.reservedUsd, 0.5);
  await guard.release(other);
  assert.equal(guard.status()[0]?.reservedUsd, 0);
  await guard.reserve({ requestId: 'lost', scope: scope(), estimateUsd: 2 });
  await guard.reserve({ requestId: 'recorded', scope: scope(), estimateUsd: 3 });
  await store.withWrite((tx) =>
    tx.run(
      `INSERT INTO requests (id, ts, client_kind, workspace, endpoint, requested_model, model, provider, policy, cost_usd, cost_state, status)
       VALUES ('recorded', ?, 'script', '/w', 'chat.completions', 'auto', 'gpt-4.1', 'openai', 'default', 2.5, 'known', 'ok')`,
      [now.t],
    ),
  );
  // A new guard over the same store is what a restarted daemon sees.
  const restarted = new BudgetGuard(store, { timeZone: ZONE, now: () => now.t });
  assert.equal(restarted.status()[0]?.reservedUsd, 5);
  assert.deepEqual(await restarted.reconcileReservations(), { released: 1, charged: 1 });
  const s = restarted.status()[0];
  assert.equal(s?.reservedUsd, 0);
  assert.equal(s?.spentUsd, 2.5);
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM reservations'))?.n, 0);
  await store.close();
});

test('a budget cannot be enforced on an unknown price: refused unless confirmed; confirmed ones are counted, not summed as $0', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  await guard.set(budget({ scope: 'model', scopeValue: 'mystery', period: 'day', limitUsd: 1 }));
  await assert.rejects(
    guard.reserve({ requestId: 'x', scope: scope({ model: 'mystery', provider: 'x' }), estimateUsd: null, confirmOverBudget: true }),
    (e: unknown) => e instanceof RouterError && e.code === 'budgetExceeded' && e.details?.reason === 'priceUnknown' && /no known price/.test(e.message),
  );
  await guard.set(budget({ id: guard.list()[0]!.id, scope: 'model', scopeValue: 'mystery', period: 'day', limitUsd: 1, confirmOverBudget: true }));
  const r = await guard.reserve({ requestId: 'a', scope: scope({ model: 'mystery', provider: 'x' }), estimateUsd: null, confirmOverBudget: true });
  assert.equal(r.id, null);
  await guard.settle(r, { ts: now.t, scope: scope({ model: 'mystery', provider: 'x' }), costUsd: null });
  const s = guard.status()[0];
  assert.equal(s?.unknownPriceRequests, 1);
  assert.equal(s?.spentUsd, 0);
  assert.equal(s?.requests, 1);
  await store.close();
});

test('bad budgets: negative, non-numeric, unknown scope, missing scope value, overlapping', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  for (const bad of [
    { scope: 'global', period: 'day', limitUsd: -1 },
    { scope: 'global', period: 'day', limitUsd: 'ten' },
    { scope: 'global', period: 'day', limitUsd: Number.POSITIVE_INFINITY },
    { scope: 'galaxy', period: 'day', limitUsd: 1 },
    { scope: 'global', period: 'fortnight', limitUsd: 1 },
    { scope: 'model', period: 'day', limitUsd: 1 },
    { scope: 'client', scopeValue: 'robot', period: 'day', limitUsd: 1 },
    { scope: 'global', period: 'day', limitUsd: 1, actions: ['pauseAbovePrice'] },
  ]) {
    assert.equal(BudgetSetParams.safeParse(bad).success, false, JSON.stringify(bad));
  }
  const first = await guard.set(budget({ scope: 'provider', scopeValue: 'openai', period: 'week', limitUsd: 5 }));
  await assert.rejects(guard.set(budget({ scope: 'provider', scopeValue: 'openai', period: 'week', limitUsd: 7 })), (e: unknown) => (e as RouterError).code === 'conflict');
  // Updating by id is how a limit changes.
  const updated = await guard.set(budget({ id: first.budget.id, scope: 'provider', scopeValue: 'openai', period: 'week', limitUsd: 7 }));
  assert.equal(updated.budget.limitUsd, 7);
  assert.equal(guard.list().length, 1);
  assert.throws(() => guard.status('nope'), (e: unknown) => (e as RouterError).code === 'notFound');
  await store.close();
});

test('a new budget starts from what the ledger already recorded in its period, rows moved to the cold ledger included', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard } = await setup(now);
  const rowOf = (id: string, ts: number, cost: number): LedgerRow => ({
    id, ts, clientKind: 'cli', clientName: null, workspace: null, endpoint: 'rpc', requestedModel: 'auto', model: 'gpt-4.1', provider: 'openai', policy: null,
    strategy: null, taskType: null, reason: null, stream: false, tokensIn: 1, tokensOut: 1, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: null,
    costUsd: cost, costState: 'known', latencyMs: 1, ttftMs: null, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  });
  // Berlin's day starts at 22:00 UTC: x0 is in today's first hour, x1 an hour ago, the others yesterday.
  // Kolkata's day starts at 18:30 UTC: x3 is in its first (partial) hour, x4 in the same UTC hour before it.
  const rows = [
    rowOf('x0', Date.parse('2026-05-09T22:10:00Z'), 0.02),
    rowOf('x1', now.t - 3_600_000, 0.3),
    rowOf('x2', Date.parse('2026-05-09T10:00:00Z'), 5),
    rowOf('x3', Date.parse('2026-05-09T18:40:00Z'), 0.004),
    rowOf('x4', Date.parse('2026-05-09T18:20:00Z'), 0.0005),
  ];
  await store.withWrite((tx) => {
    for (const r of rows) {
      insertRequest(tx, r, []);
      recordInRollups(tx, r);
    }
  });
  const s = await guard.set(budget({ scope: 'client', scopeValue: 'cli', period: 'day', limitUsd: 1 }));
  assert.equal(s.spentUsd.toFixed(6), '0.320000');
  assert.equal(s.requests, 2);

  // The same ledger with every row cold: a budget on it starts from the same figures.
  const dir = mkdtempSync(join(tmpdir(), 'llmr-backfill-'));
  try {
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    assert.equal(await cold.moveOlderThan(now.t), 5);
    const guard2 = new BudgetGuard(store, { timeZone: ZONE, now: () => now.t, coldRows: (tx, from, to) => cold.rowsAscending(tx, from, to) });
    const s2 = await guard2.set(budget({ scope: 'model', scopeValue: 'gpt-4.1', period: 'day', limitUsd: 1 }));
    assert.equal(s2.spentUsd.toFixed(6), '0.320000');
    assert.equal(s2.requests, 2);
    // A zone whose day starts at a half hour needs the rows of that partial hour, here cold ones.
    const kolkata = new BudgetGuard(store, { timeZone: 'Asia/Kolkata', now: () => Date.parse('2026-05-09T22:30:00Z'), coldRows: (tx, from, to) => cold.rowsAscending(tx, from, to) });
    const s3 = await kolkata.set(budget({ scope: 'global', period: 'day', limitUsd: 1 }));
    assert.equal(s3.spentUsd.toFixed(6), '0.324000');
    assert.equal(s3.requests, 3);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  await store.close();
});

test('threshold actions downgrade the tradeoff and pause models above a price; budget changes are announced', async () => {
  const now = { t: Date.parse('2026-05-10T10:00:00Z') };
  const { store, guard, sent } = await setup(now);
  await guard.set(budget({ scope: 'global', period: 'day', limitUsd: 1, alertThreshold: 0.5, actions: ['notify', 'downgrade', 'pauseAbovePrice'], pauseAbovePerMTok: 1 }));
  assert.deepEqual(guard.adjustRouting(scope()), { tradeoff: null, excludedModels: [], reasons: [] });
  const r = await guard.reserve({ requestId: 'a', scope: scope(), estimateUsd: 0.1 });
  await guard.settle(r, { ts: now.t, scope: scope(), costUsd: 0.6 });
  const adj = guard.adjustRouting(scope());
  assert.equal(adj.tradeoff, 'cost');
  assert.deepEqual(adj.excludedModels, ['gpt-4.1', 'mystery']);
  assert.equal(adj.reasons.length, 2);
  assert.deepEqual(
    sent.filter((n) => n.method === 'budget/changed').map((n) => (n.params as { change: string }).change),
    ['created'],
  );
  const id = guard.list()[0]?.id as string;
  assert.equal(await guard.delete(id), true);
  assert.equal(await guard.delete(id), false);
  assert.equal(sent.filter((n) => n.method === 'budget/changed').length, 2);
  await store.close();
});

test('a monthly budget in New York rolls over at local midnight on the last day, not at UTC midnight', async () => {
  const now = { t: Date.parse('2026-02-01T03:00:00Z') }; // Jan 31, 22:00 in New York
  const store = await Store.open({ dir: null });
  const guard = new BudgetGuard(store, { timeZone: 'America/New_York', now: () => now.t });
  await guard.set(budget({ scope: 'global', period: 'month', limitUsd: 1 }));
  const r = await guard.reserve({ requestId: 'jan', scope: scope(), estimateUsd: 0.5 });
  await guard.settle(r, { ts: now.t, scope: scope(), costUsd: 1 });
  // Past UTC midnight but still January locally: refused.
  now.t = Date.parse('2026-02-01T04:59:59Z');
  await assert.rejects(guard.reserve({ requestId: 'still-jan', scope: scope(), estimateUsd: 0.1 }), /resets 2026-02-01, 00:00 America\/New_York/);
  // Local midnight: February's budget is fresh.
  now.t = Date.parse('2026-02-01T05:00:00Z');
  const feb = await guard.reserve({ requestId: 'feb', scope: scope(), estimateUsd: 0.1 });
  assert.ok(feb.id);
  const s = guard.status()[0];
  assert.equal(s?.periodStart, Date.parse('2026-02-01T05:00:00Z'));
  assert.equal(s?.resetsAt, Date.parse('2026-03-01T05:00:00Z'));
  assert.equal(s?.spentUsd, 0);
  await store.close();
});
