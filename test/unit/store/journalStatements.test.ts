import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { crc32 } from 'node:zlib';
import { appendFileSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { RouterError } from '../../../daemon/protocol/errors';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeJournal, encodeRecord } from '../../../daemon/store/journalRecord';
import { JOURNAL_STATEMENTS } from '../../../daemon/store/journalStatements';
import { Store } from '../../../daemon/store/database';
import { LedgerService } from '../../../daemon/ledger/service';
import { insertRequest } from '../../../daemon/ledger/requests';
import { Catalog } from '../../../daemon/routing/catalog';
import { BudgetSetParams } from '../../../daemon/protocol/budget';
import { Turn, type PlanCall } from '../../../daemon/pipeline/turn';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { RoutingDecision } from '../../../daemon/protocol/routing';
import type { CatalogModel } from '../../../daemon/routing/catalog';

const frame = (payload: string): Buffer => {
  const body = Buffer.from(payload, 'utf8');
  const out = Buffer.alloc(8 + body.byteLength);
  out.writeUInt32LE(body.byteLength, 0);
  out.writeUInt32LE(crc32(body), 4);
  body.copy(out, 8);
  return out;
};

test('listed statements are unique, journaled by number and read back as their text', () => {
  assert.equal(new Set(JOURNAL_STATEMENTS).size, JOURNAL_STATEMENTS.length);
  const sql = JOURNAL_STATEMENTS[2] as string;
  const tx = [{ sql, params: ['a', 1] }, { sql: 'UPDATE t SET v = ?', params: [2] }];
  const record = encodeRecord(tx);
  assert.ok(!record.includes(sql), 'the listed text is not in the record');
  assert.ok(record.includes('UPDATE t SET v = ?'), 'an unlisted text is');
  assert.ok(record.byteLength < sql.length);
  assert.deepEqual(decodeJournal(record).transactions, [tx]);
});

test('a record written with texts only (before the list) still reads; an id this version lacks stops reading there and is not a torn tail', () => {
  const sql = JOURNAL_STATEMENTS[0] as string;
  const old = frame(JSON.stringify([[sql, [1, 2, 3]]]));
  const unknown = frame(JSON.stringify([[JOURNAL_STATEMENTS.length, [1]]]));
  const decoded = decodeJournal(Buffer.concat([old, unknown]));
  assert.deepEqual(decoded.transactions, [[{ sql, params: [1, 2, 3] }]]);
  assert.equal(decoded.validLength, old.byteLength);
  // Not a torn tail: that record was acknowledged, so recovery refuses to start rather than cut it.
  assert.equal(decoded.tornTail, null);
  assert.match(decoded.newerRecord ?? '', /does not know/);
});

