// The one way into the database. Reads are synchronous; every write is a synchronous function
// run inside one transaction by `withWrite`, whose promise resolves only once the write is
// durable. Because sql.js is synchronous and single-threaded, a write transaction can never
// interleave with another: budget reservations rely on that.
import { mkdirSync, openSync, fsyncSync, closeSync, writeFileSync, renameSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import type { Database, Statement, SqlValue } from 'sql.js';
import { RouterError } from '../protocol/errors';
import type { Migration } from './migration';
import { migrations as defaultMigrations } from './migrations';
import { loadSqlJs } from './sqljs';

export type { SqlValue };
export type Row = Record<string, SqlValue>;
export type SqlParams = SqlValue[] | Record<string, SqlValue>;

export interface ReadTx {
  get<T extends Row = Row>(sql: string, params?: SqlParams): T | undefined;
  all<T extends Row = Row>(sql: string, params?: SqlParams): T[];
}

export interface WriteTx extends ReadTx {
  run(sql: string, params?: SqlParams): { changes: number };
}

/** A statement as it was executed inside a committed write (what a journal replays). */
export interface WrittenStatement {
  sql: string;
  params: SqlParams | undefined;
}

export interface StoreOptions {
  /** Folder for the database file; null keeps it in memory only (tests, dry runs). */
  dir: string | null;
  migrations?: readonly Migration[];
  fileName?: string;
}

const PRAGMAS = 'PRAGMA foreign_keys = ON;';

export class Store {
  private readonly statements = new Map<string, Statement>();
  private pendingAcks: (() => void)[] = [];
  private pendingFails: ((e: unknown) => void)[] = [];
  private snapshotRunning = false;
  private closed = false;
  private inWrite = false;

  private constructor(
    private readonly db: Database,
    private readonly file: string | null,
  ) {}

  static async open(options: StoreOptions): Promise<Store> {
    const SQL = await loadSqlJs();
    let file: string | null = null;
    let db: Database;
    if (options.dir !== null) {
      mkdirSync(options.dir, { recursive: true });
      file = join(options.dir, options.fileName ?? 'ledger.sqlite');
      db = existsSync(file) ? new SQL.Database(readFileSync(file)) : new SQL.Database();
    } else {
      db = new SQL.Database();
    }
    db.exec(PRAGMAS);
    const store = new Store(db, file);
    await store.migrate(options.migrations ?? defaultMigrations);
    return store;
  }

  get schemaVersion(): number {
    return this.read((tx) => Number(tx.get<{ user_version: number }>('PRAGMA user_version')?.user_version ?? 0));
  }

  read<T>(fn: (tx: ReadTx) => T): T {
    this.assertOpen();
    return fn(this.readTx());
  }

  /**
   * Runs `fn` in one transaction. `fn` must be synchronous: nothing else can run in between,
   * which is what makes check-then-write (budgets) safe. Resolves once the write is durable.
   */
  withWrite<T>(fn: (tx: WriteTx) => T): Promise<T> {
    this.assertOpen();
    if (this.inWrite) {
      return Promise.reject(new RouterError('internal', 'nested withWrite: compose writes inside one transaction instead'));
    }
    const written: WrittenStatement[] = [];
    const tx: WriteTx = {
      ...this.readTx(),
      run: (sql, params) => {
        this.exec(sql, params);
        written.push({ sql, params });
        return { changes: this.db.getRowsModified() };
      },
    };
    let value: T;
    this.inWrite = true;
    this.db.exec('BEGIN IMMEDIATE');
    try {
      value = fn(tx);
      if (value instanceof Promise) {
        throw new RouterError('internal', 'withWrite callbacks must be synchronous');
      }
      this.db.exec('COMMIT');
    } catch (e) {
      this.db.exec('ROLLBACK');
      return Promise.reject(e);
    } finally {
      this.inWrite = false;
    }
    if (written.length === 0) {
      return Promise.resolve(value);
    }
    return this.persist().then(() => value);
  }

  /** Resolves when everything committed so far is on disk. */
  flush(): Promise<void> {
    return this.file === null ? Promise.resolve() : this.persist();
  }

  async close(): Promise<void> {
    if (this.closed) {
      return;
    }
    await this.flush();
    this.closed = true;
    this.freeStatements();
    this.db.close();
  }

  /** The raw database image (used by snapshots and integrity checks). */
  exportImage(): Uint8Array {
    const image = this.db.export();
    // export() frees prepared statements and resets pragmas.
    this.statements.clear();
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
      stmt.run(params);
    } finally {
      stmt.reset();
    }
  }

  /**
   * Foundation durability: a snapshot written to a temp file, fsynced and renamed over the old
   * one. Writes that commit while a snapshot is being written are acknowledged by the next one
   * (group commit). The hardening work adds a journal underneath without changing callers.
   */
  private persist(): Promise<void> {
    if (this.file === null) {
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      this.pendingAcks.push(resolve);
      this.pendingFails.push(reject);
      if (!this.snapshotRunning) {
        this.snapshotRunning = true;
        setImmediate(() => this.writeSnapshot());
      }
    });
  }

  private writeSnapshot(): void {
    const acks = this.pendingAcks;
    const fails = this.pendingFails;
    this.pendingAcks = [];
    this.pendingFails = [];
    try {
      const file = this.file as string;
      const tmp = `${file}.tmp`;
      const image = this.exportImage();
      writeFileSync(tmp, image);
      const fd = openSync(tmp, 'r');
      try {
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      renameSync(tmp, file);
      for (const a of acks) {
        a();
      }
    } catch (e) {
      const err = new RouterError('storeUnavailable', `could not save the ledger: ${(e as Error).message}`);
      for (const f of fails) {
        f(err);
      }
    }
    if (this.pendingAcks.length > 0) {
      setImmediate(() => this.writeSnapshot());
    } else {
      this.snapshotRunning = false;
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
