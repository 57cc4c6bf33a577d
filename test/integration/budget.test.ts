// Budgets through the real daemon over HTTP (simulate mode): a race of 200 concurrent callers
// against a budget that allows about 50, streaming and not; every endpoint priced and counted the
// same way; bad budget input refused with stable codes.
import { test, before, after, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import { rpcCall, rpcOk, startTestDaemon, type Harness } from './daemonHarness';

let h: Harness;
before(async () => {
  h = await startTestDaemon();
});
after(async () => {
  await h.close();
});

const rpc = <T>(method: string, params: unknown) => rpcCall<T>(h, method, params);
const ok = <T>(method: string, params: unknown) => rpcOk<T>(h, method, params);

function chat(model: string, text: string, stream: boolean): Promise<Response> {
  return fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model, stream, max_tokens: 300, messages: [{ role: 'user', content: text }], ...(stream ? { stream_options: { include_usage: true } } : {}) }),
  });
}

type Row = {
  id: string;
  endpoint: string;
  stream: number;
  status: string;
  cost_usd: number | null;
  cost_state: string;
  tokens_in: number;
  tokens_out: number;
  estimated_cost_usd: number | null;
};
const rowsFor = (model: string): Row[] => h.daemon.deps.store.read((tx) => tx.all<Row>('SELECT * FROM requests WHERE model = ? ORDER BY ts, id', [model]));

async function race(t: TestContext, model: string, stream: boolean): Promise<void> {
  const prompt = `Count the spoons in the drawer (${model})`;
  // Warm-up: the output predictor learns this model's answer length, so estimates are close.
  for (let i = 0; i < 4; i++) {
    const r = await chat(model, prompt, stream);
    assert.equal(r.status, 200);
    await r.text();
  }
  const warm = rowsFor(model);
  const perCall = warm[warm.length - 1]?.cost_usd ?? 0;
  assert.ok(perCall > 0, 'the model has a known price');
  const warmSpend = warm.reduce((a, r) => a + (r.cost_usd ?? 0), 0);
  const limit = warmSpend + 50 * perCall;
  const status = await ok<{ budget: { id: string } }>('budget/set', { scope: 'model', scopeValue: model, period: 'day', limitUsd: limit });

  const replies = await Promise.all(
    Array.from({ length: 200 }, async () => {
      const r = await chat(model, prompt, stream);
      const body = await r.text();
      return { status: r.status, body };
    }),
  );
  const admitted = replies.filter((r) => r.status === 200).length;
  const refused = replies.filter((r) => r.status === 402);
  assert.equal(admitted + refused.length, 200, `unexpected statuses ${[...new Set(replies.map((r) => r.status))].join(',')}`);
  const err = JSON.parse(refused[0]?.body ?? '{}') as { error?: { code?: string; message?: string; details?: { limitUsd?: number } } };
  assert.equal(err.error?.code, 'budgetExceeded');
  assert.match(err.error?.message ?? '', /resets/);
  assert.equal(err.error?.details?.limitUsd, limit);

  const rows = rowsFor(model);
  const okRows = rows.filter((r) => r.status === 'ok');
  const spent = okRows.reduce((a, r) => a + (r.cost_usd ?? 0), 0);
  // The race's own calls (the warm-up ones were estimated before any history existed).
  const raced = rows.slice(warm.length).filter((r) => r.status === 'ok');
  assert.equal(raced.length, admitted);
  const maxError = Math.max(...raced.map((r) => Math.abs((r.cost_usd ?? 0) - (r.estimated_cost_usd ?? 0))));
  t.diagnostic(`${stream ? 'streaming' : 'non-streaming'}: ${admitted}/200 admitted, ${refused.length} refused; spent $${spent.toFixed(6)} of $${limit.toFixed(6)}; largest estimate error $${maxError.toExponential(2)}`);
  assert.ok(spent <= limit + maxError + 1e-12, `spent ${spent} > limit ${limit} + one estimate error ${maxError}`);
  assert.ok(admitted >= 40 && admitted <= 50, `${admitted} of 200 admitted (expected about 50)`);
  const s = await ok<{ statuses: { spentUsd: number; reservedUsd: number; state: string }[] }>('budget/status', { id: status.budget.id });
  assert.ok(Math.abs((s.statuses[0]?.spentUsd ?? 0) - spent) < 1e-9, 'the budget counter equals the ledger');
  assert.equal(s.statuses[0]?.reservedUsd, 0, 'nothing left reserved');
  // Refused calls are recorded as such, at no cost.
  assert.equal(rows.filter((r) => r.status === 'error').length, refused.length);
}

