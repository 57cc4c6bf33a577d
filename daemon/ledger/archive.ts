// The ledger's cold history. The hot sql.js store keeps the newest request rows (HOT_ROWS, config
// `ledger.hotRows`), never older than the start of the previous calendar month, plus the rollups,
// which answer every total, series and budget backfill for any range; older request rows are
// moved, oldest first, into monthly cold segments (store/coldSegments.ts) that exports, request
// lists, decision details and lookups by request id (findById) read on demand. So the daemon's memory is bounded by a row count, not
// by its traffic or its history. Rows that must stay hot do: an experiment's (its analysis reads
// them), one queued for the team ledger (the outbox ships it from the hot row), one a reservation
// names (start-up reconciliation reads it), and none at or after the start of a request still
// running (its row is recorded later with that start time, and must not land below the watermark).
//
// When: a minute after start and every six hours (the age bound), and whenever the hot count has
// grown a batch past the bound (ColdLedger.hooks, after a row is recorded), in the background:
// each batch is one read, a gzip on the thread pool, a frame write and one write transaction.
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
import { promisify } from 'node:util';
import { gzip as gzipCallback } from 'node:zlib';
import { ColdSegments, frameOf, nodeSegmentFiles, type SegmentFiles, type SegmentState } from '../store/coldSegments';
import { filterMayHold, probeOf, type IdProbe } from '../store/idFilter';
import type { TurnHooks } from '../service/hooks';
import { unpackDecision } from '../service/requestDecisions';
import { timeOfRequestId } from '../pipeline/turn';
import { periodStart } from './periods';
import { rowFromDb, splitSoleAttempt } from './requests';
import { compareKeys, type RowKey } from './rowOrder';

/** The last instant whose ISO year has four digits, so month names compare as strings. */
const MAX_DATE = Date.UTC(9999, 11, 31, 23, 59, 59, 999);
const SEGMENTS_KEY = 'cold.segments';
const WATERMARK_KEY = 'cold.watermark';
/**
 * Rows per frame and per count-triggered move: tens of kB compressed, under a MB of JSON while a
 * reader holds it. With 2,000-row batches held across the compression, the daemon's V8 and malloc
 * heaps were about 80 MB larger after 40k requests: each batch's objects outlived young collections.
 */
export const MOVE_BATCH = 1000;
/**
 * Newest request rows kept hot. bench memory: the snapshot of 20k hot rows (with their attempts
 * and stored decisions) is about 11 MB, and sql.js's resident memory stayed at 25 MB after 100k
 * requests, where without the bound it was 64–161 MB. 20k also covers the dashboard's pages many
 * times over, and usually the output predictor's 5,000-row seed (which reads cold rows when the
 * age bound or a smaller `ledger.hotRows` left fewer hot: OutputPredictor.fromLedger).
 */
export const HOT_ROWS = 20_000;
const FIRST_MOVE_AFTER_MS = 60_000;
const MOVE_EVERY_MS = 6 * 3_600_000;

type Key = RowKey;

export interface ColdState {
  segments: Map<string, SegmentState>;
  /** Every cold row sorts at or before this key; null while nothing is cold. */
  watermark: Key | null;
}

/**
 * What a segment frame holds per request: the row and its attempts, as stored, and the routing
 * decision's detail when one was stored (request_decisions): `d`, its packed bytes in base64, or
 * `dj`, a detail stored as text. Records moved before details travelled with their rows have
 * neither. The packed bytes are copied as they are: moving 1,000 rows of a bench memory ledger
 * took about 60 ms of CPU with them as with no detail at all, and about 100 ms when each detail was
 * inflated and re-encoded. On disk a detail that differs from its neighbours costs up to its packed
 * size (about 240 bytes) plus a third.
 */
interface ColdRecord {
  r: Row;
  a: Row[];
  d?: string;
  dj?: string;
}

const gzip = promisify(gzipCallback);

