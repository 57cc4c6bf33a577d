// Migration 19: requests_experiment holds only rows of an experiment, and every query by
// experiment still reads it (a plan that scanned `requests` would make experiment reports read the
// whole hot ledger).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Store } from '../../../daemon/store/database';
import { insertRequest } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';

function row(i: number, experimentId: string | null): LedgerRow {
  return {
    id: `req_${String(i).padStart(21, '0')}`, ts: 1_700_000_000_000 + i, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions',
    requestedModel: 'gpt-4o-mini', model: 'gpt-4o-mini', provider: 'openai', policy: null, strategy: 'fixed', taskType: 'chat', reason: null, stream: false,
    tokensIn: 1, tokensOut: 1, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: null, costUsd: 0.001, costState: 'known', latencyMs: 1, ttftMs: null,
    status: 'ok', errorCode: null, fallbacks: [], experimentId, arm: experimentId === null ? null : 'b', effort: null, expectedWallMs: null,
  };
}

test('requests_experiment indexes only rows of an experiment, and every experiment query uses it', async () => {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => {
    for (let i = 0; i < 50; i++) {
      insertRequest(tx, row(i, i % 10 === 0 ? 'exp_1' : null), []);
    }
  });
  // Entries in the index: counted through it (INDEXED BY fails if the index cannot serve the query).
  const indexed = store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests INDEXED BY requests_experiment WHERE experiment_id IS NOT NULL'));
  assert.equal(indexed?.n, 5);
  const sql = store.read((tx) => tx.get<{ sql: string }>("SELECT sql FROM sqlite_master WHERE name = 'requests_experiment'"));
  assert.match(sql?.sql ?? '', /WHERE experiment_id IS NOT NULL/);

  const queries = [
    'SELECT count(*) AS n FROM requests WHERE experiment_id = ?',
    `SELECT r.id FROM requests r LEFT JOIN experiment_units u ON u.request_id = r.id WHERE r.experiment_id = ?`,
    'SELECT f.request_id, f.value FROM feedback f JOIN requests r ON r.id = f.request_id WHERE r.experiment_id = ? ORDER BY f.ts, f.rowid',
  ];
  for (const q of queries) {
    const plan = store.read((tx) => tx.all<{ detail: string }>(`EXPLAIN QUERY PLAN ${q}`, ['exp_1'])).map((p) => p.detail).join(' | ');
    assert.match(plan, /requests_experiment/, `${q}: ${plan}`);
  }
  assert.equal(store.read((tx) => tx.get<{ n: number }>('SELECT count(*) AS n FROM requests WHERE experiment_id = ?', ['exp_1']))?.n, 5);
  await store.close();
});
