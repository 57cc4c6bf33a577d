// Looking a request up in the cold ledger (daemon/ledger/archive.ts) by id: two months of 60,000
// rows each (60 frames a month), side by side in one run, interleaved rounds:
//   main        the lookup before id filters, kept here as it was: forward from the id's time (a
//               binary search over the frames of its month) up to the row or the newest cold row
//   no filter   ColdLedger.findById over the same segments without their `.ids` files (a segment
//               written before filters existed, until the background pass has covered it)
//   filter      ColdLedger.findById with each frame's id filter
// Cases: a row by id and its ts (request/decision with ts), rows at the start, middle and end of the first month and in the second, a row recorded a
// month after its id was made (a route/estimate id sent late), an old id that no row has (every
// frame from its month on could hold it), and an id newer than every cold row (reads nothing).
// Median CPU ms per lookup (process.cpuUsage); also the background pass that writes the filters of
// segments that have none. Run with `npm run bench cold-lookup` (ROWS=… rows a month).
import { cpSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store, type ReadTx } from '../daemon/store/database';
import { ColdLedger, monthOf, readColdState } from '../daemon/ledger/archive';
import { insertRequest } from '../daemon/ledger/requests';
import { newRequestId, timeOfRequestId } from '../daemon/pipeline/turn';
import type { LedgerRow } from '../daemon/protocol/ledger';
import type { SegmentState } from '../daemon/store/coldSegments';

const ROWS = Number(process.env.ROWS ?? 60_000);
const ROUNDS = 5;
const JAN = Date.parse('2026-01-01T00:00:00Z');
const FEB = Date.parse('2026-02-01T00:00:00Z');
const MAR = Date.parse('2026-03-01T00:00:00Z');

function cpuMs(f: () => unknown): number {
  const t = process.cpuUsage();
  f();
  const d = process.cpuUsage(t);
  return (d.user + d.system) / 1000;
}

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number;

type Rec = { r: { id: string; ts: number } };

/** main's ColdLedger.find (before id filters): the frames of the row's month from a binary search for its ts. */
function mainFind(tx: ReadTx, cold: ColdLedger, id: string, ts: number): Rec | null {
  const month = monthOf(ts);
  const segment = readColdState(tx).segments.get(month);
  if (segment === undefined) {
    return null;
  }
  for (const frame of cold.segments.framesFrom(month, segment, (rec) => (rec as Rec).r.ts < ts)) {
    for (const rec of frame as Rec[]) {
      if (rec.r.ts > ts) {
        return null;
      }
      if (rec.r.ts === ts && rec.r.id === id) {
        return rec;
      }
    }
  }
  return null;
}

/** main's ColdLedger.findById (before id filters), over the same segments' public readers. */
function mainFindById(tx: ReadTx, cold: ColdLedger, id: string): Rec | null {
  const { segments, watermark } = readColdState(tx);
  const made = timeOfRequestId(id);
  if (watermark === null || made === null || made > watermark.ts) {
    return null;
  }
  const to = watermark.ts + 1;
  const months = [...segments.keys()].filter((m) => m >= monthOf(made) && m <= monthOf(to - 1)).sort();
  for (const month of months) {
    const segment = segments.get(month) as SegmentState;
    const frames = month === monthOf(made) ? cold.segments.framesFrom(month, segment, (rec) => (rec as Rec).r.ts < made) : cold.segments.frames(month, segment, 'forward');
    for (const frame of frames) {
      for (const rec of frame as Rec[]) {
        if (rec.r.ts >= to) {
          return null;
        }
        if (rec.r.ts >= made && rec.r.id === id) {
          return rec;
        }
      }
    }
  }
  return null;
}

function ledgerRow(id: string, ts: number): LedgerRow {
  return {
    id, ts, clientKind: 'script', clientName: null, workspace: '/w', endpoint: 'chat.completions', requestedModel: 'auto', model: 'gpt-4.1-mini',
    provider: 'openai', policy: null, strategy: 'learned', taskType: 'chat', reason: 'routed by the learned strategy for chat', stream: false,
    tokensIn: 500, tokensOut: 200, tokensCached: 0, tokensReasoning: 0, estimatedCostUsd: 0.001, costUsd: 0.001, costState: 'known', latencyMs: 900,
    ttftMs: 300, status: 'ok', errorCode: null, fallbacks: [], experimentId: null, arm: null,
  };
}

function filesEnding(dir: string, ext: string): { count: number; bytes: number } {
  const names = readdirSync(dir).filter((n) => n.endsWith(ext));
  return { count: names.length, bytes: names.reduce((sum, n) => sum + statSync(join(dir, n)).size, 0) };
}

