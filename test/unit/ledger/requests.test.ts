import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { attemptsOf, getRequest, insertRequest, listRequests } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import { RouterError } from '../../../daemon/protocol/errors';

function row(id: string, ts: number, extra: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4o-mini',
    provider: 'openai', policy: 'default', strategy: 'prior', taskType: 'chat', reason: 'r', stream: false, tokensIn: 10, tokensOut: 20,
    tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.002, costState: 'known', latencyMs: 100, ttftMs: null,
    status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null, effort: null, expectedWallMs: null, ...extra,
  };
}

test('a row and its attempts round-trip exactly; an unknown price stays NULL', async () => {
  const store = await Store.open({ dir: null });
  const r = row('req_a', 1000, { stream: true, ttftMs: 42, fallbacks: ['gpt-4o'], costUsd: null, costState: 'unknown', clientName: 'vscode', workspace: '/w', effort: 'high', expectedWallMs: 5200 });
  await store.withWrite((tx) =>
    insertRequest(tx, r, [
      { n: 1, ts: 1000, model: 'gpt-4o', provider: 'openai', status: 'error', errorCode: 'providerError', latencyMs: 5 },
      { n: 2, ts: 1005, model: 'gpt-4o-mini', provider: 'openai', status: 'ok', errorCode: null, latencyMs: 95 },
    ]),
  );
  assert.deepEqual(store.read((tx) => getRequest(tx, 'req_a')), r);
  assert.equal(store.read((tx) => tx.get<{ c: null }>('SELECT cost_usd AS c FROM requests'))?.c, null);
  assert.deepEqual(store.read((tx) => attemptsOf(tx, 'req_a')).map((a) => [a.n, a.status, a.errorCode]), [[1, 'error', 'providerError'], [2, 'ok', null]]);
  // A known-price row can never hide an unknown cost as 0 either way round.
  await store.withWrite((tx) => insertRequest(tx, row('req_b', 2000, { costUsd: 0.5, costState: 'unknown' }), []));
  assert.equal(store.read((tx) => getRequest(tx, 'req_b'))?.costUsd, null);
});

test('keyset pagination walks newest first without gaps or repeats, ties broken by id', async () => {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => {
    for (let i = 0; i < 23; i++) {
      // Several rows share a timestamp.
      insertRequest(tx, row(`req_${String(i).padStart(2, '0')}`, 1000 + Math.floor(i / 3), { model: i % 2 === 0 ? 'gpt-4o-mini' : 'gpt-4o', status: i % 5 === 0 ? 'error' : 'ok' }), []);
    }
  });
  const seen: string[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 10; page++) {
    const r = store.read((tx) => listRequests(tx, cursor === undefined ? { limit: 5 } : { limit: 5, cursor }));
    seen.push(...r.rows.map((x) => x.id));
    if (r.nextCursor === null) {
      break;
    }
    cursor = r.nextCursor;
  }
  assert.equal(seen.length, 23);
  assert.equal(new Set(seen).size, 23);
  assert.equal(seen[0], 'req_22');
  assert.equal(seen[22], 'req_00');
  // Rows added while paging do not shift later pages.
  const first = store.read((tx) => listRequests(tx, { limit: 3 }));
  await store.withWrite((tx) => insertRequest(tx, row('req_zz', 5000), []));
  const second = store.read((tx) => listRequests(tx, { limit: 3, cursor: first.nextCursor ?? undefined }));
  assert.deepEqual(second.rows.map((x) => x.id), ['req_19', 'req_18', 'req_17']);
});

test('filters combine; a forged cursor is a clear invalidParams', async () => {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => {
    insertRequest(tx, row('a', 1, { model: 'm1', provider: 'p1' }), []);
    insertRequest(tx, row('b', 2, { model: 'm2', provider: 'p1', status: 'error' }), []);
    insertRequest(tx, row('c', 3, { model: 'm1', provider: 'p2' }), []);
  });
  const ids = (p: Parameters<typeof listRequests>[1]) => store.read((tx) => listRequests(tx, p)).rows.map((r) => r.id);
  assert.deepEqual(ids({ limit: 10, model: 'm1' }), ['c', 'a']);
  assert.deepEqual(ids({ limit: 10, provider: 'p1' }), ['b', 'a']);
  assert.deepEqual(ids({ limit: 10, status: 'error' }), ['b']);
  assert.deepEqual(ids({ limit: 10, from: 2, to: 3 }), ['b']);
  assert.throws(() => store.read((tx) => listRequests(tx, { limit: 10, cursor: 'bm90LWpzb24' })), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams');
});
