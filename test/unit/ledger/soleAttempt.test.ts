// Migration 17: a request's sole attempt that repeats its row is stored on the row, not as an
// `attempts` row. Every reader must see exactly what it saw for a row written the old way.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { ColdLedger, readColdState } from '../../../daemon/ledger/archive';
import { exportReport } from '../../../daemon/ledger/reports';
import { recordInRollups } from '../../../daemon/ledger/rollups';
import { attemptsOf, insertRequest, listRequests, type AttemptRow } from '../../../daemon/ledger/requests';
import { experimentOutcomes } from '../../../daemon/experiments/repository';
import { JOURNAL_STATEMENTS } from '../../../daemon/store/journalStatements';
import { ReportExportParams } from '../../../daemon/protocol/budget';
import { SpendRequestsParams } from '../../../daemon/protocol/methods';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { WriteTx } from '../../../daemon/store/database';

const T = Date.parse('2026-04-02T10:00:00Z');

function row(i: number, extra: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id: `req_${String(i).padStart(3, '0')}`, ts: T + i * 1000, clientKind: 'script', clientName: null, workspace: null, endpoint: 'chat.completions',
    requestedModel: 'auto', model: 'gpt-4o-mini', provider: 'openai', policy: 'default', strategy: 'prior', taskType: 'chat', reason: 'r', stream: false,
    tokensIn: 10, tokensOut: 20, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.002, costState: 'known', latencyMs: 100,
    ttftMs: null, status: 'ok', errorCode: null, fallbacks: [], experimentId: i % 4 === 0 ? 'exp_1' : null, arm: i % 4 === 0 ? 'a' : null,
    effort: null, expectedWallMs: null, ...extra,
  };
}

const attempt = (r: LedgerRow, over: Partial<AttemptRow> = {}): AttemptRow => ({ n: 1, ts: r.ts + 3, model: r.model, provider: r.provider, status: r.status, errorCode: r.errorCode, latencyMs: 91.6, ...over });

/** Every shape of attempts a request can have. */
function cases(): { row: LedgerRow; attempts: AttemptRow[] }[] {
  const out: { row: LedgerRow; attempts: AttemptRow[] }[] = [];
  for (let i = 0; i < 40; i++) {
    const kind = i % 8;
    if (kind === 0) {
      const r = row(i);
      out.push({ row: r, attempts: [attempt(r)] });
    } else if (kind === 1) {
      const r = row(i, { status: 'error', errorCode: 'providerError' });
      out.push({ row: r, attempts: [attempt(r, { ts: r.ts })] });
    } else if (kind === 2) {
      // One attempt on another model (the row names the model that answered).
      const r = row(i);
      out.push({ row: r, attempts: [attempt(r, { model: 'gpt-4o' })] });
    } else if (kind === 3) {
      const r = row(i, { fallbacks: ['gpt-4o'] });
      out.push({ row: r, attempts: [attempt(r, { model: 'gpt-4o', status: 'error', errorCode: 'providerError' }), attempt(r, { n: 2, ts: r.ts + 50 })] });
    } else if (kind === 4) {
      // Escalated: the first answer's attempt is marked, the second is the row's.
      const r = row(i, { model: 'gpt-4o' });
      out.push({ row: r, attempts: [attempt(r, { model: 'gpt-4o-mini', errorCode: 'escalated' }), attempt(r, { n: 2, ts: r.ts + 900 })] });
    } else if (kind === 5) {
      out.push({ row: row(i, { status: 'cancelled' }), attempts: [] });
    } else if (kind === 6) {
      // Same model, another error code than the row's.
      const r = row(i, { status: 'error', errorCode: 'budgetExceeded' });
      out.push({ row: r, attempts: [attempt(r, { errorCode: 'providerTimeout' })] });
    } else {
      const r = row(i, { provider: 'azure' });
      out.push({ row: r, attempts: [attempt(r, { latencyMs: 0 })] });
    }
  }
  return out;
}

