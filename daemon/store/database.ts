// The one way into the database. Reads are synchronous; every write is a synchronous function
// run inside one transaction by `withWrite`, whose promise resolves only once the transaction is
// durable in the journal (see journal.ts). Because sql.js is synchronous and single-threaded, a
// write transaction can never interleave with another: budget reservations rely on that.
//
// When the disk refuses a write (full, read-only, I/O error), the callers of the affected
// transactions get RouterError('storeUnavailable'), the in-memory database is reloaded from what
// is on disk (so nothing half-written stays visible), and further writes are refused with the
// same error for a second before being tried again. Requests that must be recorded (everything
// billable: the budget reservation is a write) are therefore REFUSED rather than served
// unrecorded, because unrecorded spend would silently break every budget.
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import { RouterError } from '../protocol/errors';
import { defaultSnapshotPolicy, Journal, type JournalState, type SnapshotPolicy } from './journal';
import { encodeRecord } from './journalRecord';
import type { Migration } from './migration';
import { migrations as defaultMigrations } from './migrations';
import { recoverStore, type RecoveredStore, type StoreLog } from './recovery';
import { loadSqlJs } from './sqljs';
import { assertDeterministic, type SqlParams, type SqlValue, type WrittenStatement } from './statements';
import { nodeStoreFiles, type StoreFiles } from './storeFiles';
import { StoreLayout } from './storeLayout';

export type { SqlValue, SqlParams, WrittenStatement, SnapshotPolicy, StoreLog, StoreFiles };
export type Row = Record<string, SqlValue>;

export interface ReadTx {
  get<T extends Row = Row>(sql: string, params?: SqlParams): T | undefined;
  all<T extends Row = Row>(sql: string, params?: SqlParams): T[];
}

export interface WriteTx extends ReadTx {
  run(sql: string, params?: SqlParams): { changes: number };
}

export interface WriteOptions {
  /** false: resolve once committed in memory, without waiting for the journal's fsync (default true). */
  wait?: boolean;
  /**
   * true: run later in this turn of the event loop, in one transaction with the other batched
   * writes queued meanwhile (each in its own savepoint: a callback that throws rolls back only its
   * own statements and fails only its own caller). One BEGIN/COMMIT and one journal record for
   * all of them instead of one each: a COMMIT writes every page the transaction changed, and
   * concurrent ledger rows share most of theirs. Resolves once durable, like any write. Every
   * write that is not batched, and every read, runs at once: a batched write is not visible until
   * its turn has come (its caller is waiting for it then). With `wait: false` it resolves once
   * its transaction has committed in memory.
   */
  batch?: boolean;
}

/** What one callback of a transaction did (Store.transact). */
type Outcome = { ok: true; value: unknown } | { ok: false; error: unknown };

/** A committed transaction: each callback's outcome and its journal record (null: nothing to journal). */
interface Committed {
  outcomes: Outcome[];
  frame: Buffer | null;
}

interface BatchedWrite {
  fn: (tx: WriteTx) => unknown;
  wait: boolean;
  resolve: (value: unknown) => void;
  reject: (e: unknown) => void;
}

export interface StoreOptions {
  /** Folder for snapshots and journals; null keeps the database in memory only (tests, dry runs). */
  dir: string | null;
  migrations?: readonly Migration[];
  /** Prefix of the snapshot and journal file names (default "ledger"). */
  fileName?: string;
  /** File-system layer; tests inject failures through it. */
  files?: StoreFiles;
  snapshotPolicy?: SnapshotPolicy;
  log?: StoreLog;
  now?: () => number;
}

/** Facts about the last start-up, for logs and tests. */
export interface RecoveryInfo {
  snapshotGen: number;
  replayed: number;
}

