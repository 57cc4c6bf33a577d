import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { ColdLedger, hotCutoff, monthOf } from '../../../daemon/ledger/archive';
import { newRequestId, timeOfRequestId } from '../../../daemon/pipeline/turn';
import { exportReport, spendSummary } from '../../../daemon/ledger/reports';
import { recordInRollups } from '../../../daemon/ledger/rollups';
import { getRequest, insertRequest, listRequests, type AttemptRow } from '../../../daemon/ledger/requests';
import { ReportExportParams } from '../../../daemon/protocol/budget';
import { SpendRequestsParams, SpendSummaryParams } from '../../../daemon/protocol/methods';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import { RouterError } from '../../../daemon/protocol/errors';
import { nodeSegmentFiles, type SegmentFiles } from '../../../daemon/store/coldSegments';
import { errno, FaultyFiles } from '../store/faultyFiles';

const JAN = Date.parse('2026-01-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');
const MODELS = ['gpt-4o-mini', 'claude-sonnet-4', 'gemini-2.5-flash'];

/** 360 rows over January–April, several per timestamp, some with attempts, some errors, some unknown prices. */
function rows(): { row: LedgerRow; attempts: AttemptRow[] }[] {
  const out: { row: LedgerRow; attempts: AttemptRow[] }[] = [];
  for (let i = 0; i < 360; i++) {
    const ts = JAN + Math.floor(i / 3) * 27 * 3_600_000 + (i % 3 === 2 ? 0 : (i * 7919) % 3_600_000);
    const unknown = i % 17 === 0;
    const row: LedgerRow = {
      id: `req_${((i * 37) % 360).toString().padStart(4, '0')}`, ts, clientKind: i % 2 ? 'script' : 'editor', clientName: null, workspace: i % 4 ? '/w' : null,
      endpoint: 'chat.completions', requestedModel: 'auto', model: MODELS[i % 3] as string, provider: 'p', policy: null, strategy: 'prior', taskType: 'chat',
      reason: 'r', stream: false, tokensIn: 100 + i, tokensOut: 20 + (i % 9), tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001,
      costUsd: unknown ? null : 0.001 * (1 + (i % 5)), costState: unknown ? 'unknown' : 'known', latencyMs: 100, ttftMs: null,
      status: i % 11 === 0 ? 'error' : 'ok', errorCode: null, fallbacks: i % 13 === 0 ? ['gpt-4o'] : [],
      // An experiment's rows stay hot for its analysis, however old.
      experimentId: i % 50 === 7 ? 'exp_1' : null, arm: i % 50 === 7 ? 'a' : null,
    };
    const attempts: AttemptRow[] = i % 13 === 0 ? [{ n: 1, ts, model: 'gpt-4o', provider: 'p', status: 'error', errorCode: 'providerError', latencyMs: 5 }] : [];
    out.push({ row, attempts });
  }
  return out;
}

async function seed(store: Store): Promise<void> {
  await store.withWrite((tx) => {
    for (const { row, attempts } of rows()) {
      insertRequest(tx, row, attempts);
      recordInRollups(tx, row);
    }
  });
}

/** Everything a person can read about the rows: export, every page of the list, sums over odd ranges. */
function answers(store: Store, cold: ColdLedger | null): unknown {
  const exported = exportReport((fn) => store.read(fn), ReportExportParams.parse({ format: 'json' }), Date.parse('2026-06-01T00:00:00Z'), cold);
  const pages: string[] = [];
  let cursor: string | undefined;
  do {
    const page = store.read((tx) =>
      listRequests(tx, SpendRequestsParams.parse({ limit: 7, ...(cursor ? { cursor } : {}) }), cold ? (from, to, before) => cold.rowsDescending(tx, from, to, before) : undefined),
    );
    pages.push(...page.rows.map((r) => `${r.ts}/${r.id}`));
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  const filtered = store.read((tx) =>
    listRequests(tx, SpendRequestsParams.parse({ limit: 500, model: 'claude-sonnet-4', status: 'ok', from: JAN + 5e8, to: MAR + 7e8 }), cold ? (f, t, b) => cold.rowsDescending(tx, f, t, b) : undefined),
  ).rows.map((r) => r.id);
  const sums = [
    [JAN + 1_234_567, MAR + 9_876_543],
    [JAN + 20 * 86_400_000 + 60_000, JAN + 20 * 86_400_000 + 1_800_000],
    [0, 8.64e15],
  ].map(([from, to]) => {
    const s = store.read((tx) => spendSummary(tx, SpendSummaryParams.parse({ from, to, groupBy: 'model' }), 0, 'UTC', { model: null, price: null }, cold));
    return { ...s, costUsd: s.costUsd.toFixed(9), groups: s.groups.map((g) => ({ ...g, costUsd: g.costUsd.toFixed(9) })) };
  });
  return { exported: exported.content, pages, filtered, sums };
}

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'llmr-archive-'));
}