/** How rows were written before migration 17: the row (its old statement) and one `attempts` row per attempt. */
function insertOldFormat(tx: WriteTx, r: LedgerRow, attempts: readonly AttemptRow[]): void {
  tx.run(JOURNAL_STATEMENTS[2] as string, [
    r.id, r.ts, r.clientKind, r.clientName, r.workspace, r.endpoint, r.requestedModel, r.model, r.provider, r.policy, r.strategy, r.taskType, r.reason,
    r.stream ? 1 : 0, r.tokensIn, r.tokensOut, r.tokensCached, r.tokensReasoning, r.estimatedCostUsd, r.costUsd, r.costState, r.latencyMs, r.ttftMs,
    r.status, r.errorCode, JSON.stringify(r.fallbacks), r.experimentId, r.arm, r.effort ?? null, r.expectedWallMs ?? null,
  ]);
  for (const a of attempts) {
    tx.run(JOURNAL_STATEMENTS[3] as string, [r.id, a.n, a.ts, a.model, a.provider, a.status, a.errorCode, Math.round(a.latencyMs)]);
  }
}

async function ledger(format: 'old' | 'new'): Promise<Store> {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => {
    for (const c of cases()) {
      (format === 'old' ? insertOldFormat : insertRequest)(tx, c.row, c.attempts);
      recordInRollups(tx, c.row);
    }
  });
  return store;
}

/** Everything that reads attempts or rows: the view, attemptsOf, experiment outcomes, export, the list, the outbox's join. */
function readings(store: Store, cold: ColdLedger | null): unknown {
  return store.read((tx) => ({
    view: tx.all('SELECT * FROM request_attempts ORDER BY request_id, n'),
    attemptsOf: cases().map((c) => attemptsOf(tx, c.row.id)),
    outcomes: experimentOutcomes(tx, 'exp_1', false).sort((a, b) => (a.requestId < b.requestId ? -1 : 1)),
    exported: exportReport((fn) => store.read(fn), ReportExportParams.parse({ format: 'csv' }), T + 1e9, cold).content,
    listed: listRequests(tx, SpendRequestsParams.parse({ limit: 100 }), cold ? (f, t, b) => cold.rowsDescending(tx, f, t, b) : undefined).rows,
  }));
}

test('rows written with their sole attempt on the row read exactly as rows written the old way, hot and cold', async () => {
  const oldStore = await ledger('old');
  const newStore = await ledger('new');
  const dirs = [mkdtempSync(join(tmpdir(), 'llmr-sole-old-')), mkdtempSync(join(tmpdir(), 'llmr-sole-new-'))];
  try {
    const stored = (s: Store): number => Number(s.read((tx) => tx.get('SELECT count(*) AS n FROM attempts'))?.n);
    // Kinds 0, 1 and 7 (15 of 40 requests) keep their attempt on the row.
    assert.equal(stored(oldStore), 45);
    assert.equal(stored(newStore), 30, 'the sole attempts that repeat their row are not attempts rows');
    const expected = readings(oldStore, null);
    assert.deepEqual(readings(newStore, null), expected);
    assert.equal((expected as { view: unknown[] }).view.length, 45);

    // Moved to cold segments, both give the same records (the row without the new columns, its attempts as before).
    const colds = [ColdLedger.open(oldStore, ColdLedger.dirIn(dirs[0] as string)), ColdLedger.open(newStore, ColdLedger.dirIn(dirs[1] as string))];
    const records = [oldStore, newStore].map((s, i) => {
      const cold = colds[i] as ColdLedger;
      return cold.moveOlderThan(T + 1e9).then(() =>
        s.read((tx) => {
          const out: unknown[] = [];
          for (const [month, st] of readColdState(tx).segments) {
            for (const frame of cold.segments.frames(month, st, 'forward')) {
              out.push(...frame);
            }
          }
          return out;
        }),
      );
    });
    const [oldRecords, newRecords] = await Promise.all(records);
    assert.equal((oldRecords as unknown[]).length, 30, 'the non-experiment rows moved');
    assert.deepEqual(newRecords, oldRecords);
    assert.deepEqual(readings(newStore, colds[1] as ColdLedger), readings(oldStore, colds[0] as ColdLedger));
  } finally {
    for (const d of dirs) {
      rmSync(d, { recursive: true, force: true });
    }
  }
});