/** What one move step does, read in one synchronous go (ColdLedger.prepareBatch). */
type PreparedBatch =
  | { kind: 'done'; state: ColdState }
  /** A window of rows that all stay hot: the watermark passes it. */
  | { kind: 'pass'; state: ColdState; hiTs: number }
  /** `json`: the frame's records, `count` of them, the last one's key `hi`; `ids` for its id filter. */
  | { kind: 'move'; state: ColdState; month: string; count: number; hi: Key; json: Buffer; ids: string[] };

/** A cold request found by id (ColdLedger.find). */
export interface ColdRequest {
  row: LedgerRow;
  /** The stored decision detail's JSON (service/requestDecisions.ts decodes it), or null. */
  decision: string | null;
}

/** What bounds the hot rows besides their count. */
export interface HotWindow {
  /** Rows before this time are cold whatever their count (hotCutoff: the previous month's start). */
  ageCutoff: () => number;
  /** When the oldest request still running started (its row will carry that time); null when none. */
  runningSince?: () => number | null;
}

/** The UTC month a row's segment is named by. */
export function monthOf(ts: number): string {
  return new Date(Math.max(0, Math.min(ts, MAX_DATE))).toISOString().slice(0, 7);
}

/** Rows before the start of the previous calendar month in `zone` are cold. */
export function hotCutoff(now: number, zone: string): number {
  return periodStart(periodStart(now, 'month', zone) - 1, 'month', zone);
}

function decisionOf(rec: ColdRecord): string | null {
  return typeof rec.d === 'string' ? unpackDecision(Buffer.from(rec.d, 'base64')) : typeof rec.dj === 'string' ? rec.dj : null;
}

function idsOfRecords(records: unknown[]): string[] {
  return (records as ColdRecord[]).map((rec) => String(rec.r.id));
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
  /** Newest request rows kept hot (default HOT_ROWS; config `ledger.hotRows`). */
  hotRows?: number;
}

export class ColdLedger {
  private moving: Promise<number> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private window: HotWindow | null = null;
  /** Hot request rows: counted after each run, plus the rows recorded since. */
  private hot = 0;
  /** A count-triggered run starts once `hot` passes this (the bound plus a batch, or a batch past the last run's count). */
  private triggerAt = Number.POSITIVE_INFINITY;
  private pending: Promise<number> | null = null;
  /** The background pass writing missing id filters (indexFilters), while it runs. */
  private indexing: Promise<number> | null = null;

  private constructor(
    private readonly store: Store,
    readonly segments: ColdSegments,
    private readonly log: StoreLog,
    private readonly batch: number,
    readonly hotRows: number,
  ) {}

