// The output-length history (ledger/estimates.ts) is seeded from the newest successful rows, hot
// and cold alike: moving rows to the cold ledger must not change a prediction the daemon makes
// after its next start.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type ReadTx } from '../../../daemon/store/database';
import { ColdLedger } from '../../../daemon/ledger/archive';
import { OutputPredictor } from '../../../daemon/ledger/estimates';
import { insertRequest } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';

const JAN = Date.parse('2026-01-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;
const MODELS = ['old-model', 'new-model', 'exp-model'];
const TASKS = ['code', 'chat', null];

function row(i: number, ts: number, model: string, taskType: string, tokensOut: number, extra: Partial<LedgerRow> = {}): LedgerRow {
  return {
    id: `req_${i.toString().padStart(6, '0')}`, ts, clientKind: 'script', clientName: null, workspace: '/w', endpoint: 'chat.completions', requestedModel: 'auto',
    model, provider: 'p', policy: null, strategy: 'prior', taskType, reason: 'r', stream: false, tokensIn: 10, tokensOut, tokensCached: 0,
    tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.001, costState: 'known', latencyMs: 100, ttftMs: null, status: 'ok', errorCode: null,
    fallbacks: [], experimentId: null, arm: null, ...extra,
  };
}

/** January: a model used for code, some errors, an experiment's rows (they stay hot); March: another model for chat. */
function ledgerRows(): LedgerRow[] {
  const out: LedgerRow[] = [];
  for (let i = 0; i < 200; i++) {
    const ts = JAN + i * 3 * HOUR;
    if (i % 25 === 3) {
      out.push(row(i, ts, 'exp-model', 'code', 2000 + i, { experimentId: 'exp_1', arm: 'a' }));
    } else {
      out.push(row(i, ts, 'old-model', 'code', 600 + ((i * 37) % 400), i % 9 === 0 ? { status: 'error', tokensOut: 0 } : {}));
    }
  }
  for (let i = 0; i < 60; i++) {
    out.push(row(1000 + i, MAR + i * HOUR, 'new-model', 'chat', 40 + (i % 7)));
  }
  return out;
}

function predictions(p: OutputPredictor): unknown {
  return MODELS.flatMap((m) => TASKS.map((t) => [m, t, p.predict(m, t, null, 123)]));
}

test('the output-length seed reads cold rows as it read them hot: every prediction is the same after a move', async () => {
  const store = await Store.open({ dir: null });
  const dir = mkdtempSync(join(tmpdir(), 'llmr-seed-'));
  try {
    await store.withWrite((tx) => {
      for (const r of ledgerRows()) {
        insertRequest(tx, r, []);
      }
    });
    const seeds = [5000, 100, 30];
    const before = seeds.map((n) => predictions(store.read((tx) => OutputPredictor.fromLedger(tx, n))));
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { batch: 20 });
    assert.ok((await cold.moveOlderThan(MAR)) > 150);
    const coldNewest = (tx: ReadTx) => (from: number) => cold.rowsDescending(tx, from, Number.MAX_SAFE_INTEGER, null);
    // Without the cold rows the January model has lost its own figure.
    const hotOnly = store.read((tx) => OutputPredictor.fromLedger(tx, 5000));
    assert.equal(hotOnly.predict('old-model', 'code', null, 123).basis, 'task');
    seeds.forEach((n, i) => {
      assert.deepEqual(predictions(store.read((tx) => OutputPredictor.fromLedger(tx, n, coldNewest(tx)))), before[i], `seed of ${n} rows`);
    });
    assert.equal(store.read((tx) => OutputPredictor.fromLedger(tx, 5000, coldNewest(tx))).predict('old-model', 'code', null, 123).basis, 'model+task');
    // A damaged segment leaves the seed with what could be read, and says so; start-up goes on.
    const path = cold.segments.pathOf('2026-01');
    const bytes = readFileSync(path);
    bytes[bytes.byteLength - 5] = (bytes[bytes.byteLength - 5] as number) ^ 0xff;
    writeFileSync(path, bytes);
    const logged: string[] = [];
    const damaged = store.read((tx) => OutputPredictor.fromLedger(tx, 5000, coldNewest(tx), (m) => logged.push(m)));
    assert.equal(damaged.predict('new-model', 'chat', null, 123).basis, 'model+task');
    assert.ok(logged.some((m) => /without some cold rows/.test(m)), logged.join('\n'));
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
