// Start-up: the newest snapshot that passes an integrity check, then every journal after it,
// replayed in order. A torn journal tail (the record being written when the process died, never
// acknowledged) is cut off. A damaged snapshot is moved aside, kept, and the previous one is used.
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import { RouterError } from '../protocol/errors';
import { decodeJournal } from './journalRecord';
import type { WrittenStatement } from './statements';
import type { StoreFiles } from './storeFiles';
import type { StoreLayout } from './storeLayout';

export type StoreLog = (level: 'warn' | 'error', message: string) => void;

export interface RecoveredStore {
  db: Database;
  /** The generation new records are appended to. */
  journalGen: number;
  /** Valid bytes already in that journal. */
  journalBytes: number;
  /** Generation of the snapshot the state was loaded from (0: the empty database). */
  snapshotGen: number;
  snapshotBytes: number;
  /** Transactions replayed from journals on top of the snapshot. */
  replayed: number;
  journalBytesSinceSnapshot: number;
}

function unavailable(message: string): RouterError {
  return new RouterError('storeUnavailable', message);
}

function loadSnapshot(SQL: SqlJsStatic, image: Uint8Array): Database {
  const db = new SQL.Database(image);
  try {
    // sql.js accepts any bytes at construction; the first read is what detects a bad file.
    const result = db.exec('PRAGMA quick_check');
    const verdict = result[0]?.values[0]?.[0];
    if (verdict !== 'ok') {
      throw new Error(`quick_check reports: ${String(verdict)}`);
    }
    return db;
  } catch (e) {
    db.close();
    throw e;
  }
}

/** Applies recovered transactions; one outer transaction, since each of them committed once already. */
export function replay(db: Database, transactions: readonly WrittenStatement[][], where: string): void {
  const cache = new Map<string, Statement>();
  db.exec('BEGIN');
  let n = 0;
  try {
    for (const statements of transactions) {
      for (const s of statements) {
        if (s.params === undefined) {
          db.exec(s.sql);
          continue;
        }
        let stmt = cache.get(s.sql);
        if (!stmt) {
          stmt = db.prepare(s.sql);
          cache.set(s.sql, stmt);
        }
        stmt.run(s.params);
      }
      n++;
    }
    db.exec('COMMIT');
  } catch (e) {
    db.exec('ROLLBACK');
    throw unavailable(`the ledger journal ${where} cannot be replayed (transaction ${n + 1}): ${(e as Error).message}; the file is left untouched`);
  } finally {
    for (const stmt of cache.values()) {
      stmt.free();
    }
  }
}

export function recoverStore(SQL: SqlJsStatic, files: StoreFiles, layout: StoreLayout, pragmas: string, log: StoreLog, now: () => number): RecoveredStore {
  files.mkdir(layout.dir);
  const listing = layout.parse(files.list(layout.dir));
  for (const tmp of listing.temporaries) {
    files.remove(tmp);
  }

  let db: Database | null = null;
  let snapshotGen = 0;
  let snapshotBytes = 0;
  for (const gen of [...listing.snapshots].reverse()) {
    const path = layout.snapshotPath(gen);
    try {
      const image = files.read(path);
      db = loadSnapshot(SQL, image);
      snapshotGen = gen;
      snapshotBytes = image.byteLength;
      break;
    } catch (e) {
      const aside = layout.asidePath(path, now());
      log('error', `ledger snapshot ${path} is damaged (${(e as Error).message}); moved it to ${aside} and falling back to the previous snapshot and its journals`);
      files.rename(path, aside);
    }
  }

  const journals = listing.journals.filter((g) => g >= snapshotGen);
  if (db === null) {
    const oldest = listing.journals[0];
    if (oldest !== undefined && oldest > 0) {
      throw unavailable(
        `no usable ledger snapshot in ${layout.dir} and the journals start at generation ${oldest}, so the ledger cannot be rebuilt; the files are kept as they are — restore a snapshot or move the folder aside to start an empty ledger`,
      );
    }
    db = new SQL.Database();
  }
  db.exec(pragmas);

  let expected = snapshotGen;
  let replayed = 0;
  let journalGen = snapshotGen;
  let journalBytes = 0;
  let journalBytesSinceSnapshot = 0;
  for (const gen of journals) {
    if (gen !== expected) {
      db.close();
      throw unavailable(`ledger journal generation ${expected} is missing in ${layout.dir} (found ${gen}); the files are kept as they are`);
    }
    expected++;
    const path = layout.journalPath(gen);
    const decoded = decodeJournal(files.read(path));
    if (decoded.newerRecord !== null) {
      db.close();
      throw unavailable(`ledger journal ${path}: ${decoded.newerRecord}; run the newer llm-router that wrote it (the files are kept as they are)`);
    }
    if (decoded.tornTail !== null) {
      log('warn', `ledger journal ${path}: ${decoded.tornTail}; cutting it at byte ${decoded.validLength} (an unacknowledged write interrupted by a crash)`);
      files.truncate(path, decoded.validLength);
    }
    replay(db, decoded.transactions, path);
    replayed += decoded.transactions.length;
    journalGen = gen;
    journalBytes = decoded.validLength;
    journalBytesSinceSnapshot += decoded.validLength;
  }
  return { db, journalGen, journalBytes, snapshotGen, snapshotBytes, replayed, journalBytesSinceSnapshot };
}