// The database lives in sql.js's in-memory file system, where a rollback journal file only costs
// time: keeping it in memory halves the cost of a transaction and still supports ROLLBACK.
// Durability comes from our own journal (journal.ts), not SQLite's, so SQLite's syncs of that
// in-memory file are pointless (synchronous = OFF). This process holds the only connection:
// exclusive locking spares every transaction the lock and change-counter round trips through
// the emulated file system (about a third of a ledger write's CPU in sql.js).
// The database file itself is already in memory (sql.js's in-memory file system), so SQLite's page
// cache is a second copy of the pages it holds: 2 MB keeps the B-trees' inner pages and the pages
// being written, where 32 MB grew the daemon by about 30 MB once the ledger passed that size
// (bench memory, 100k requests); a miss costs a copy from that in-memory file.
const PRAGMAS = 'PRAGMA foreign_keys = ON; PRAGMA journal_mode = MEMORY; PRAGMA cache_size = -2048; PRAGMA synchronous = OFF; PRAGMA locking_mode = EXCLUSIVE;';
/** After the disk refused a write, further writes fail fast for this long before being tried again. */
const RETRY_AFTER_FAILURE_MS = 1000;

const defaultLog: StoreLog = (level, message) => {
  if (level === 'error') {
    console.error(`[store] ${message}`);
  } else {
    console.warn(`[store] ${message}`);
  }
};

interface Durable {
  SQL: SqlJsStatic;
  files: StoreFiles;
  layout: StoreLayout;
  journal: Journal;
}

function journalStateOf(r: RecoveredStore): JournalState {
  return {
    journalGen: r.journalGen,
    journalBytes: r.journalBytes,
    journalBytesSinceSnapshot: r.journalBytesSinceSnapshot,
    recordsSinceSnapshot: r.replayed,
    snapshotBytes: r.snapshotBytes,
  };
}

export class Store {
  private readonly statements = new Map<string, Statement>();
  private durable: Durable | null = null;
  private failure: { error: RouterError; retryAt: number; reloaded: boolean } | null = null;
  private closed = false;
  private inWrite = false;
  /** Batched writes waiting for their transaction (see WriteOptions.batch). */
  private batched: BatchedWrite[] = [];
  private recovery: RecoveryInfo = { snapshotGen: 0, replayed: 0 };

  private constructor(
    private db: Database,
    private readonly log: StoreLog,
    private readonly now: () => number,
  ) {}

  static async open(options: StoreOptions): Promise<Store> {
    const SQL = await loadSqlJs();
    const log = options.log ?? defaultLog;
    const now = options.now ?? Date.now;
    let store: Store;
    if (options.dir === null) {
      const db = new SQL.Database();
      db.exec(PRAGMAS);
      store = new Store(db, log, now);
    } else {
      const files = options.files ?? nodeStoreFiles;
      const layout = new StoreLayout(options.dir, (options.fileName ?? 'ledger').replace(/\.sqlite$/, ''));
      const recovered = Store.recover(SQL, files, layout, log, now);
      store = new Store(recovered.db, log, now);
      store.recovery = { snapshotGen: recovered.snapshotGen, replayed: recovered.replayed };
      const journal = new Journal(
        files,
        layout,
        journalStateOf(recovered),
        options.snapshotPolicy ?? defaultSnapshotPolicy,
        () => store.exportImage(),
        (e) => store.lost(e),
        log,
      );
      store.durable = { SQL, files, layout, journal };
      try {
        await journal.openCurrent();
      } catch (e) {
        store.db.close();
        throw e;
      }
    }
    try {
      await store.migrate(options.migrations ?? defaultMigrations);
    } catch (e) {
      await store.durable?.journal.close();
      store.freeStatements();
      store.db.close();
      throw e;
    }
    return store;
  }

  private static recover(SQL: SqlJsStatic, files: StoreFiles, layout: StoreLayout, log: StoreLog, now: () => number): RecoveredStore {
    try {
      return recoverStore(SQL, files, layout, PRAGMAS, log, now);
    } catch (e) {
      if (e instanceof RouterError) {
        throw e;
      }
      throw new RouterError('storeUnavailable', `cannot open the ledger in ${layout.dir}: ${(e as Error).message}`);
    }
  }

  get schemaVersion(): number {
    return this.read((tx) => Number(tx.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0));
  }

  /** How the last start-up rebuilt the state. */
  get recoveryInfo(): RecoveryInfo {
    return this.recovery;
  }

  read<T>(fn: (tx: ReadTx) => T): T {
    this.assertOpen();
    return fn(this.readTx());
  }

