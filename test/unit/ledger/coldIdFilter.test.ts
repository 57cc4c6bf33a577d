// The cold segments' id filters (store/idFilter.ts, the `.ids` files of store/coldSegments.ts): a
// lookup by id reads only the frames that may hold the id, and a filter file that is missing, torn,
// corrupt or belongs to other frames never hides a row: those frames are read as without filters.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../../daemon/store/database';
import { ColdLedger, readColdState } from '../../../daemon/ledger/archive';
import { getRequest, insertRequest } from '../../../daemon/ledger/requests';
import type { LedgerRow } from '../../../daemon/protocol/ledger';
import { nodeSegmentFiles, type SegmentFiles, type SegmentState } from '../../../daemon/store/coldSegments';
import { filterMayHold, idFilterOf, probeOf } from '../../../daemon/store/idFilter';

const JAN = Date.parse('2026-01-01T00:00:00Z');
const FEB = Date.parse('2026-02-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');
const HOUR = 3_600_000;

/** An id as newRequestId makes it, with a fixed tail so every run probes the same bits. */
const idAt = (t: number, n: number): string => `req_${t.toString(36).padStart(9, '0')}${n.toString(36).padStart(12, '0')}`;

function row(id: string, ts: number): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: null, workspace: '/w', endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4o-mini',
    provider: 'p', policy: null, strategy: 'prior', taskType: 'chat', reason: 'r', stream: false, tokensIn: 10, tokensOut: 5, tokensCached: 0,
    tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.001, costState: 'known', latencyMs: 100, ttftMs: null, status: 'ok', errorCode: null,
    fallbacks: [], experimentId: null, arm: null,
  };
}

/** 200 rows over January and February, one every 7 hours, and one made in January recorded in February. */
function ledgerRows(): LedgerRow[] {
  const out = Array.from({ length: 200 }, (_, i) => row(idAt(JAN + i * 7 * HOUR, i), JAN + i * 7 * HOUR)).filter((r) => r.ts < MAR);
  out.push(row(idAt(JAN + 30 * HOUR, 9_999), FEB + 100 * HOUR));
  return out;
}

/** Counts the payload reads of segment frames (a header is 8 bytes; a filter file ends in `.ids`). */
function counting(): { files: SegmentFiles; frames: () => number; reset: () => void } {
  let frames = 0;
  return {
    files: { ...nodeSegmentFiles, readAt: (p, o, l) => ((frames += p.endsWith('.seg') && l > 8 ? 1 : 0), nodeSegmentFiles.readAt(p, o, l)) },
    frames: () => frames,
    reset: () => {
      frames = 0;
    },
  };
}

async function coldLedger(dir: string, files: SegmentFiles, log?: (level: string, message: string) => void): Promise<{ store: Store; cold: ColdLedger; rows: LedgerRow[] }> {
  const store = await Store.open({ dir: null });
  const rows = ledgerRows();
  await store.withWrite((tx) => {
    for (const r of rows) {
      insertRequest(tx, r, []);
    }
  });
  const cold = ColdLedger.open(store, ColdLedger.dirIn(dir), { batch: 10, files, ...(log ? { log } : {}) });
  assert.equal(await cold.moveOlderThan(MAR), rows.length);
  assert.equal(store.read((tx) => getRequest(tx, rows[0]?.id as string)), undefined);
  return { store, cold, rows };
}