async function main(): Promise<void> {
  const store = await Store.open({ dir: null });
  const dir = mkdtempSync(join(tmpdir(), 'bench-cold-lookup-'));
  try {
    const rows: { id: string; ts: number }[] = [];
    for (const [start, end] of [[JAN, FEB], [FEB, MAR]] as const) {
      const step = (end - start) / ROWS;
      for (let i = 0; i < ROWS; i++) {
        const ts = Math.floor(start + i * step);
        rows.push({ id: newRequestId(ts), ts });
      }
    }
    // An id made on January 2nd whose row was recorded on February 10th (a plan sent late).
    const late = { id: newRequestId(JAN + 86_400_000 + 7), ts: FEB + 9 * 86_400_000 + 1 };
    await store.withWrite((tx) => {
      for (const r of [...rows, late]) {
        const row = ledgerRow(r.id, r.ts);
        insertRequest(tx, row, [{ n: 1, ts: r.ts, model: row.model, provider: row.provider, status: 'ok', errorCode: null, latencyMs: 900 }]);
      }
    });
    const withFilters = ColdLedger.dirIn(dir);
    const cold = ColdLedger.open(store, withFilters);
    const moved = await cold.moveOlderThan(MAR);
    // The same segments without their filters, as a daemon finds those written before filters.
    const bare = join(dir, 'bare');
    cpSync(withFilters, bare, { recursive: true, filter: (p) => !p.endsWith('.ids') });
    const coldBare = ColdLedger.open(store, bare);
    const at = (i: number): { id: string; ts: number } => rows[i] as { id: string; ts: number };
    const cases: [string, string, boolean, number?][] = [
      ['mid-January row, by id and ts', at(ROWS / 2).id, true, at(ROWS / 2).ts],
      ['first row of January', at(0).id, true],
      ['mid-January row', at(ROWS / 2).id, true],
      ['last row of January', at(ROWS - 1).id, true],
      ['mid-February row', at(ROWS + ROWS / 2).id, true],
      ['id of Jan 2nd, row of Feb 10th', late.id, true],
      ['no such row, id of Jan 1st', newRequestId(JAN + 1), false],
      ['no such row, id of Feb 1st', newRequestId(FEB + 1), false],
      ['id newer than every cold row', newRequestId(MAR + 1), false],
    ];
    const variants: [string, (id: string, ts?: number) => unknown][] = [
      ['main', (id, ts) => store.read((tx) => (ts === undefined ? mainFindById(tx, cold, id) : mainFind(tx, cold, id, ts)))],
      ['no filter', (id, ts) => store.read((tx) => (ts === undefined ? coldBare.findById(tx, id) : coldBare.find(tx, id, ts)))],
      ['filter', (id, ts) => store.read((tx) => (ts === undefined ? cold.findById(tx, id) : cold.find(tx, id, ts)))],
    ];
    // Every variant finds exactly the rows that exist.
    for (const [name, id, present, ts] of cases) {
      for (const [variant, f] of variants) {
        const got = f(id, ts) as { row?: { id: string }; r?: { id: string } } | null;
        if ((got !== null) !== present || (got !== null && (got.row ?? got.r)?.id !== id)) {
          throw new Error(`${variant}: ${name}: expected ${present ? 'the row' : 'nothing'}`);
        }
      }
    }
    const loadBefore = loadavg();
    const times = new Map<string, number[]>();
    for (let round = 0; round < ROUNDS; round++) {
      for (const [name, id, , ts] of cases) {
        for (const [variant, f] of variants) {
          const key = `${name}\u0000${variant}`;
          const list = times.get(key) ?? [];
          list.push(cpuMs(() => f(id, ts)));
          times.set(key, list);
        }
      }
    }
    const seg = filesEnding(withFilters, '.seg');
    const ids = filesEnding(withFilters, '.ids');
    const frames = [...store.read(readColdState).segments].reduce((n, [month, s]) => n + cold.segments.filteredFrames(month, s), 0);
    console.log(`cold lookups by id: ${moved} rows in ${seg.count} segments (${(seg.bytes / 1e6).toFixed(1)} MB, ${frames} frames with a filter), id filters ${(ids.bytes / 1e3).toFixed(0)} kB; ${ROUNDS} rounds, median CPU ms per lookup`);
    console.log(`load average before the rounds ${loadBefore.map((x) => x.toFixed(2)).join(' ')}, after ${loadavg().map((x) => x.toFixed(2)).join(' ')} (2 cores)`);
    console.log(`  ${'case'.padEnd(34)} ${variants.map(([v]) => v.padStart(10)).join(' ')}`);
    for (const [name] of cases) {
      console.log(`  ${name.padEnd(34)} ${variants.map(([v]) => median(times.get(`${name}\u0000${v}`) ?? []).toFixed(1).padStart(10)).join(' ')}`);
    }
    // The background pass over segments without filters: one frame per step, the event loop let in between.
    const t = process.cpuUsage();
    const started = Date.now();
    const covered = await coldBare.indexFilters();
    const d = process.cpuUsage(t);
    const after = median(Array.from({ length: ROUNDS }, () => cpuMs(() => store.read((tx) => coldBare.findById(tx, newRequestId(JAN + 1))))));
    console.log(`  background pass: ${covered} frames filtered in ${((d.user + d.system) / 1000).toFixed(0)} ms CPU (${Date.now() - started} ms wall, ${((d.user + d.system) / 1000 / Math.max(1, covered)).toFixed(1)} ms per step); then no such row, id of Jan 1st: ${after.toFixed(1)} ms`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

void main();
