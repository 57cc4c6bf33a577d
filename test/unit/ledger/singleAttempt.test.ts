import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { attemptsOf, insertRequest, type AttemptRow } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';

function row(id: string, extra: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id, ts: 1000, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4o-mini',
    provider: 'openai', policy: 'default', strategy: 'prior', taskType: 'chat', reason: 'r', stream: false, tokensIn: 10, tokensOut: 20,
    tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.002, costState: 'known', latencyMs: 100, ttftMs: null,
    status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null, effort: null, expectedWallMs: null, ...extra,
  };
}
const attempt = (extra: Partial<AttemptRow> = {}): AttemptRow => ({ n: 1, ts: 1000, model: 'gpt-4o-mini', provider: 'openai', status: 'ok', errorCode: null, latencyMs: 100, ...extra });
const view = (a: AttemptRow[]): unknown[] => a.map((x) => [x.n, x.model, x.provider, x.status, x.errorCode]);

test('a request its first attempt answered stores no attempts row; attemptsOf answers as if it did', async () => {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => insertRequest(tx, row('req_ok'), [attempt()]));
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM attempts'))?.n, 0);
  const got = store.read((tx) => attemptsOf(tx, 'req_ok'));
  assert.deepEqual(view(got), [[1, 'gpt-4o-mini', 'openai', 'ok', null]]);
  assert.equal(got[0]?.ts, 1000);
  assert.equal(got[0]?.latencyMs, 100);
  assert.deepEqual(store.read((tx) => attemptsOf(tx, 'req_missing')), []);
  await store.close();
});

test('failed, cancelled, fallen-back and retried requests keep every attempt as stored', async () => {
  const store = await Store.open({ dir: null });
  const cases: [LedgerRow, AttemptRow[]][] = [
    [row('req_err', { status: 'error', errorCode: 'providerError' }), [attempt({ status: 'error', errorCode: 'providerError' })]],
    [row('req_cancel', { status: 'cancelled', errorCode: 'cancelled' }), [attempt({ status: 'cancelled', errorCode: 'cancelled' })]],
    [row('req_fallback', { model: 'gpt-4.1-mini' }), [attempt({ status: 'error', errorCode: 'providerRateLimited' }), attempt({ n: 2, model: 'gpt-4.1-mini' })]],
    [row('req_other_model', { model: 'gpt-4.1-mini' }), [attempt()]],
    [row('req_escalated'), [attempt({ errorCode: 'escalated' })]],
    [row('req_none', { status: 'error', errorCode: 'budgetExceeded' }), []],
  ];
  await store.withWrite((tx) => {
    for (const [r, a] of cases) {
      insertRequest(tx, r, a);
    }
  });
  for (const [r, a] of cases) {
    assert.deepEqual(view(store.read((tx) => attemptsOf(tx, r.id))), view(a), r.id);
  }
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM attempts'))?.n, 6);
  await store.close();
});