const hotCount = (store: Store): number => Number(store.read((tx) => tx.get('SELECT count(*) AS n FROM requests'))?.n);

test('moving old rows to cold segments changes no answer, before and after a restart', async () => {
  const dir = tempDir();
  try {
    let store = await Store.open({ dir });
    await seed(store);
    const before = answers(store, null);
    let cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    const moved = await cold.moveOlderThan(MAR);
    const older = rows().filter((r) => r.row.ts < MAR);
    assert.equal(moved, older.filter((r) => r.row.experimentId === null).length);
    assert.equal(hotCount(store), 360 - moved);
    assert.notDeepEqual(answers(store, null), before, 'the hot rows alone no longer give the answers');
    assert.deepEqual(answers(store, cold), before);
    // Attempts of moved rows left with them; those of hot rows stayed.
    assert.equal(Number(store.read((tx) => tx.get('SELECT count(*) AS n FROM attempts'))?.n), rows().filter((r) => r.attempts.length > 0 && (r.row.ts >= MAR || r.row.experimentId !== null)).length);
    // Nothing left to move: a second run is a no-op.
    assert.equal(await cold.moveOlderThan(MAR), 0);
    await cold.stop();
    await store.close();
    store = await Store.open({ dir });
    cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    assert.deepEqual(answers(store, cold), before);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a move interrupted between the frame and its commit (crash, refused journal) loses and doubles nothing', async () => {
  const dir = tempDir();
  try {
    let failJournal = false;
    let clock = Date.parse('2026-05-01T00:00:00Z');
    const files = new FaultyFiles({ before: (op) => (failJournal && op === 'appendDurably' ? errno('ENOSPC', 'no space left on device') : null) });
    let store = await Store.open({ dir, files, now: () => clock, log: () => undefined });
    await seed(store);
    const before = answers(store, null);
    let cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { log: () => undefined });
    // The journal refuses the move's commit: the frame was written, the rows must stay hot.
    failJournal = true;
    await assert.rejects(cold.moveOlderThan(MAR), (e: unknown) => e instanceof RouterError && e.code === 'storeUnavailable');
    failJournal = false;
    assert.equal(hotCount(store), 360);
    assert.deepEqual(answers(store, cold), before);
    assert.equal(statSync(cold.segments.pathOf('2026-01')).size, 0, 'the uncommitted frame was cut');

    // A crash right after a frame's fsync: write one as a move would, then stop without committing.
    cold.segments.append('2026-01', undefined, [{ r: { id: 'req_ghost', ts: JAN }, a: [] }]);
    await store.close();
    store = await Store.open({ dir, now: () => clock, log: () => undefined });
    cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { log: () => undefined });
    assert.equal(statSync(cold.segments.pathOf('2026-01')).size, 0, 'start-up cut the uncommitted frame');
    assert.deepEqual(answers(store, cold), before);

    // And the next move completes.
    clock += 2000;
    assert.ok((await cold.moveOlderThan(MAR)) > 0);
    assert.deepEqual(answers(store, cold), before);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a full disk under the segments stops the move with every row still hot; a later run moves them', async () => {
  const dir = tempDir();
  try {
    let full = true;
    const files: SegmentFiles = {
      ...nodeSegmentFiles,
      writeDurably(path, offset, data) {
        if (full) {
          nodeSegmentFiles.writeDurably(path, offset, data.subarray(0, 100));
          throw errno('ENOSPC', 'no space left on device');
        }
        nodeSegmentFiles.writeDurably(path, offset, data);
      },
    };
    const store = await Store.open({ dir });
    await seed(store);
    const before = answers(store, null);
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { files, log: () => undefined });
    await assert.rejects(cold.moveOlderThan(MAR), /ENOSPC/);
    assert.equal(hotCount(store), 360);
    assert.deepEqual(answers(store, cold), before);
    full = false;
    assert.ok((await cold.moveOlderThan(MAR)) > 0);
    assert.deepEqual(answers(store, cold), before);
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a row recorded late, below the watermark, stays hot and is listed in order', async () => {
  const dir = tempDir();
  try {
    const store = await Store.open({ dir });
    await seed(store);
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    await cold.moveOlderThan(MAR);
    const late = { ...(rows()[5] as { row: LedgerRow }).row, id: 'req_late', ts: JAN + 3 * 86_400_000 };
    await store.withWrite((tx) => {
      insertRequest(tx, late, []);
      recordInRollups(tx, late);
    });
    assert.equal(await cold.moveOlderThan(MAR), 0, 'it cannot join a segment without breaking its order');
    const exported = JSON.parse(exportReport((fn) => store.read(fn), ReportExportParams.parse({ format: 'json' }), MAR * 2, cold).content ?? '[]') as LedgerRow[];
    assert.equal(exported.length, 361);
    const keys = exported.map((r) => [r.ts, r.id] as const);
    assert.deepEqual(keys, [...keys].sort((a, b) => a[0] - b[0] || (a[1] < b[1] ? -1 : 1)));
    assert.ok(exported.some((r) => r.id === 'req_late'));
    await store.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('with every row cold, an open-ended list and export still find them', async () => {
  const store = await Store.open({ dir: null });
  const dir = tempDir();
  try {
    await seed(store);
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir));
    await cold.moveOlderThan(Date.parse('2030-01-01T00:00:00Z'));
    assert.equal(hotCount(store), rows().filter((r) => r.row.experimentId !== null).length);
    const page = store.read((tx) => listRequests(tx, SpendRequestsParams.parse({ limit: 20 }), (f, t, b) => cold.rowsDescending(tx, f, t, b)));
    assert.equal(page.rows.length, 20, 'more than the 8 hot experiment rows');
    assert.notEqual(page.nextCursor, null);
    assert.equal(exportReport((fn) => store.read(fn), ReportExportParams.parse({ format: 'csv' }), Date.parse('2030-01-01T00:00:00Z'), cold).rows, 360);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a window of rows that stay hot (an experiment) is passed, and the rows after it still move', async () => {
  const store = await Store.open({ dir: null });
  const dir = tempDir();
  try {
    const base = (rows()[1] as { row: LedgerRow }).row;
    await store.withWrite((tx) => {
      for (let i = 0; i < 20; i++) {
        // Rows 3..12 belong to an experiment: more than a whole batch of them in a row.
        const exp = i >= 3 && i < 13;
        insertRequest(tx, { ...base, id: `req_${String(i).padStart(2, '0')}`, ts: JAN + i * 1000, experimentId: exp ? 'exp_1' : null, arm: exp ? 'a' : null }, []);
      }
    });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { batch: 4 });
    assert.equal(await cold.moveOlderThan(MAR), 10);
    assert.deepEqual(store.read((tx) => tx.all('SELECT id FROM requests ORDER BY id')).map((r) => r.id), Array.from({ length: 10 }, (_, i) => `req_${String(i + 3).padStart(2, '0')}`));
    assert.equal(await cold.moveOlderThan(MAR), 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the hot window is the current and the previous calendar month in the user zone', () => {
  assert.equal(hotCutoff(Date.parse('2026-03-15T12:00:00Z'), 'UTC'), Date.parse('2026-02-01T00:00:00Z'));
  assert.equal(hotCutoff(Date.parse('2026-03-01T03:00:00Z'), 'America/New_York'), Date.parse('2026-01-01T05:00:00Z'));
  assert.equal(monthOf(Date.parse('2026-02-28T23:59:59Z')), '2026-02');
  // Open-ended ranges still name comparable months.
  assert.equal(monthOf(Number.MAX_SAFE_INTEGER), '9999-12');
  assert.equal(monthOf(8.64e15), '9999-12');
});

test('after traffic the hot rows stay within the count bound; every row is still listed, exported and summed once', async () => {
  const store = await Store.open({ dir: null });
  const dir = tempDir();
  try {
    const HOT = 60;
    const BATCH = 10;
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { hotRows: HOT, batch: BATCH });
    // Only the count bounds this window (the age cutoff is far in the past).
    cold.schedule({ ageCutoff: () => 0 });
    const base = (rows()[1] as { row: LedgerRow }).row;
    const now = Date.parse('2026-05-20T00:00:00Z');
    const recorded: LedgerRow[] = [];
    let maxHot = 0;
    for (let i = 0; i < 700; i++) {
      const row: LedgerRow = { ...base, id: `req_${String(i).padStart(4, '0')}`, ts: now + Math.floor(i / 2) * 1000, costUsd: 0.001 * (1 + (i % 3)) };
      await store.withWrite((tx) => {
        insertRequest(tx, row, []);
        recordInRollups(tx, row);
      });
      recorded.push(row);
      cold.noteRecorded();
      if (i % 7 === 0) {
        await cold.idle();
      }
      maxHot = Math.max(maxHot, hotCount(store));
    }
    await cold.idle();
    const hot = hotCount(store);
    assert.ok(hot <= HOT + BATCH, `${hot} rows hot after traffic, bound ${HOT} + a batch of ${BATCH}`);
    assert.ok(maxHot <= HOT + 2 * BATCH, `${maxHot} rows hot at most during traffic`);
    assert.equal(cold.hotCount, hot);
    // The newest rows are the hot ones.
    const hotIds = store.read((tx) => tx.all<{ id: string }>('SELECT id FROM requests ORDER BY ts, id')).map((r) => r.id);
    assert.deepEqual(hotIds, recorded.slice(-hot).map((r) => r.id));
    const exported = JSON.parse(exportReport((fn) => store.read(fn), ReportExportParams.parse({ format: 'json' }), now + 1e9, cold).content ?? '[]') as LedgerRow[];
    assert.deepEqual(exported.map((r) => r.id), recorded.map((r) => r.id));
    const listed: string[] = [];
    let cursor: string | undefined;
    do {
      const page = store.read((tx) => listRequests(tx, SpendRequestsParams.parse({ limit: 50, ...(cursor ? { cursor } : {}) }), (f, t, b) => cold.rowsDescending(tx, f, t, b)));
      listed.push(...page.rows.map((r) => r.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor !== undefined);
    assert.deepEqual(listed, recorded.map((r) => r.id).reverse());
    const sum = store.read((tx) => spendSummary(tx, SpendSummaryParams.parse({ from: now + 1500, to: now + 300_500 }), 0, 'UTC', { model: null, price: null }, cold));
    const expected = recorded.filter((r) => r.ts >= now + 1500 && r.ts < now + 300_500);
    assert.equal(sum.requests, expected.length);
    assert.equal(sum.costUsd.toFixed(9), expected.reduce((a, r) => a + (r.costUsd ?? 0), 0).toFixed(9));
    await cold.stop();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the count bound never moves a row a running request, the team outbox or a reservation still needs', async () => {
  const store = await Store.open({ dir: null });
  const dir = tempDir();
  try {
    const base = (rows()[1] as { row: LedgerRow }).row;
    const now = Date.parse('2026-05-20T00:00:00Z');
    await store.withWrite((tx) => {
      for (let i = 0; i < 100; i++) {
        insertRequest(tx, { ...base, id: `req_${String(i).padStart(3, '0')}`, ts: now + i * 1000 }, []);
      }
      tx.run('INSERT INTO team_outbox (request_id, lease_ids, queued_at) VALUES (?, ?, ?)', ['req_040', '[]', now]);
      tx.run('INSERT INTO reservations (id, request_id, ts, amount_usd, holds) VALUES (?, ?, ?, ?, ?)', ['res_1', 'req_030', now, 0.1, '[]']);
    });
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { hotRows: 10, batch: 5 });
    let running: number | null = now + 20_000;
    const window = { ageCutoff: () => 0, runningSince: () => running };
    // A request running since row 20's time: its row will be recorded with that time.
    assert.equal(cold.cutoff(window), now + 20_000);
    assert.equal(await cold.moveOlderThan(cold.cutoff(window)), 20);
    running = null;
    // Then the reservation (after a crash, reconciliation reads its row), then the outbox.
    assert.equal(cold.cutoff(window), now + 30_000);
    await store.withWrite((tx) => tx.run('DELETE FROM reservations', []));
    assert.equal(cold.cutoff(window), now + 40_000);
    await store.withWrite((tx) => tx.run('DELETE FROM team_outbox', []));
    // Then only the count: the newest 10 (rows 90..99) stay.
    assert.equal(cold.cutoff(window), now + 90_000);
    assert.equal(await cold.moveOlderThan(cold.cutoff(window)), 70);
    assert.equal(hotCount(store), 10);
    // The age bound still moves everything before it whatever the count.
    assert.equal(cold.cutoff({ ageCutoff: () => now + 95_000 }), now + 95_000);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a cold row is found by its id alone (ids carry their time); an id newer than the watermark reads no segment', async () => {
  const store = await Store.open({ dir: null });
  const dir = tempDir();
  try {
    const base = (rows()[1] as { row: LedgerRow }).row;
    // Ids as the daemon makes them: a row's own (made at its start), and one route/estimate made
    // on the last evening of January that ran the next morning, in February's segment.
    const made = Date.parse('2026-01-31T23:59:58Z');
    const planned = { ...base, id: newRequestId(made), ts: made + 3_000 };
    const natural = Array.from({ length: 60 }, (_, i) => ({ ...base, id: newRequestId(JAN + i * 36 * 3_600_000), ts: JAN + i * 36 * 3_600_000 }));
    await store.withWrite((tx) => {
      for (const r of [...natural, planned]) {
        insertRequest(tx, r, []);
      }
    });
    let reads = 0;
    const counting: SegmentFiles = { ...nodeSegmentFiles, readAt: (p, o, l) => ((reads += 1), nodeSegmentFiles.readAt(p, o, l)) };
    const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { batch: 7, files: counting });
    const cutoff = JAN + 50 * 36 * 3_600_000;
    assert.equal(await cold.moveOlderThan(cutoff), 51);
    const coldOnes = [...natural.filter((r) => r.ts < cutoff), planned];
    for (const r of coldOnes) {
      assert.equal(store.read((tx) => getRequest(tx, r.id)), undefined, 'the row left the hot store');
      assert.deepEqual(store.read((tx) => cold.findById(tx, r.id))?.row, store.read((tx) => cold.find(tx, r.id, r.ts))?.row ?? null, r.id);
      assert.equal(store.read((tx) => cold.findById(tx, r.id))?.row.ts, r.ts);
    }
    // Many at once: one forward read from the oldest id's time, which stops once all are found.
    reads = 0;
    const many = store.read((tx) => cold.findByIds(tx, [...coldOnes.map((r) => r.id), 'r1']));
    assert.deepEqual([...many.values()].map((c) => [c.row.id, c.row.ts]).sort(), coldOnes.map((r) => [r.id, r.ts]).sort());
    const oneRead = reads;
    reads = 0;
    store.read((tx) => cold.findById(tx, (coldOnes[coldOnes.length - 2] as LedgerRow).id));
    assert.ok(reads <= oneRead, `${oneRead} reads for every id, ${reads} for the last one alone`);
    // A hot row, an id made after every cold row, and an id that carries no time: no segment read.
    reads = 0;
    const hotOne = natural[55] as LedgerRow;
    assert.equal(store.read((tx) => cold.findById(tx, hotOne.id)), null);
    assert.equal(store.read((tx) => cold.findById(tx, newRequestId(cutoff + 1))), null);
    assert.equal(store.read((tx) => cold.findById(tx, 'r1')), null);
    assert.equal(reads, 0, 'nothing read for ids the watermark rules out');
    // An old id no row carries: read from its time up to the watermark, and not found.
    assert.equal(store.read((tx) => cold.findById(tx, newRequestId(JAN + 5))), null);
    assert.ok(reads > 0);
    assert.equal(timeOfRequestId(newRequestId(made)), made);
    assert.equal(timeOfRequestId('req_0001'), null);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