  /** Opens the segments in `dir` and cuts any frame a crash left uncommitted. */
  static open(store: Store, dir: string, options: ColdLedgerOptions = {}): ColdLedger {
    const log = options.log ?? ((level, message) => (level === 'error' ? console.error : console.warn)(`[ledger] ${message}`));
    const segments = new ColdSegments(dir, options.files ?? nodeSegmentFiles, log);
    segments.reconcile(store.read(readColdState).segments);
    return new ColdLedger(store, segments, log, options.batch ?? MOVE_BATCH, options.hotRows ?? HOT_ROWS);
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

  /**
   * Where the next move stops: rows before it move. The later of the age cutoff and the time of
   * the hotRows-th newest row (so the newest hotRows rows stay), held back to the oldest row the
   * team outbox or a reservation still names and to the start of the oldest running request.
   */
  cutoff(window: HotWindow): number {
    const running = window.runningSince?.() ?? null;
    return this.store.read((tx) => {
      // The `ts` index alone (no table lookups): experiment rows count among the newest too.
      const nth = tx.get('SELECT ts FROM requests ORDER BY ts DESC LIMIT 1 OFFSET ?', [this.hotRows - 1]);
      let cut = Math.max(window.ageCutoff(), nth === undefined ? Number.MIN_SAFE_INTEGER : Number(nth.ts));
      const pinned = tx.get('SELECT min(ts) AS ts FROM requests WHERE id IN (SELECT request_id FROM team_outbox UNION ALL SELECT request_id FROM reservations)');
      if (pinned?.ts !== null && pinned?.ts !== undefined) {
        cut = Math.min(cut, Number(pinned.ts));
      }
      return running === null ? cut : Math.min(cut, running);
    });
  }

  /**
   * Moves by the window now: the age bound a minute after start and every six hours, the count
   * bound also whenever the hot rows grew a batch past it (`hooks`).
   */
  schedule(window: HotWindow): void {
    this.window = window;
    this.recount();
    this.indexInBackground();
    const run = (): void => {
      this.timer = null;
      void this.runOnce().finally(() => {
        // Frames whose filter could not be written (a full disk meanwhile) get one now.
        this.indexInBackground();
        if (!this.stopped) {
          this.timer = setTimeout(run, MOVE_EVERY_MS);
          this.timer.unref();
        }
      });
    };
    this.timer = setTimeout(run, FIRST_MOVE_AFTER_MS);
    this.timer.unref();
  }

  /** Counts each recorded row (noteRecorded). */
  readonly hooks: TurnHooks = { afterRecord: () => this.noteRecorded() };

  /** A row was recorded: once the hot rows passed the bound by a batch, a move starts in the background. */
  noteRecorded(): void {
    this.hot += 1;
    if (this.hot >= this.triggerAt && this.pending === null && this.window !== null && !this.stopped) {
      this.pending = new Promise<void>((r) => setImmediate(r))
        .then(() => this.runOnce())
        .finally(() => {
          this.pending = null;
        });
    }
  }

  /** Resolves once no move is running or about to start. */
  async idle(): Promise<void> {
    while (this.pending !== null || this.moving !== null) {
      await (this.pending ?? this.moving)?.catch(() => undefined);
    }
  }

  /** Hot request rows as last counted plus those recorded since. */
  get hotCount(): number {
    return this.hot;
  }

  /** One move by the window; failures are logged (the rows stay hot and the next run retries). */
  private async runOnce(): Promise<number> {
    const window = this.window;
    if (window === null || this.stopped) {
      return 0;
    }
    try {
      return await this.moveOlderThan(this.cutoff(window));
    } catch (e) {
      this.log('error', `moving old ledger rows to cold segments failed: ${(e as Error).message}; retrying later`);
      return 0;
    } finally {
      this.recount();
    }
  }

  private recount(): void {
    try {
      this.hot = Number(this.store.read((tx) => tx.get('SELECT count(*) AS n FROM requests'))?.n ?? 0);
    } catch {
      // A closed store: no more runs.
      return;
    }
    // At least a batch of new rows between runs, so rows that must stay hot never make every record start one.
    this.triggerAt = Math.max(this.hotRows, this.hot) + this.batch;
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    await this.idle();
    await this.indexing?.catch(() => undefined);
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
    const batch = this.store.read((tx) => this.prepareBatch(tx, cutoff));
    const { state } = batch;
    const w = state.watermark;
    const sameWatermark = (tx: WriteTx): void => {
      const now = readColdState(tx).watermark;
      if ((now?.ts ?? null) !== (w?.ts ?? null) || (now?.id ?? null) !== (w?.id ?? null)) {
        throw new Error('another move committed meanwhile');
      }
    };
    if (batch.kind === 'done') {
      return 'done';
    }
    if (batch.kind === 'pass') {
      // A window of rows that stay hot (experiments, late rows below the watermark): pass it.
      await this.store.withWrite((tx) => {
        sameWatermark(tx);
        tx.run(SET, [WATERMARK_KEY, JSON.stringify({ ts: batch.hiTs, id: '\uffff' })]);
      });
      return 0;
    }
    const { month, count, hi } = batch;
    // Compressed on the thread pool: the event loop keeps serving requests meanwhile. Only the
    // JSON's bytes wait for it (no row objects, which would live long enough to reach V8's old
    // generation). Nothing read can change before the write below checks it (rows are never
    // updated; the watermark and the deleted count are checked there).
    const frame = frameOf(await gzip(batch.json));
    if (this.stopped) {
      return 0;
    }
    const before = state.segments.get(month);
    const after = this.segments.appendFrame(month, before, frame, count);
    const segments = Object.fromEntries(state.segments);
    segments[month] = after;
    // Exactly the frame's rows: movable, after the old watermark, up to the last row's timestamp.
    const inRange = `ts >= ? AND ts <= ? AND ${MOVABLE} AND NOT (ts = ? AND id <= ?)`;
    const range: SqlValue[] = [w?.ts ?? Number.MIN_SAFE_INTEGER, hi.ts, cutoff, w?.ts ?? Number.MIN_SAFE_INTEGER, w?.id ?? ''];
    try {
      await this.store.withWrite((tx) => {
        sameWatermark(tx);
        tx.run(`DELETE FROM attempts WHERE request_id IN (SELECT id FROM requests WHERE ${inRange})`, range);
        // The detail travelled with its row (the record's `d`).
        tx.run(`DELETE FROM request_decisions WHERE request_id IN (SELECT id FROM requests WHERE ${inRange})`, range);
        const { changes } = tx.run(`DELETE FROM requests WHERE ${inRange}`, range);
        if (changes !== count) {
          // Rows changed between the read and this write: move nothing, try again next time.
          throw new Error(`expected to move ${count} rows but ${changes} matched`);
        }
        tx.run(SET, [SEGMENTS_KEY, JSON.stringify(segments)]);
        tx.run(SET, [WATERMARK_KEY, JSON.stringify(hi)]);
      });
    } catch (e) {
      // Not committed: the frame does not exist for readers; cut it so the file stays tidy.
      this.segments.discardAfter(month, before?.bytes ?? 0);
      throw e;
    }
    // Durable now: its id filter may name it (a filter is an index; without one the frame is read).
    try {
      this.segments.recordFilter(month, after, before?.bytes ?? 0, batch.ids);
    } catch (e) {
      this.log('warn', `could not write the id filter of cold segment ${month}: ${(e as Error).message}; lookups read its frame until the background pass writes it`);
    }
    return count;
  }

  /**
   * Writes the id filter of every committed frame that has none (segments written before filters
   * existed, an append that failed), a frame per step with the event loop let in between. Runs in
   * the background after start and after each timed move (schedule); resolves with the frames
   * covered. A failure (a damaged frame, a refusing disk) ends the pass: lookups read those frames.
   */
  async indexFilters(): Promise<number> {
    let written = 0;
    const months = [...this.store.read(readColdState).segments.keys()].sort();
    for (const month of months) {
      for (;;) {
        if (this.stopped) {
          return written;
        }
        try {
          const state = this.store.read(readColdState).segments.get(month);
          if (state === undefined || !this.segments.indexNext(month, state, idsOfRecords)) {
            break;
          }
        } catch (e) {
          this.log('warn', `could not write the id filters of cold segment ${month}: ${(e as Error).message}; lookups read its frames without one`);
          return written;
        }
        written += 1;
        await new Promise((r) => setImmediate(r));
      }
    }
    return written;
  }

  /** Starts indexFilters in the background unless it is running. */
  private indexInBackground(): void {
    if (this.indexing !== null || this.stopped) {
      return;
    }
    this.indexing = new Promise<void>((r) => setImmediate(r))
      .then(() => this.indexFilters())
      .catch(() => 0)
      .finally(() => {
        this.indexing = null;
      });
  }

  /**
   * The next batch, read in one go: whole timestamps from the watermark's up to the batch-th row,
   * cut at the first row's month, as the frame's JSON bytes. Every query is a range on the `ts`
   * index (no scan of the whole table per batch).
   */
  private prepareBatch(tx: ReadTx, cutoff: number): PreparedBatch {
    const state = readColdState(tx);
    const w = state.watermark;
    const fromTs = w?.ts ?? Number.MIN_SAFE_INTEGER;
    const nth = tx.get('SELECT ts FROM requests WHERE ts >= ? AND ts < ? ORDER BY ts LIMIT 1 OFFSET ?', [fromTs, cutoff, this.batch - 1]);
    const hiTs = nth === undefined ? cutoff - 1 : Number(nth.ts);
    const candidates = tx
      .all(`SELECT * FROM requests WHERE ts >= ? AND ts <= ? AND ${MOVABLE} ORDER BY ts, id`, [fromTs, hiTs, cutoff])
      .filter((r) => w === null || compareKeys(keyOf(r), w) > 0);
    const first = candidates[0];
    if (first === undefined) {
      return nth === undefined ? { kind: 'done', state } : { kind: 'pass', state, hiTs };
    }
    // One month per frame: the prefix in the first row's month (a timestamp never spans two).
    const month = monthOf(Number(first.ts));
    const rows = candidates.filter((r) => monthOf(Number(r.ts)) === month);
    const last = rows[rows.length - 1] as Row;
    const lastTs = Number(last.ts);
    const ids = new Set(rows.map((r) => String(r.id)));
    const byRequest = new Map<string, Row[]>();
    for (const a of tx.all(`SELECT a.* FROM requests r JOIN attempts a ON a.request_id = r.id WHERE r.ts >= ? AND r.ts <= ? ORDER BY a.request_id, a.n`, [fromTs, lastTs])) {
      const id = String(a.request_id);
      if (ids.has(id)) {
        const list = byRequest.get(id) ?? [];
        list.push(a);
        byRequest.set(id, list);
      }
    }
    const details = new Map<string, SqlValue>();
    for (const d of tx.all('SELECT request_id, detail FROM request_decisions WHERE ts >= ? AND ts <= ?', [fromTs, lastTs])) {
      if (ids.has(String(d.request_id))) {
        details.set(String(d.request_id), d.detail ?? null);
      }
    }
    const records: ColdRecord[] = rows.map((stored) => {
      // A record holds the row and its attempts as before migration 17 (the sole attempt rebuilt).
      const { row: r, sole } = splitSoleAttempt(stored);
      const rec: ColdRecord = { r, a: sole === null ? (byRequest.get(String(r.id)) ?? []) : [sole] };
      const d = details.get(String(r.id));
      if (d instanceof Uint8Array) {
        rec.d = Buffer.from(d.buffer, d.byteOffset, d.byteLength).toString('base64');
      } else if (typeof d === 'string') {
        rec.dj = d;
      }
      return rec;
    });
    return { kind: 'move', state, month, count: rows.length, hi: keyOf(last), json: Buffer.from(JSON.stringify(records), 'utf8'), ids: [...ids] };
  }

  /** Cold rows in [from, to), oldest first (segments are sorted). */
  *rowsAscending(tx: ReadTx, from: number, to: number): Generator<LedgerRow> {
    for (const rec of this.recordsAscending(tx, from, to)) {
      yield rowFromDb(rec.r);
    }
  }

  private *recordsAscending(tx: ReadTx, from: number, to: number): Generator<ColdRecord> {
    const state = readColdState(tx);
    const months = [...state.segments.keys()].filter((m) => m >= monthOf(from) && m <= monthOf(Math.max(from, to - 1))).sort();
    const fromMonth = monthOf(from);
    for (const month of months) {
      const segment = state.segments.get(month) as SegmentState;
      // In the month `from` falls in, the frames wholly before it are skipped by a binary search.
      const frames = month === fromMonth ? this.segments.framesFrom(month, segment, (rec) => Number((rec as ColdRecord).r.ts) < from) : this.segments.frames(month, segment, 'forward');
      for (const frame of frames) {
        for (const rec of frame as ColdRecord[]) {
          const ts = Number(rec.r.ts);
          if (ts >= to) {
            return;
          }
          if (ts >= from) {
            yield rec;
          }
        }
      }
    }
  }

  /**
   * The cold request `id` recorded at `ts` (its ledger row's time), with its stored decision: in
   * the month segment holding `ts`, the frames whose id filter may hold the id, or while some have
   * none, the frames from the one a binary search finds for `ts`.
   */
  find(tx: ReadTx, id: string, ts: number): ColdRequest | null {
    const month = monthOf(ts);
    const segment = readColdState(tx).segments.get(month);
    if (segment === undefined) {
      return null;
    }
    const probe = probeOf(id);
    const frames = this.segments.framesMayHolding(month, segment, (filter) => filterMayHold(filter, probe), (rec) => Number((rec as ColdRecord).r.ts) < ts);
    for (const frame of frames) {
      for (const rec of frame as ColdRecord[]) {
        const at = Number(rec.r.ts);
        if (at > ts) {
          // Segments are sorted: no later record is at `ts`.
          return null;
        }
        if (at === ts && String(rec.r.id) === id) {
          return { row: rowFromDb(rec.r), decision: decisionOf(rec) };
        }
      }
    }
    return null;
  }

  /**
   * The cold request `id` without its time: ids carry the time they were made (newRequestId), and a
   * row is never recorded before its id was made (a route/estimate id runs later, under its own
   * start time, and chat/complete refuses a plan id made later than now). So only rows from the
   * id's time up to the watermark can match: an id newer than the watermark (every plan sent soon
   * after its estimate) reads no segment at all; an older one reads, from its month on, only the
   * frames whose id filter may hold it (coldSegments.ts: about one wasted frame in 2,000) and every
   * frame that has no filter yet, and stops at the row. An id that carries no time (not one this
   * daemon made) is never looked for cold.
   */
  findById(tx: ReadTx, id: string): ColdRequest | null {
    return this.findByIds(tx, [id]).get(id) ?? null;
  }

  /** findById for many ids in one forward pass, from the oldest id's month; stops once all are found. */
  findByIds(tx: ReadTx, ids: readonly string[]): Map<string, ColdRequest> {
    const found = new Map<string, ColdRequest>();
    const { watermark } = readColdState(tx);
    if (watermark === null) {
      return found;
    }
    // Each id, and the time from which its row can be in a segment.
    const wanted = new Map<string, number>();
    for (const id of ids) {
      const made = timeOfRequestId(id);
      if (made !== null && made <= watermark.ts) {
        wanted.set(id, made);
      }
    }
    if (wanted.size === 0) {
      return found;
    }
    // Every month from the oldest id's on, only the frames whose id filter may hold a wanted id
    // (and every frame that has no filter).
    const probes = new Map<string, IdProbe>([...wanted.keys()].map((id) => [id, probeOf(id)]));
    const mayHold = (filter: Buffer): boolean => {
      for (const id of wanted.keys()) {
        if (filterMayHold(filter, probes.get(id) as IdProbe)) {
          return true;
        }
      }
      return false;
    };
    const state = readColdState(tx);
    const from = Math.min(...wanted.values());
    const fromMonth = monthOf(from);
    const months = [...state.segments.keys()].filter((m) => m >= fromMonth).sort();
    // No row sorts before the oldest id's time: in its month, frames wholly before it are skipped.
    const before = (rec: unknown): boolean => Number((rec as ColdRecord).r.ts) < from;
    for (const month of months) {
      for (const frame of this.segments.framesMayHolding(month, state.segments.get(month) as SegmentState, mayHold, month === fromMonth ? before : undefined)) {
        for (const rec of frame as ColdRecord[]) {
          const id = String(rec.r.id);
          const made = wanted.get(id);
          if (made !== undefined && Number(rec.r.ts) >= made) {
            found.set(id, { row: rowFromDb(rec.r), decision: decisionOf(rec) });
            wanted.delete(id);
            if (wanted.size === 0) {
              return found;
            }
          }
        }
      }
    }
    return found;
  }

  /** Cold rows newest first, strictly before `before` when given, in [from, to). */
  *rowsDescending(tx: ReadTx, from: number, to: number, before: Key | null): Generator<LedgerRow> {
    for (const rec of this.recordsDescending(tx, from, to, before)) {
      yield rowFromDb(rec.r);
    }
  }

  private *recordsDescending(tx: ReadTx, from: number, to: number, before: Key | null): Generator<ColdRecord> {
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
            yield rec;
          }
        }
      }
    }
  }
}
