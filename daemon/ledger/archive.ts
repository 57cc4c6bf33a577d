// The ledger's cold history. The hot sql.js store keeps the rows of the current and the previous
// calendar month (budgets, the dashboard's lists, experiments) plus the rollups, which answer
// every total and series for any range; older request rows are moved, oldest first, into monthly
// cold segments (store/coldSegments.ts) that exports and request lists read on demand. So the
// daemon's memory follows two months of traffic, not its whole history.
//
// Order: rows are moved in (ts, id) order behind a watermark, so every segment is sorted and
// every cold row sorts before the watermark. A row that is still hot below the watermark (one
// that belongs to an experiment, which stays hot for its analysis, or one recorded late) stays
// hot for good; readers merge hot and cold rows by (ts, id), so nothing is listed twice or out of
// order.
//
// Durability: see coldSegments.ts. A batch's frame is fsynced before the hot transaction that
// deletes its rows and records the segment's committed length and the watermark; that transaction
// is journaled like any other write.
import { join } from 'node:path';
import type { LedgerRow } from '../protocol/ledger';
import type { ReadTx, Row, SqlValue, Store, StoreLog, WriteTx } from '../store/database';
import { ColdSegments, nodeSegmentFiles, type SegmentFiles, type SegmentState } from '../store/coldSegments';
import { periodStart } from './periods';
import { rowFromDb } from './requests';
import { compareKeys, type RowKey } from './rowOrder';

/** The last instant whose ISO year has four digits, so month names compare as strings. */
const MAX_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const SEGMENTS_KEY = 'cold.segments';
const WATERMARK_KEY = 'cold.watermark';
/** Rows per frame: about 100 kB compressed, a few hundred kB while a reader holds it. */
export const MOVE_BATCH = 2000;
const FIRST_MOVE_AFTER_MS = 60_000;
const MOVE_EVERY_MS = 6 * 3_600_000;

type Key = RowKey;

export interface ColdState {
  segments: Map<string, SegmentState>;
  /** Every cold row sorts at or before this key; null while nothing is cold. */
  watermark: Key | null;
}

/** What a segment frame holds per request: the row and its attempts, as stored. */
interface ColdRecord {
  r: Row;
  a: Row[];
}

/** The UTC month a row's segment is named by. */
export function monthOf(ts: number): string {
  return new Date(Math.max(0, Math.min(ts, MAX_DATE))).toISOString().slice(0, 7);
}

/** Rows before the start of the previous calendar month in `zone` are cold. */
export function hotCutoff(now: number, zone: string): number {
  return periodStart(periodStart(now, 'month', zone) - 1, 'month', zone);
}

function keyOf(r: Row): Key {
  return { ts: Number(r.ts), id: String(r.id) };
}

export function readColdState(tx: ReadTx): ColdState {
  const segments = new Map<string, SegmentState>();
  const s = tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [SEGMENTS_KEY]);
  if (s) {
    for (const [month, v] of Object.entries(JSON.parse(s.value) as Record<string, SegmentState>)) {
      segments.set(month, v);
    }
  }
  const w = tx.get<{ value: string }>('SELECT value FROM settings WHERE key = ?', [WATERMARK_KEY]);
  const watermark = w ? (JSON.parse(w.value) as Key) : null;
  return { segments, watermark };
}

const SET = 'INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value';
// `+experiment_id`: without statistics SQLite takes `experiment_id IS NULL` for the more selective
// term and searched the experiment index, where nearly every row is NULL: each batch then read
// the whole hot table (a 1M-row ledger moved about 1,000 rows/s). The unary plus keeps every
// batch on the `ts` index.
const MOVABLE = 'ts < ? AND +experiment_id IS NULL';

export interface ColdLedgerOptions {
  files?: SegmentFiles;
  log?: StoreLog;
  /** Rows per frame (default MOVE_BATCH; the crash harness uses small frames to cut more often). */
  batch?: number;
}

export class ColdLedger {
  private moving: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;

  private constructor(
    private readonly store: Store,
    readonly segments: ColdSegments,
    private readonly log: StoreLog,
    private readonly batch: number,
  ) {}

