import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { LedgerRow, SpendRequestsResult } from '../../../daemon/protocol';
import { IDS_PER_READ, NewRows, mergeLatest } from '../../../webview/newRows';

const row = (id: string, ts: number): LedgerRow => ({
  id, ts, clientKind: 'script', clientName: null, workspace: null, endpoint: 'rpc', requestedModel: 'auto', model: 'm', provider: 'p', policy: null, strategy: null,
  taskType: null, reason: null, stream: false, tokensIn: 1, tokensOut: 1, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: null, costUsd: 0, costState: 'known',
  latencyMs: 1, ttftMs: null, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
});

/** A ledger the reader queries; every call is kept so the test sees what was read. */
function ledger(rows: LedgerRow[]) {
  const calls: ({ limit: number } | { ids: string[] })[] = [];
  const read = async (params: { limit: number } | { ids: string[] }): Promise<SpendRequestsResult> => {
    calls.push(params);
    const sorted = [...rows].sort((a, b) => b.ts - a.ts);
    if ('ids' in params) {
      return { rows: sorted.filter((r) => params.ids.includes(r.id)), nextCursor: null };
    }
    return { rows: sorted.slice(0, params.limit), nextCursor: null };
  };
  return { rows, calls, read };
}

test('the first step reads the newest page; later steps read only the noticed ids, never the page again', async () => {
  const l = ledger([row('a', 1), row('b', 2)]);
  const reader = new NewRows(l.read, 50);
  const first = await reader.next();
  assert.equal(first.initial, true);
  assert.deepEqual(first.rows.map((r) => r.id), ['b', 'a']);

  // A long request that started first is recorded last: its notification names it, so it is read.
  l.rows.push(row('c', 3), row('late', 0));
  reader.noticed('c');
  reader.noticed('late');
  reader.noticed('b'); // already shown
  const second = await reader.next();
  assert.equal(second.initial, false);
  assert.deepEqual(second.rows.map((r) => r.id), ['c', 'late']);
  assert.deepEqual(l.calls[1], { ids: ['c', 'late'] });

  // Nothing noticed: no read at all.
  const third = await reader.next();
  assert.deepEqual(third.rows, []);
  assert.equal(l.calls.length, 2);
});

test('a failed read keeps its ids for the next step; many ids are read in chunks', async () => {
  const l = ledger(Array.from({ length: IDS_PER_READ + 5 }, (_, i) => row(`r${i}`, i)));
  let fail = false;
  const reader = new NewRows(async (p) => {
    if (fail) {
      throw new Error('daemon restarting');
    }
    return l.read(p);
  }, 1);
  await reader.next();
  for (let i = 0; i < IDS_PER_READ + 4; i++) {
    reader.noticed(`r${i}`);
  }
  fail = true;
  await assert.rejects(reader.next(), /daemon restarting/);
  assert.equal(reader.waiting, IDS_PER_READ + 4);
  fail = false;
  const step = await reader.next();
  assert.equal(step.rows.length, IDS_PER_READ + 4);
  assert.equal(l.calls.filter((c) => 'ids' in c).length, 2, 'two chunks');
  assert.equal(reader.waiting, 0);
});

test('steps run in turn: an id noticed while a read is in flight is read by the next step', async () => {
  const l = ledger([row('a', 1)]);
  const reader = new NewRows(l.read, 10);
  const p1 = reader.next();
  l.rows.push(row('b', 2));
  reader.noticed('b');
  const p2 = reader.next();
  const [s1, s2] = await Promise.all([p1, p2]);
  // The first read already took b (it was in the newest page by then) or the second one did; never both.
  const ids = [...s1.rows, ...s2.rows].map((r) => r.id).filter((id) => id === 'b');
  assert.equal(ids.length, 1);
  reader.reset();
  assert.equal((await reader.next()).initial, true);
});

test('the latest list: the first page as read, then new rows merged by time and cut to the limit', () => {
  const first = mergeLatest([], { initial: true, rows: [row('b', 2), row('a', 1)] }, 3);
  assert.deepEqual(first.map((r) => r.id), ['b', 'a']);
  const next = mergeLatest(first, { initial: false, rows: [row('d', 4), row('late', 1.5)] }, 3);
  assert.deepEqual(next.map((r) => r.id), ['d', 'b', 'late'], 'a late row sorts by its time; the oldest falls off');
  assert.deepEqual(mergeLatest(next, { initial: false, rows: [] }, 3), next);
});