  /**
   * Runs `fn` in one transaction. `fn` must be synchronous: nothing else can run in between,
   * which is what makes check-then-write (budgets) safe. Resolves once the write is durable;
   * rejects with `storeUnavailable` (and nothing recorded) when the disk refuses it.
   *
   * `{ wait: false }` resolves as soon as the transaction is committed in memory (where every
   * read sees it); it is still journaled, in order, with the next group commit (it starts no
   * fsync of its own: see journal.ts), so anything written after it is durable only together
   * with it or later. For writes a crash may lose
   * because start-up repairs them (budget reservations), and that should not put an fsync on
   * the caller's path. If the disk then refuses the batch, the store reloads from disk and
   * reports it to the callers that do wait.
   */
  withWrite<T>(fn: (tx: WriteTx) => T, options?: WriteOptions): Promise<T> {
    if (options?.batch === true) {
      return this.enqueueBatched(fn, options.wait !== false);
    }
    const refused = this.refusal();
    if (refused !== null) {
      return Promise.reject(refused);
    }
    if (this.inWrite) {
      return Promise.reject(new RouterError('internal', 'nested withWrite: compose writes inside one transaction instead'));
    }
    let committed: Committed;
    try {
      committed = this.transact([fn], false);
    } catch (e) {
      return Promise.reject(e);
    }
    const value = (committed.outcomes[0] as { ok: true; value: unknown }).value as T;
    if (committed.frame === null || this.durable === null) {
      return Promise.resolve(value);
    }
    const deferred = options?.wait === false;
    const durable = this.journalCommitted(committed.frame, deferred);
    return deferred ? Promise.resolve(value) : durable.then(() => value);
  }

  /** Why a write cannot start now (a closed store, a disk refusing writes), or null. */
  private refusal(): unknown {
    try {
      this.assertOpen();
      this.assertWritable();
      return null;
    } catch (e) {
      return e;
    }
  }

  /**
   * The one write transaction shape: BEGIN IMMEDIATE, the callbacks in order, the journal record
   * of every statement they ran, COMMIT. Not `isolated` (withWrite): a callback that throws rolls
   * the whole transaction back and the error is thrown. `isolated` (batched writes): each callback
   * runs in its own savepoint, so one that throws undoes only its own statements (in the database
   * and in the record) and only its outcome fails. Throws (rolled back) when the transaction itself
   * fails. The record is encoded before COMMIT: a failure to encode it rolls the writes back.
   */
  private transact(fns: readonly ((tx: WriteTx) => unknown)[], isolated: boolean): Committed {
    const written: WrittenStatement[] = [];
    const tx = this.writeTx(written);
    const outcomes: Outcome[] = [];
    const call = (fn: (tx: WriteTx) => unknown): unknown => {
      const value = fn(tx);
      if (value instanceof Promise) {
        throw new RouterError('internal', 'withWrite callbacks must be synchronous');
      }
      return value;
    };
    let frame: Buffer | null = null;
    this.inWrite = true;
    this.control('BEGIN IMMEDIATE');
    try {
      for (const fn of fns) {
        if (!isolated) {
          outcomes.push({ ok: true, value: call(fn) });
          continue;
        }
        const mark = written.length;
        this.control('SAVEPOINT batched');
        try {
          const value = call(fn);
          this.control('RELEASE batched');
          outcomes.push({ ok: true, value });
        } catch (e) {
          // Only this callback's statements are undone, in the database and in the journal record.
          this.control('ROLLBACK TO batched');
          this.control('RELEASE batched');
          written.length = mark;
          outcomes.push({ ok: false, error: e });
        }
      }
      if (this.durable !== null && written.length > 0) {
        frame = encodeRecord(written);
      }
      this.control('COMMIT');
    } catch (e) {
      this.control('ROLLBACK');
      throw e;
    } finally {
      this.inWrite = false;
    }
    return { outcomes, frame };
  }

  /**
   * Journals a committed transaction's record. `deferred`: nobody waits for its fsync (it rides
   * with the next group commit someone waits for), and a failure reaches the store through the
   * journal's onLost, so it is not reported here.
   */
  private journalCommitted(frame: Buffer | null, deferred: boolean): Promise<void> {
    if (frame === null || this.durable === null) {
      return Promise.resolve();
    }
    const durable = this.durable.journal.append(frame, deferred);
    if (deferred) {
      durable.catch(() => undefined);
    }
    return durable;
  }