  /** Opens the segments in `dir` and cuts any frame a crash left uncommitted. */
  static open(store: Store, dir: string, options: ColdLedgerOptions = {}): ColdLedger {
    const log = options.log ?? ((level, message) => (level === 'error' ? console.error : console.warn)(`[ledger] ${message}`));
    const segments = new ColdSegments(dir, options.files ?? nodeSegmentFiles, log);
    segments.reconcile(store.read(readColdState).segments);
    return new ColdLedger(store, segments, log, options.batch ?? MOVE_BATCH);
  }

  /** The segments folder beside a store's files. */
  static dirIn(storeDir: string): string {
    return join(storeDir, 'ledger-cold');
  }

  /**
   * Moves every movable row older than `cutoff` to its segment, a batch per frame, oldest first.
   * Resolves with how many moved. A failure (disk full) stops the run with the rows still hot;
   * the next run retries. Runs never overlap.
   */
  moveOlderThan(cutoff: number): Promise<number> {
    this.moving ??= this.moveAll(cutoff).finally(() => {
      this.moving = null;
    });
    return this.moving;
  }

  /** First run a minute after start, then every six hours; `cutoff` is asked at each run. */
  schedule(cutoff: () => number): void {
    const run = (): void => {
      this.timer = null;
      void this.moveOlderThan(cutoff())
        .catch((e: unknown) => this.log('error', `moving old ledger rows to cold segments failed: ${(e as Error).message}; retrying later`))
        .finally(() => {
          if (!this.stopped) {
            this.timer = setTimeout(run, MOVE_EVERY_MS);
            this.timer.unref();
          }
        });
    };
    this.timer = setTimeout(run, FIRST_MOVE_AFTER_MS);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.moving?.catch(() => undefined);
  }

  private async moveAll(cutoff: number): Promise<number> {
    let moved = 0;
    for (;;) {
      if (this.stopped) {
        return moved;
      }
      const step = await this.moveBatch(cutoff);
      if (step === 'done') {
        if (moved > 0) {
          // Hand the freed pages back (memory and snapshot size) when the move freed most of them.
          await this.store.compact();
        }
        return moved;
      }
      moved += step;
      // Let requests in between batches.
      await new Promise((r) => setImmediate(r));
    }
  }