function segmentsOf(store: Store): [string, SegmentState][] {
  return [...store.read(readColdState).segments].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Every row is found by its id (alone, all at once, and with its ts); ids no row has are not. */
function assertEveryRowFound(store: Store, cold: ColdLedger, rows: readonly LedgerRow[]): void {
  for (const r of rows) {
    assert.equal(store.read((tx) => cold.findById(tx, r.id))?.row.ts, r.ts, r.id);
    // By id and ts (request/decision with ts): found at its ts only.
    assert.equal(store.read((tx) => cold.find(tx, r.id, r.ts))?.row.id, r.id, r.id);
    assert.equal(store.read((tx) => cold.find(tx, r.id, r.ts + 1)), null, r.id);
  }
  const many = store.read((tx) => cold.findByIds(tx, rows.map((r) => r.id)));
  assert.deepEqual([...many.keys()].sort(), rows.map((r) => r.id).sort());
  assert.equal(store.read((tx) => cold.findById(tx, idAt(JAN + 1, 77_777))), null);
  assert.equal(store.read((tx) => cold.findById(tx, idAt(FEB + 1, 77_778))), null);
}

function withDir(fn: (dir: string) => Promise<void>): () => Promise<void> {
  return async () => {
    const dir = mkdtempSync(join(tmpdir(), 'llmr-idfilter-'));
    try {
      await fn(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
}

test('an id filter holds every id it was made of, and rules out nearly every other', () => {
  const ids = Array.from({ length: 1000 }, (_, i) => idAt(JAN + i * 1000, i));
  const bits = idFilterOf(ids);
  assert.equal(bits.byteLength, 2000);
  assert.ok(ids.every((id) => filterMayHold(bits, probeOf(id))));
  const others = Array.from({ length: 100_000 }, (_, i) => idAt(JAN + i * 997, 1_000_000 + i));
  const wrong = others.filter((id) => filterMayHold(bits, probeOf(id))).length;
  assert.ok(wrong < 200, `${wrong} of 100,000 other ids not ruled out`);
  // An empty frame's filter rules everything out; a filter of no bits rules nothing out.
  assert.equal(filterMayHold(idFilterOf([]), probeOf(ids[0] as string)), false);
  assert.equal(filterMayHold(new Uint8Array(0), probeOf(ids[0] as string)), true);
});

test(
  'with filters a lookup by id reads only the frame holding the row, and no frame for an id no row has',
  withDir(async (dir) => {
    const c = counting();
    const { store, cold, rows } = await coldLedger(dir, c.files);
    for (const [month, s] of segmentsOf(store)) {
      assert.equal(cold.segments.filteredFrames(month, s), Math.ceil(s.records / 10), `every frame of ${month} has a filter`);
    }
    assertEveryRowFound(store, cold, rows);
    for (const r of rows) {
      c.reset();
      store.read((tx) => cold.findById(tx, r.id));
      assert.equal(c.frames(), 1, `one frame read for ${r.id}`);
    }
    c.reset();
    assert.equal(store.read((tx) => cold.findById(tx, idAt(JAN + 1, 77_777))), null);
    assert.equal(c.frames(), 0, 'an id no row has reads no frame');
  }),
);

test(
  'a missing, torn, corrupt or foreign filter file hides no row, and the background pass rewrites it',
  withDir(async (dir) => {
    const c = counting();
    const { store, cold, rows } = await coldLedger(dir, c.files);
    const [[jan, janState], [feb, febState]] = segmentsOf(store) as [[string, SegmentState], [string, SegmentState]];
    const janIds = cold.segments.filterPathOf(jan);
    const febIds = cold.segments.filterPathOf(feb);
    const good = readFileSync(janIds);
    // After the magic, each entry is its body's length, a checksum, and the body.
    const secondEntry = 8 + 8 + good.readUInt32LE(8);
    const thirdEntry = secondEntry + 8 + good.readUInt32LE(secondEntry);
    const damage: [string, () => void][] = [
      ['missing', () => unlinkSync(janIds)],
      ['torn in its third entry', () => truncateSync(janIds, thirdEntry + 20)],
      ['a flipped bit in a filter', () => writeFileSync(janIds, Buffer.from(good.map((b, i) => (i === good.byteLength - 3 ? b ^ 0x10 : b))))],
      ['a flipped bit in an entry’s frame offset', () => writeFileSync(janIds, Buffer.from(good.map((b, i) => (i === 8 + 8 + 2 ? b ^ 0x01 : b))))],
      ['another segment’s', () => copyFileSync(febIds, janIds)],
      ['not a filter file', () => writeFileSync(janIds, 'garbage that is not a filter file')],
      ['empty', () => writeFileSync(janIds, '')],
    ];
    for (const [name, harm] of damage) {
      harm();
      const covered = cold.segments.filteredFrames(jan, janState);
      assert.ok(covered < Math.ceil(janState.records / 10), `${name}: some frames lost their filter`);
      assertEveryRowFound(store, cold, rows);
      // An id no row has now reads January's frames that lost their filter (and those the binary
      // search for the id's time reads), none of February's.
      const frames = Math.ceil(janState.records / 10);
      c.reset();
      assert.equal(store.read((tx) => cold.findById(tx, idAt(JAN + 1, 77_777))), null);
      assert.ok(c.frames() >= frames - covered && c.frames() <= frames - covered + Math.ceil(Math.log2(frames)) + 1, `${name}: ${c.frames()} frames read`);
      // The background pass covers them again; February's filters were never touched.
      assert.ok((await cold.indexFilters()) > 0, name);
      assert.equal(cold.segments.filteredFrames(jan, janState), Math.ceil(janState.records / 10), name);
      assert.equal(cold.segments.filteredFrames(feb, febState), Math.ceil(febState.records / 10), name);
      assertEveryRowFound(store, cold, rows);
      writeFileSync(janIds, good);
    }
  }),
);

test(
  'a filter that cannot be written fails nothing: the move commits, lookups read the frames, the background pass writes it later',
  withDir(async (dir) => {
    let refuse = true;
    const logged: string[] = [];
    const files: SegmentFiles = {
      ...nodeSegmentFiles,
      writeDurably: (p, o, d) => {
        if (refuse && p.endsWith('.ids')) {
          throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
        }
        nodeSegmentFiles.writeDurably(p, o, d);
      },
    };
    const { store, cold, rows } = await coldLedger(dir, files, (_l, m) => logged.push(m));
    assert.ok(logged.some((m) => /could not write the id filter/.test(m)));
    for (const [month, s] of segmentsOf(store)) {
      assert.equal(cold.segments.filteredFrames(month, s), 0);
      assert.equal(existsSync(cold.segments.filterPathOf(month)), false);
    }
    assertEveryRowFound(store, cold, rows);
    // Still refused: the pass stops and says so; the segments are as they were.
    assert.equal(await cold.indexFilters(), 0);
    refuse = false;
    const frames = segmentsOf(store).reduce((n, [, s]) => n + Math.ceil(s.records / 10), 0);
    assert.equal(await cold.indexFilters(), frames);
    assert.equal(await cold.indexFilters(), 0, 'nothing left to cover');
    assertEveryRowFound(store, cold, rows);
  }),
);

test(
  'filters of frames a crash left uncommitted never count: the store’s committed length decides',
  withDir(async (dir) => {
    const { store, cold, rows } = await coldLedger(dir, nodeSegmentFiles);
    const [[jan, janState]] = segmentsOf(store) as [[string, SegmentState]];
    // A reader holding an older committed state (one frame less) ignores the last frame's filter.
    assert.equal(statSync(cold.segments.pathOf(jan)).size, janState.bytes);
    const frames = Math.ceil(janState.records / 10);
    const older = [...cold.segments.frames(jan, janState, 'forward')].slice(0, -1).reduce((n, f) => n + f.length, 0);
    assert.ok(older > 0);
    // The filter file also holds the last frame's entry; the shorter committed state covers one frame less.
    const withoutLast: SegmentState = { bytes: offsetOfLastFrame(cold, jan, janState), records: older };
    assert.equal(cold.segments.filteredFrames(jan, withoutLast), frames - 1);
    assertEveryRowFound(store, cold, rows);
  }),
);

/** The byte offset of a segment's last committed frame (its headers walked from the start). */
function offsetOfLastFrame(cold: ColdLedger, month: string, s: SegmentState): number {
  const path = cold.segments.pathOf(month);
  let offset = 0;
  let last = 0;
  while (offset < s.bytes) {
    last = offset;
    offset += 8 + nodeSegmentFiles.readAt(path, offset, 8).readUInt32LE(0);
  }
  return last;
}