  private writeTx(written: WrittenStatement[]): WriteTx {
    return {
      ...this.readTx(),
      run: (sql, params) => {
        assertDeterministic(sql);
        this.exec(sql, params);
        written.push({ sql, params });
        return { changes: this.db.getRowsModified() };
      },
    };
  }

  private enqueueBatched<T>(fn: (tx: WriteTx) => T, wait: boolean): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (this.batched.push({ fn, wait, resolve: resolve as (v: unknown) => void, reject }) === 1) {
        // setImmediate, not a microtask: rows finished by other sockets' events in this turn join.
        setImmediate(() => this.runBatched());
      }
    });
  }

  /** The batched writes queued so far, in one transaction (see WriteOptions.batch). */
  private runBatched(): void {
    const items = this.batched;
    if (items.length === 0) {
      return;
    }
    this.batched = [];
    if (items.length === 1) {
      const only = items[0] as BatchedWrite;
      this.withWrite(only.fn, { wait: only.wait }).then(only.resolve, only.reject);
      return;
    }
    const refused = this.refusal();
    if (refused !== null) {
      for (const item of items) {
        item.reject(refused);
      }
      return;
    }
    let committed: Committed;
    try {
      committed = this.transact(items.map((item) => item.fn), true);
    } catch (e) {
      for (const item of items) {
        item.reject(e);
      }
      return;
    }
    // Nobody waiting for the fsync (only holds): the record rides with the next one someone waits for.
    const durable = this.journalCommitted(committed.frame, items.every((item) => !item.wait));
    items.forEach((item, i) => {
      const o = committed.outcomes[i] as Outcome;
      if (!o.ok) {
        item.reject(o.error);
      } else if (item.wait) {
        durable.then(() => item.resolve(o.value), item.reject);
      } else {
        item.resolve(o.value);
      }
    });
  }

  /** Resolves when everything committed so far (and every batched write queued) is on disk. */
  flush(): Promise<void> {
    this.runBatched();
    return this.durable === null ? Promise.resolve() : this.durable.journal.idle();
  }

  /** Writes a snapshot now (if anything changed since the last one) and waits for it. */
  async snapshot(): Promise<void> {
    this.assertOpen();
    if (this.durable !== null && this.failure === null) {
      await this.durable.journal.snapshotNow();
    }
  }

  /**
   * Rewrites the database without its free pages (VACUUM) when at least `minFreeRatio` of them are
   * free — after old rows moved to cold segments — and snapshots the smaller image, so that both
   * this process (sql.js gives a shrunk file's memory back) and the next start hold only live rows.
   * VACUUM changes no row, so nothing is journaled; it blocks the event loop for as long as it runs
   * (about a second per 100k rows on this machine). Resolves with the page counts, or null when
   * there was too little to gain.
   */
  async compact(minFreeRatio = 0.5): Promise<{ pagesBefore: number; pagesAfter: number } | null> {
    this.assertOpen();
    this.assertWritable();
    if (this.inWrite) {
      throw new RouterError('internal', 'compact() inside a write transaction');
    }
    const count = (pragma: string): number => Number(this.read((tx) => tx.get(`PRAGMA ${pragma}`))?.[pragma] ?? 0);
    const pagesBefore = count('page_count');
    if (pagesBefore === 0 || count('freelist_count') / pagesBefore < minFreeRatio) {
      return null;
    }
    // Statements cached against the old layout are re-prepared on demand.
    this.freeStatements();
    this.db.exec('VACUUM');
    const pagesAfter = count('page_count');
    if (this.durable !== null && this.failure === null) {
      await this.durable.journal.snapshotNow(true);
    }
    return { pagesBefore, pagesAfter };
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    this.runBatched();
    if (this.durable !== null) {
      await this.durable.journal.idle();
      if (this.failure === null) {
        await this.durable.journal.snapshotNow();
      }
      await this.durable.journal.close();
    }
    this.closed = true;
    this.freeStatements();
    this.db.close();
  }

  /**
   * Throws storeUnavailable while the disk is refusing writes. Billable work calls this before
   * it starts, so that a request is refused up front rather than served and left unrecorded.
   */
  checkWritable(): void {
    this.assertOpen();
    const f = this.failure;
    if (f !== null && this.now() < f.retryAt) {
      throw f.error;
    }
  }

  /** `PRAGMA integrity_check` verdict: 'ok' or SQLite's list of problems. */
  integrityCheck(): string {
    this.assertOpen();
    return this.read((tx) => tx.all<{ integrity_check: string }>('PRAGMA integrity_check').map((r) => r.integrity_check).join('; '));
  }

  /** The raw database image (used by snapshots). */
  exportImage(): Uint8Array {
    // Older sql.js releases free prepared statements and reset pragmas in export(); freeing our
    // cache first and re-applying pragmas after keeps us correct on either behaviour.
    this.freeStatements();
    const image = this.db.export();
    this.db.exec(PRAGMAS);
    return image;
  }

  private async migrate(list: readonly Migration[]): Promise<void> {
    const current = this.schemaVersion;
    const sorted = [...list].sort((a, b) => a.version - b.version);
    for (const m of sorted) {
      if (m.version <= current) {
        continue;
      }
      await this.withWrite((tx) => {
        tx.run(m.sql);
        tx.run(`PRAGMA user_version = ${m.version}`);
      });
    }
  }

  /** The journal could not make committed transactions durable: forget them by reloading from disk. */
  private lost(error: RouterError): void {
    this.failure = { error, retryAt: this.now() + RETRY_AFTER_FAILURE_MS, reloaded: false };
    this.log('error', error.message);
    this.reloadFromDisk();
  }

  private reloadFromDisk(): void {
    const d = this.durable;
    const f = this.failure;
    if (d === null || f === null) {
      return;
    }
    try {
      const recovered = Store.recover(d.SQL, d.files, d.layout, this.log, this.now);
      this.freeStatements();
      this.db.close();
      this.db = recovered.db;
      d.journal.resetTo(journalStateOf(recovered));
      f.reloaded = true;
    } catch (e) {
      this.log('error', `could not reload the ledger from disk: ${(e as Error).message}`);
    }
  }

  private assertWritable(): void {
    const f = this.failure;
    if (f === null) {
      return;
    }
    if (this.now() < f.retryAt) {
      throw f.error;
    }
    if (!f.reloaded) {
      this.reloadFromDisk();
      if (!f.reloaded) {
        f.retryAt = this.now() + RETRY_AFTER_FAILURE_MS;
        throw f.error;
      }
    }
    // Memory matches the disk again: let this write try the disk.
    this.failure = null;
  }

  private readTx(): ReadTx {
    const query = this.query.bind(this);
    return {
      get<T extends Row = Row>(sql: string, params?: SqlParams): T | undefined {
        return query<T>(sql, params, true)[0];
      },
      all<T extends Row = Row>(sql: string, params?: SqlParams): T[] {
        return query<T>(sql, params, false);
      },
    };
  }

  private prepare(sql: string): Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private query<T extends Row>(sql: string, params: SqlParams | undefined, first: boolean): T[] {
    const stmt = this.prepare(sql);
    try {
      if (params !== undefined) {
        stmt.bind(params);
      }
      const rows: T[] = [];
      while (stmt.step()) {
        rows.push(stmt.getAsObject() as T);
        if (first) {
          break;
        }
      }
      return rows;
    } finally {
      stmt.reset();
    }
  }

  private exec(sql: string, params: SqlParams | undefined): void {
    if (params === undefined) {
      // Multi-statement scripts (migrations) go through exec; they are not cached.
      this.db.exec(sql);
      return;
    }
    const stmt = this.prepare(sql);
    try {
      // run() binds, steps and resets; only a failed step leaves the statement to reset here.
      stmt.run(params);
    } catch (e) {
      stmt.reset();
      throw e;
    }
  }

  /**
   * BEGIN, COMMIT and ROLLBACK as cached statements: db.exec would parse and compile them again
   * for every transaction (two per recorded request).
   */
  private control(sql: 'BEGIN IMMEDIATE' | 'COMMIT' | 'ROLLBACK' | 'SAVEPOINT batched' | 'RELEASE batched' | 'ROLLBACK TO batched'): void {
    const stmt = this.prepare(sql);
    try {
      stmt.run();
    } catch (e) {
      stmt.reset();
      throw e;
    }
  }

  private freeStatements(): void {
    for (const s of this.statements.values()) {
      s.free();
    }
    this.statements.clear();
  }

  private assertOpen(): void {
    if (this.closed) {
      throw new RouterError('storeUnavailable', 'the store is closed');
    }
  }
}