test('200 concurrent non-streaming requests never overspend a budget that allows about 50', async (t) => {
  await race(t, 'gpt-4.1-mini', false);
});

test('the same race with streaming', async (t) => {
  await race(t, 'gpt-4o-mini', true);
});

test('streaming and non-streaming calls of the same request cost the same, on every endpoint, and every endpoint is counted', async () => {
  const model = 'claude-3-5-haiku';
  const text = 'Name three prime numbers';
  for (const stream of [false, true]) {
    const r = await chat(model, text, stream);
    assert.equal(r.status, 200);
    await r.text();
    const m = await fetch(`${h.url}/v1/messages`, {
      method: 'POST',
      headers: { 'x-api-key': h.token, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
      body: JSON.stringify({ model, stream, max_tokens: 300, messages: [{ role: 'user', content: text }] }),
    });
    assert.equal(m.status, 200);
    await m.text();
  }
  await ok('chat/complete', { model, max_tokens: 300, messages: [{ role: 'user', content: text }] });
  const rows = rowsFor(model);
  assert.equal(rows.length, 5);
  const costs = new Set(rows.map((r) => r.cost_usd));
  assert.equal(costs.size, 1, `one price for one request: ${[...costs].join(', ')}`);
  assert.ok(rows.every((r) => r.cost_state === 'known' && (r.cost_usd ?? 0) > 0));
  const series = await ok<{ points: { key: string; requests: number }[] }>('spend/timeseries', { from: Date.now() - 3_600_000, bucket: 'day', groupBy: 'endpoint' });
  const byEndpoint = new Map(series.points.map((p) => [p.key, p.requests]));
  for (const e of ['chat.completions', 'messages', 'rpc']) {
    assert.ok((byEndpoint.get(e) ?? 0) > 0, `${e} counted`);
  }
  const summary = await ok<{ requests: number; costUsd: number; savingsUsd: number | null }>('spend/summary', { period: 'day', groupBy: 'model' });
  const all = h.daemon.deps.store.read((tx) => tx.get<{ n: number; c: number }>("SELECT count(*) AS n, sum(CASE WHEN cost_state = 'known' THEN cost_usd END) AS c FROM requests"));
  assert.equal(summary.requests, all?.n);
  assert.ok(Math.abs(summary.costUsd - (all?.c ?? 0)) < 1e-9);
});

test('bad budget input gets stable codes and leaves what is recorded untouched', async () => {
  const before = await ok<{ budgets: unknown[] }>('budget/list', {});
  const ledgerBefore = h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n;
  for (const bad of [
    { scope: 'global', period: 'day', limitUsd: -5 },
    { scope: 'global', period: 'day', limitUsd: 'lots' },
    { scope: 'universe', period: 'day', limitUsd: 5 },
    { scope: 'model', period: 'day', limitUsd: 5 },
  ]) {
    const r = await rpc('budget/set', bad);
    assert.equal(r.error?.data?.code, 'invalidParams', JSON.stringify(bad));
  }
  const first = await ok<{ budget: { id: string } }>('budget/set', { scope: 'workspace', scopeValue: '/repo', period: 'week', limitUsd: 3 });
  const dup = await rpc('budget/set', { scope: 'workspace', scopeValue: '/repo', period: 'week', limitUsd: 4 });
  assert.equal(dup.error?.data?.code, 'conflict');
  assert.equal((await rpc('budget/delete', { id: first.budget.id })).error, undefined);
  const range = await rpc('spend/timeseries', { from: '2026-05-01', to: '2026-04-01' });
  assert.equal(range.error?.data?.code, 'invalidParams');
  const malformed = await rpc('report/export', { from: 'last tuesday' });
  assert.equal(malformed.error?.data?.code, 'invalidParams');
  const unwritable = await rpc('report/export', { path: '/proc/definitely/not/here.csv' });
  assert.equal(unwritable.error?.data?.code, 'pathNotWritable');
  assert.equal((await ok<{ budgets: unknown[] }>('budget/list', {})).budgets.length, before.budgets.length);
  assert.equal(h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests'))?.n, ledgerBefore);
});

test('route/estimate gives the cost before sending and flags confirmation', async () => {
  const e = await ok<{ estimatedCostUsd: number | null; needsConfirmation: boolean; decision: { model: string } }>('route/estimate', {
    model: 'gpt-4.1',
    messages: [{ role: 'user', content: 'Explain monads' }],
  });
  assert.equal(e.decision.model, 'gpt-4.1');
  assert.ok((e.estimatedCostUsd ?? 0) > 0);
  assert.equal(e.needsConfirmation, false);
});
