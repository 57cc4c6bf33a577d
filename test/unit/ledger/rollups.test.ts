import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { rebuildRollups, recordInRollups, summarize, timeseries } from '../../../daemon/ledger/rollups';
import { OutputPredictor } from '../../../daemon/ledger/estimates';
import type { LedgerRow } from '../../../daemon/protocol/ledger';

function row(i: number, ts: number, over: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id: `r${i}`,
    ts,
    clientKind: i % 2 === 0 ? 'editor' : 'script',
    clientName: null,
    workspace: i % 3 === 0 ? '/a' : null,
    endpoint: 'chat.completions',
    requestedModel: 'auto',
    model: i % 4 === 0 ? 'gpt-4.1' : 'gpt-4.1-mini',
    provider: 'openai',
    policy: 'default',
    strategy: null,
    taskType: 'code',
    reason: null,
    stream: false,
    tokensIn: 1000,
    tokensOut: 100 + i,
    tokensCached: 200,
    tokensReasoning: 0,
    estimatedCostUsd: 0.001,
    costUsd: 0.001 * (1 + (i % 5)),
    costState: 'known',
    latencyMs: 10,
    ttftMs: null,
    status: 'ok',
    errorCode: null,
    fallbacks: [],
    experimentId: null,
    arm: null,
    ...over,
  };
}

function insert(tx: { run(sql: string, p?: unknown[]): unknown }, r: LedgerRow): void {
  tx.run(
    `INSERT INTO requests (id, ts, client_kind, workspace, endpoint, requested_model, model, provider, policy, task_type, tokens_in, tokens_out, tokens_cached, cost_usd, cost_state, status)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    [r.id, r.ts, r.clientKind, r.workspace, r.endpoint, r.requestedModel, r.model, r.provider, r.policy, r.taskType, r.tokensIn, r.tokensOut, r.tokensCached, r.costUsd, r.costState, r.status],
  );
}

test('summaries from the rollup equal a direct scan for ranges that cut hours in half', async () => {
  const store = await Store.open({ dir: null });
  const t0 = Date.parse('2026-03-01T00:00:00Z');
  const rows = Array.from({ length: 300 }, (_, i) =>
    row(i, t0 + i * 997_000, i % 17 === 0 ? { costUsd: null, costState: 'unknown' } : i % 11 === 0 ? { status: 'error' } : {}),
  );
  await store.withWrite((tx) => {
    for (const r of rows) {
      insert(tx as never, r);
      recordInRollups(tx, r);
    }
  });
  const from = t0 + 1_234_567;
  const to = t0 + 250 * 997_000 + 10;
  const inRange = rows.filter((r) => r.ts >= from && r.ts < to);
  const s = store.read((tx) => summarize(tx, from, to, 'model', { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5, cacheWritePerMTok: 2 }));
  const expectCost = inRange.reduce((a, r) => a + (r.costUsd ?? 0), 0);
  assert.equal(s.requests, inRange.length);
  assert.ok(Math.abs(s.costUsd - expectCost) < 1e-9);
  assert.equal(s.unknownPriceRequests, inRange.filter((r) => r.costState === 'unknown').length);
  assert.equal(s.errors, inRange.filter((r) => r.status === 'error').length);
  assert.deepEqual(s.groups.map((g) => g.key).sort(), ['gpt-4.1', 'gpt-4.1-mini']);
  const priced = inRange.filter((r) => r.costState === 'known');
  const baseline = priced.reduce((a, r) => a + ((r.tokensIn - r.tokensCached) * 2 + r.tokensCached * 0.5 + r.tokensOut * 8) / 1e6, 0);
  assert.ok(s.baselineCostUsd !== null && Math.abs(s.baselineCostUsd - baseline) < 1e-9);
  assert.ok(s.savingsUsd !== null && Math.abs(s.savingsUsd - (baseline - expectCost)) < 1e-9);

  // Rebuilding from requests gives the same rollup.
  // (costs rounded: the sums add the same numbers in a different order)
  const snapshot = () => store.read((tx) => tx.all('SELECT * FROM spend_hourly ORDER BY 1, 2, 3')).map((r) => ({ ...r, cost_usd: Number(Number(r.cost_usd).toFixed(12)) }));
  const before = snapshot();
  assert.ok(before.length > 0);
  await store.withWrite((tx) => rebuildRollups(tx));
  assert.deepEqual(snapshot(), before);

  // A daily series in New York puts 03:00 UTC on the previous local day.
  const series = store.read((tx) => timeseries(tx, t0 - 86_400_000, t0 + 4 * 86_400_000, 'day', 'America/New_York', null));
  assert.equal(series[0]?.start, Date.parse('2026-02-28T05:00:00Z'));
  assert.equal(series.reduce((a, p) => a + p.requests, 0), 300);
  const early = rows.filter((r) => r.ts < Date.parse('2026-03-01T05:00:00Z')).length;
  assert.equal(series[0]?.requests, early);
  await store.close();
});

test('output predictions follow this model and task type, fall back, and respect max_tokens', () => {
  const p = new OutputPredictor();
  assert.deepEqual(p.predict('m', 'code'), { tokens: 400, basis: 'default' });
  for (let i = 0; i < 5; i++) {
    p.observe('m', 'code', 1000);
    p.observe('m', 'chat', 100);
  }
  assert.deepEqual(p.predict('m', 'code'), { tokens: 1000, basis: 'model+task' });
  assert.deepEqual(p.predict('m', 'code', 256), { tokens: 256, basis: 'model+task' });
  assert.equal(p.predict('m', 'math').basis, 'model');
  assert.equal(p.predict('other', 'code').basis, 'task');
});