  /**
   * Moves the next batch: whole timestamps from the watermark's up to the batch-th row, cut at the
   * first row's month. Every query is a range on the `ts` index (no scan of the whole table per
   * batch). Resolves with the rows moved (0 when the window held only rows that stay hot, whose
   * window the watermark then passes), or 'done'.
   */
  private async moveBatch(cutoff: number): Promise<number | 'done'> {
    this.store.checkWritable();
    const plan = this.store.read((tx) => {
      const st = readColdState(tx);
      const w = st.watermark;
      const fromTs = w?.ts ?? Number.MIN_SAFE_INTEGER;
      const nth = tx.get('SELECT ts FROM requests WHERE ts >= ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?', [fromTs, cutoff, this.batch - 1]);
      const hiTs = nth === undefined ? cutoff - 1 : Number(nth.ts);
      const candidates = tx
        .all(`SELECT * FROM requests WHERE ts >= ? AND ts <= ? AND ${MOVABLE} ORDER BY ts, id`, [fromTs, hiTs, cutoff])
        .filter((r) => w === null || compareKeys(keyOf(r), w) > 0);
      const first = candidates[0];
      if (first === undefined) {
        return { state: st, rows: [] as Row[], attempts: [] as Row[], hiTs, more: nth !== undefined };
      }
      // One month per frame: the prefix in the first row's month (a timestamp never spans two).
      const month = monthOf(Number(first.ts));
      const rows = candidates.filter((r) => monthOf(Number(r.ts)) === month);
      const lastTs = Number((rows[rows.length - 1] as Row).ts);
      const ids = new Set(rows.map((r) => String(r.id)));
      const attempts = tx
        .all(`SELECT a.* FROM requests r JOIN attempts a ON a.request_id = r.id WHERE r.ts >= ? AND r.ts <= ? ORDER BY a.request_id, a.n`, [fromTs, lastTs])
        .filter((a) => ids.has(String(a.request_id)));
      return { state: st, rows, attempts, hiTs: lastTs, more: true };
    });
    const { state, rows, attempts } = plan;
    const w = state.watermark;
    const sameWatermark = (tx: WriteTx): void => {
      const now = readColdState(tx).watermark;
      if ((now?.ts ?? null) !== (w?.ts ?? null) || (now?.id ?? null) !== (w?.id ?? null)) {
        throw new Error('another move committed meanwhile');
      }
    };
    const first = rows[0];
    const last = rows[rows.length - 1];
    if (first === undefined || last === undefined) {
      if (!plan.more) {
        return 'done';
      }
      // A window of rows that stay hot (experiments, late rows below the watermark): pass it.
      await this.store.withWrite((tx) => {
        sameWatermark(tx);
        tx.run(SET, [WATERMARK_KEY, JSON.stringify({ ts: plan.hiTs, id: '\uffff' })]);
      });
      return 0;
    }
    const byRequest = new Map<string, Row[]>();
    for (const a of attempts) {
      const id = String(a.request_id);
      const list = byRequest.get(id) ?? [];
      list.push(a);
      byRequest.set(id, list);
    }
    const records: ColdRecord[] = rows.map((r) => ({ r, a: byRequest.get(String(r.id)) ?? [] }));
    const month = monthOf(Number(first.ts));
    const before = state.segments.get(month);
    const after = this.segments.append(month, before, records);
    const segments = Object.fromEntries(state.segments);
    segments[month] = after;
    const hi = keyOf(last);
    // Exactly the frame's rows: movable, after the old watermark, up to the last row's timestamp.
    const inRange = `ts >= ? AND ts <= ? AND ${MOVABLE} AND NOT (ts = ? AND id <= ?)`;
    const range: SqlValue[] = [w?.ts ?? Number.MIN_SAFE_INTEGER, hi.ts, cutoff, w?.ts ?? Number.MIN_SAFE_INTEGER, w?.id ?? ''];
    try {
      await this.store.withWrite((tx) => {
        sameWatermark(tx);
        tx.run(`DELETE FROM attempts WHERE request_id IN (SELECT id FROM requests WHERE ${inRange})`, range);
        const { changes } = tx.run(`DELETE FROM requests WHERE ${inRange}`, range);
        if (changes !== rows.length) {
          // Rows changed between the read and this write: move nothing, try again next time.
          throw new Error(`expected to move ${rows.length} rows but ${changes} matched`);
        }
        tx.run(SET, [SEGMENTS_KEY, JSON.stringify(segments)]);
        tx.run(SET, [WATERMARK_KEY, JSON.stringify(hi)]);
      });
    } catch (e) {
      // Not committed: the frame does not exist for readers; cut it so the file stays tidy.
      this.segments.discardAfter(month, before?.bytes ?? 0);
      throw e;
    }
    return rows.length;
  }

  /** Cold rows in [from, to), oldest first (segments are sorted). */
  *rowsAscending(tx: ReadTx, from: number, to: number): Generator<LedgerRow> {
    const state = readColdState(tx);
    const months = [...state.segments.keys()].filter((m) => m >= monthOf(from) && m <= monthOf(Math.max(from, to - 1))).sort();
    for (const month of months) {
      for (const frame of this.segments.frames(month, state.segments.get(month) as SegmentState, 'forward')) {
        for (const rec of frame as ColdRecord[]) {
          const ts = Number(rec.r.ts);
          if (ts >= to) {
            return;
          }
          if (ts >= from) {
            yield rowFromDb(rec.r);
          }
        }
      }
    }
  }

  /** Cold rows newest first, strictly before `before` when given, in [from, to). */
  *rowsDescending(tx: ReadTx, from: number, to: number, before: Key | null): Generator<LedgerRow> {
    const state = readColdState(tx);
    const upper = before === null ? to : Math.min(to, before.ts + 1);
    if (upper <= from) {
      return;
    }
    const months = [...state.segments.keys()].filter((m) => m >= monthOf(from) && m <= monthOf(upper - 1)).sort().reverse();
    for (const month of months) {
      for (const frame of this.segments.frames(month, state.segments.get(month) as SegmentState, 'backward')) {
        for (const rec of frame as ColdRecord[]) {
          const key = { ts: Number(rec.r.ts), id: String(rec.r.id) };
          if (key.ts < from) {
            return;
          }
          if (key.ts < to && (before === null || compareKeys(key, before) < 0)) {
            yield rowFromDb(rec.r);
          }
        }
      }
    }
  }
}