test('a budgeted request (reservation, then row, attempts, settle and rollups) journals no statement text', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-journal-ids-'));
  try {
    const store = await Store.open({ dir, log: () => undefined });
    const ledger = new LedgerService({ store, catalog: Catalog.builtIn(), baselineModel: 'gpt-4o', askConfirmAboveUsd: null, timeZone: 'UTC' });
    await ledger.guard.set(BudgetSetParams.parse({ scope: 'global', period: 'month', limitUsd: 0.0003, alertThreshold: 0.5 }));
    await store.flush();
    const journal = (): Buffer => Buffer.concat(readdirSync(dir).filter((f) => f.endsWith('.journal')).sort().map((f) => readFileSync(join(dir, f))));
    const start = journal();
    const before = decodeJournal(start).transactions.length;
    const ts = Date.now();
    const row: LedgerRow = {
      id: 'req_ids_1', ts, clientKind: 'script', clientName: null, workspace: '/w', endpoint: 'chat.completions', requestedModel: 'auto',
      model: 'gpt-4o-mini', provider: 'openai', policy: 'default', strategy: 'prior', taskType: 'chat', reason: 'test', stream: false,
      tokensIn: 300, tokensOut: 200, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.0002, costUsd: 0.00025, costState: 'known',
      latencyMs: 400, ttftMs: 120, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
    };
    const turn = new Turn({ context: { kind: 'script', workspace: '/w' }, requestedModel: row.model, routing: undefined, request: { messages: [], max_tokens: 500 } } as unknown as PlanCall, ts, row.id);
    const decision = { model: row.model, provider: row.provider, policy: row.policy, taskType: 'chat', inputTokens: 300, estimatedOutputTokens: 0, estimatedCostUsd: null, reason: '', fallbacks: [], candidates: [] } as unknown as RoutingDecision;
    turn.setPlan({ decision, routing: undefined, substitutedFor: null, namedRoute: null });
    turn.reservations.push(await ledger.reserve(turn, { id: row.model, provider: row.provider } as CatalogModel, row.estimatedCostUsd));
    await store.withWrite((tx) => {
      insertRequest(tx, row, [{ n: 1, ts, model: row.model, provider: row.provider, status: 'ok', errorCode: null, latencyMs: 400 }]);
      ledger.hooks.onRecord?.(tx, row, [], turn);
    });
    await store.flush();
    const data = journal();
    const recorded = decodeJournal(data).transactions.slice(before);
    assert.equal(recorded.length, 2, 'the reservation and the record');
    const statements = recorded.flat().map((s) => s.sql);
    assert.ok(statements.some((s) => s.startsWith('UPDATE budget_usage SET alerted')), 'the alert statement ran (the budget crossed its threshold)');
    const unlisted = statements.filter((s) => !JOURNAL_STATEMENTS.includes(s));
    assert.deepEqual(unlisted, [], 'every statement of the hot path is listed');
    assert.ok(!data.subarray(start.byteLength).includes('INSERT INTO'), 'and journaled by number');
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

// Journals on disk name statements by position, so an entry edited or moved in place would replay
// old records with another statement. Each shipped entry's hash is pinned here: a new statement is
// appended to the list and its hash appended below; an edit to a shipped one fails this test.
const SHIPPED = ['0a19efbb3afffc58', '1d55008c3bcb296e', 'ecbcc7fae1bcd389', '392f681c92d20390', 'a59f09b54c3f99e1', '7dfb879e80db33e8', 'cd70a16065d0bf59', 'ff484852d47c1156', '0423e42706807f55', '57041d0366c3074c', 'b295e2967dc355e7', '00cee21e7a517a91', 'c3dcadeef982ad08', '246067e41d7f5219', '45cd0ce58576c74f'];

test('the journal statement list only grows: every shipped entry keeps its text and position', () => {
  const hashes = JOURNAL_STATEMENTS.map((s) => createHash('sha256').update(s).digest('hex').slice(0, 16));
  assert.ok(hashes.length >= SHIPPED.length, 'no shipped entry was removed');
  assert.deepEqual(hashes.slice(0, SHIPPED.length), SHIPPED, 'a shipped entry was edited or moved: append a new one instead');
  assert.equal(hashes.length, SHIPPED.length, 'a new entry was appended: pin its hash in SHIPPED');
});

test('a store whose journal holds a newer daemon\'s record refuses to open and cuts nothing', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'llmr-journal-newer-'));
  try {
    const store = await Store.open({ dir, log: () => undefined });
    await store.withWrite((tx) => tx.run('CREATE TABLE t (v INTEGER)'));
    await store.close();
    // Closing snapshots the store; the journal that follows that snapshot is the one replayed next.
    const snapshot = readdirSync(dir).filter((f) => f.endsWith('.snapshot')).sort().at(-1);
    assert.ok(snapshot !== undefined, 'closing wrote a snapshot');
    const path = join(dir, snapshot.replace(/\.snapshot$/, '.journal'));
    appendFileSync(path, frame(JSON.stringify([['INSERT INTO t (v) VALUES (?)', [7]]])));
    const newer = frame(JSON.stringify([[JOURNAL_STATEMENTS.length + 5, [1]]]));
    appendFileSync(path, newer);
    const before = readFileSync(path);
    await assert.rejects(Store.open({ dir, log: () => undefined }), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable' && /newer/.test(e.message));
    assert.deepEqual(readFileSync(path), before, 'the journal is kept as it was');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
