import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { exportReport, spendSummary, spendTimeseries } from '../../../daemon/ledger/reports';
import { recordInRollups } from '../../../daemon/ledger/rollups';
import { insertRequest } from '../../../daemon/ledger/requests';
import { ReportExportParams, SpendTimeseriesParams } from '../../../daemon/protocol/budget';
import { SpendSummaryParams } from '../../../daemon/protocol/methods';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import type { RouterError } from '../../../daemon/protocol/errors';

const T0 = Date.parse('2026-04-01T10:00:00Z');

function row(i: number): LedgerRow {
  return {
    id: `req_${String(i).padStart(4, '0')}`, ts: T0 + i * 60_000, clientKind: 'script', clientName: 'ci, "nightly"', workspace: null,
    endpoint: i % 2 === 0 ? 'chat.completions' : 'messages', requestedModel: 'auto', model: 'gpt-4.1-mini', provider: 'openai', policy: 'default',
    strategy: 'prior', taskType: 'chat', reason: 'cheap\nand good', stream: i % 2 === 0, tokensIn: 100, tokensOut: 50, tokensCached: 0,
    tokensReasoning: 0, estimatedCostUsd: 0.0001, costUsd: i === 3 ? null : 0.0002, costState: i === 3 ? 'unknown' : 'known', latencyMs: 5,
    ttftMs: 2, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

async function seeded(): Promise<Store> {
  const store = await Store.open({ dir: null });
  await store.withWrite((tx) => {
    for (let i = 0; i < 10; i++) {
      insertRequest(tx, row(i), []);
      recordInRollups(tx, row(i));
    }
  });
  return store;
}

const code = (c: string) => (e: unknown) => (e as RouterError).code === c;

test('export writes CSV and JSON atomically, inline or to a file', async () => {
  const store = await seeded();
  const dir = mkdtempSync(join(tmpdir(), 'llmr-export-'));
  try {
    const read = <T>(fn: Parameters<Store['read']>[0]) => store.read(fn) as T;
    const inline = exportReport(read, ReportExportParams.parse({ format: 'csv' }), T0 + 3_600_000);
    assert.equal(inline.rows, 10);
    const lines = (inline.content ?? '').trim().split('\n');
    assert.match(lines[0] ?? '', /^id,ts,clientKind/);
    // Quoted commas, quotes and newlines keep one record per row.
    assert.ok((inline.content ?? '').includes('"ci, ""nightly"""'));
    const json = exportReport(read, ReportExportParams.parse({ format: 'json', from: '2026-04-01T10:02:00Z', to: T0 + 5 * 60_000 }), T0 + 3_600_000);
    const parsed = JSON.parse(json.content ?? '') as LedgerRow[];
    assert.deepEqual(parsed.map((r) => r.id), ['req_0002', 'req_0003', 'req_0004']);
    assert.equal(parsed[1]?.costUsd, null);
    const path = join(dir, 'spend.json');
    const file = exportReport(read, ReportExportParams.parse({ format: 'json', path }), T0 + 3_600_000);
    assert.equal(file.rows, 10);
    assert.equal((JSON.parse(readFileSync(path, 'utf8')) as unknown[]).length, 10);
    assert.deepEqual(readdirSync(dir), ['spend.json']);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await store.close();
  }
});

test('bad ranges and unwritable paths are clear errors and touch nothing', async () => {
  const store = await seeded();
  const dir = mkdtempSync(join(tmpdir(), 'llmr-export-'));
  const before = store.read((tx) => tx.all('SELECT * FROM requests ORDER BY id'));
  try {
    const read = <T>(fn: Parameters<Store['read']>[0]) => store.read(fn) as T;
    assert.equal(ReportExportParams.safeParse({ from: 'yesterday' }).success, false);
    assert.equal(ReportExportParams.safeParse({ from: '2026-13-45' }).success, false);
    assert.equal(SpendTimeseriesParams.safeParse({ from: -5 }).success, false);
    assert.throws(() => exportReport(read, ReportExportParams.parse({ from: T0 + 10, to: T0 }), T0), code('invalidParams'));
    assert.throws(() => spendTimeseries(store.read((tx) => tx) , SpendTimeseriesParams.parse({ from: '2026-05-01', to: '2026-04-01' }), T0, 'UTC'), /before it starts/);
    assert.throws(() => store.read((tx) => spendSummary(tx, SpendSummaryParams.parse({ from: 10, to: 5 }), T0, 'UTC', { model: null, price: null })), code('invalidParams'));
    assert.throws(() => exportReport(read, ReportExportParams.parse({ path: 'relative.csv' }), T0), code('pathNotWritable'));
    assert.throws(() => exportReport(read, ReportExportParams.parse({ path: join(dir, 'missing', 'x.csv') }), T0), /does not exist/);
    const locked = join(dir, 'locked');
    mkdirSync(locked);
    chmodSync(locked, 0o500);
    if (process.getuid?.() !== 0) {
      assert.throws(() => exportReport(read, ReportExportParams.parse({ path: join(locked, 'x.csv') }), T0), code('pathNotWritable'));
    }
    chmodSync(locked, 0o700);
    assert.deepEqual(readdirSync(locked), []);
    assert.deepEqual(store.read((tx) => tx.all('SELECT * FROM requests ORDER BY id')), before);
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await store.close();
  }
});

test('summary counts every endpoint and the unknown price apart; timeseries groups by endpoint', async () => {
  const store = await seeded();
  const s = store.read((tx) => spendSummary(tx, SpendSummaryParams.parse({ period: 'day' }), T0 + 3_600_000, 'Europe/Berlin', { model: 'gpt-4.1', price: { inputPerMTok: 2, outputPerMTok: 8, cachedInputPerMTok: 0.5, cacheWritePerMTok: 2 } }));
  assert.equal(s.requests, 10);
  assert.equal(s.unknownPriceRequests, 1);
  assert.ok(Math.abs(s.costUsd - 9 * 0.0002) < 1e-12);
  assert.ok(s.savingsUsd !== null && s.savingsUsd !== undefined && Math.abs(s.savingsUsd - (9 * (100 * 2 + 50 * 8) / 1e6 - 9 * 0.0002)) < 1e-12);
  const ts = store.read((tx) => spendTimeseries(tx, SpendTimeseriesParams.parse({ from: T0 - 86_400_000, to: T0 + 86_400_000, bucket: 'day', groupBy: 'endpoint' }), T0, 'Europe/Berlin'));
  assert.deepEqual(ts.points.map((p) => [p.key, p.requests]), [['chat.completions', 5], ['messages', 5]]);
  await store.close();
});
