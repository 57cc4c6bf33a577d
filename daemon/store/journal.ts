// Appends committed transactions to the current journal and makes them durable before their
// callers are acknowledged. Group commit: every record committed while a write+fsync is in
// flight (or in the same tick) goes out in the next single write+fsync. Deferred records (nobody
// waits for them) do not start a write+fsync of their own: they ride along with the next record
// someone waits for, or go out after DEFERRED_FLUSH_MS at the latest — so a deferred write just
// before a durable one never makes the durable one wait behind a second fsync.
//
// Snapshots travel through the same queue as records, so ordering needs no locks: the image is
// exported at the moment the snapshot is queued, records queued before it belong to the old
// generation's journal, records after it to the new one, and the snapshot file is written only
// after every record it contains is durable in a journal. Crash at any point → the previous
// snapshot plus its journals, or the new snapshot plus the new journal, describe the same state.
import { RouterError } from '../protocol/errors';
import type { StoreLog } from './recovery';
import type { AppendFile, StoreFiles } from './storeFiles';
import type { StoreLayout } from './storeLayout';

export interface SnapshotPolicy {
  /** Snapshot after this many transactions since the last snapshot. */
  maxRecords: number;
  /** …or after this many journal bytes, or the size of the last snapshot if larger (bounds write amplification). */
  maxBytes: number;
}

export const defaultSnapshotPolicy: SnapshotPolicy = { maxRecords: 20_000, maxBytes: 16 * 1024 * 1024 };

export interface JournalState {
  journalGen: number;
  journalBytes: number;
  journalBytesSinceSnapshot: number;
  recordsSinceSnapshot: number;
  snapshotBytes: number;
}

/** The longest a deferred record waits for a durable one to carry it to disk. */
const DEFERRED_FLUSH_MS = 100;

type QueueItem =
  | { kind: 'record'; frame: Buffer; deferred: boolean; resolve: () => void; reject: (e: unknown) => void }
  | { kind: 'snapshot'; image: Uint8Array; gen: number; done: () => void };

export class Journal {
  private queue: QueueItem[] = [];
  /** Queued items someone waits for (durable records and snapshots): mustWrite without a scan. */
  private urgent = 0;
  private draining = false;
  private handle: AppendFile | null = null;
  private handleGen = -1;
  private handleBytes = 0;
  private snapshotQueued = false;
  private idleWaiters: (() => void)[] = [];
  private deferredTimer: NodeJS.Timeout | null = null;
  /** Set when deferred records must go out even though nobody waits for them. */
  private flushDeferred = false;

  constructor(
    private readonly files: StoreFiles,
    private readonly layout: StoreLayout,
    private state: JournalState,
    private readonly policy: SnapshotPolicy,
    private readonly exportImage: () => Uint8Array,
    /** Called when records were committed in memory but could not be made durable. */
    private readonly onLost: (error: RouterError) => void,
    private readonly log: StoreLog,
  ) {}

  /** After a reload from disk, continue from what is actually on disk. */
  resetTo(state: JournalState): void {
    void this.closeHandle();
    this.state = state;
  }

  /** Opens the current journal now, so that an unwritable folder is reported at start-up. */
  async openCurrent(): Promise<void> {
    try {
      await this.fileFor(this.state.journalGen);
    } catch (e) {
      throw new RouterError('storeUnavailable', `cannot write the ledger journal in ${this.layout.dir}: ${(e as Error).message}`);
    }
  }

  /** `deferred`: the caller does not wait for this record; it is written with the next batch. */
  append(frame: Buffer, deferred = false): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ kind: 'record', frame, deferred, resolve, reject });
      if (!deferred) {
        this.urgent++;
      }
      if (deferred) {
        this.armDeferredFlush();
      } else {
        this.schedule();
      }
    });
  }

  /** Resolves once everything queued so far is on disk (or failed). */
  idle(): Promise<void> {
    if (!this.draining && this.queue.length === 0) {
      return Promise.resolve();
    }
    return new Promise((resolve) => {
      this.idleWaiters.push(resolve);
      this.schedule();
    });
  }

  /**
   * Queues a snapshot of the current database if anything was journaled since the last one, or
   * always with `force` (the image changed without a record: VACUUM).
   */
  snapshotNow(force = false): Promise<void> {
    if (!force && this.state.recordsSinceSnapshot === 0 && this.queue.every((i) => i.kind !== 'record')) {
      return this.idle();
    }
    return new Promise((resolve) => {
      this.queueSnapshot(resolve);
    });
  }

  async close(): Promise<void> {
    await this.idle();
    await this.closeHandle();
  }

  private armDeferredFlush(): void {
    if (this.deferredTimer === null) {
      this.deferredTimer = setTimeout(() => {
        this.deferredTimer = null;
        this.flushDeferred = true;
        this.schedule();
      }, DEFERRED_FLUSH_MS);
      // close() flushes through idle(); the timer alone must not keep a process alive.
      this.deferredTimer.unref();
    }
  }

  /** Whether the queue holds something that must be written now (not only deferred records). */
  private mustWrite(): boolean {
    return this.flushDeferred || this.idleWaiters.length > 0 || this.urgent > 0;
  }

  private schedule(): void {
    if (!this.draining) {
      this.draining = true;
      // setImmediate, not a microtask: everything committed in this turn of the loop joins the batch.
      setImmediate(() => void this.drain());
    }
  }

  private queueSnapshot(done: () => void): void {
    const image = this.exportImage();
    this.state.journalGen += 1;
    this.state.journalBytes = 0;
    this.state.recordsSinceSnapshot = 0;
    this.state.journalBytesSinceSnapshot = 0;
    this.snapshotQueued = true;
    this.queue.push({ kind: 'snapshot', image, gen: this.state.journalGen, done });
    this.urgent++;
    this.schedule();
  }

  private async drain(): Promise<void> {
    // The generation records at the head of the queue belong to: before a queued snapshot,
    // that is the generation the snapshot rotated away from.
    let gen = this.state.journalGen - this.queue.filter((i) => i.kind === 'snapshot').length;
    while (this.queue.length > 0 && this.mustWrite()) {
      const head = this.queue[0];
      if (head?.kind === 'snapshot') {
        this.queue.shift();
        this.urgent--;
        await this.writeSnapshot(head.image, head.gen);
        gen = head.gen;
        head.done();
        continue;
      }
      const batch: Extract<QueueItem, { kind: 'record' }>[] = [];
      for (const item of this.queue) {
        if (item.kind !== 'record') {
          break;
        }
        batch.push(item);
      }
      this.queue.splice(0, batch.length);
      for (const item of batch) {
        if (!item.deferred) {
          this.urgent--;
        }
      }
      const data = batch.length === 1 ? (batch[0] as { frame: Buffer }).frame : Buffer.concat(batch.map((b) => b.frame));
      try {
        const file = await this.fileFor(gen);
        try {
          await file.appendDurably(data);
        } catch (e) {
          await this.undoPartialWrite(file);
          throw e;
        }
      } catch (e) {
        this.failEverything(batch, e as Error);
        break;
      }
      this.handleBytes += data.byteLength;
      if (gen === this.state.journalGen) {
        // Records queued ahead of a snapshot are inside that snapshot already.
        this.state.journalBytes = this.handleBytes;
        this.state.journalBytesSinceSnapshot += data.byteLength;
        this.state.recordsSinceSnapshot += batch.length;
      }
      for (const item of batch) {
        item.resolve();
      }
      if (!this.snapshotQueued && this.snapshotDue()) {
        this.queueSnapshot(() => undefined);
      }
    }
    this.draining = false;
    if (this.queue.length > 0) {
      // Only deferred records are left: they wait for the next durable record or the timer.
      this.armDeferredFlush();
      return;
    }
    this.flushDeferred = false;
    const waiters = this.idleWaiters;
    this.idleWaiters = [];
    for (const w of waiters) {
      w();
    }
  }

  private snapshotDue(): boolean {
    const s = this.state;
    return s.recordsSinceSnapshot >= this.policy.maxRecords || s.journalBytesSinceSnapshot >= Math.max(this.policy.maxBytes, s.snapshotBytes);
  }

  private async fileFor(gen: number): Promise<AppendFile> {
    if (this.handle !== null && this.handleGen === gen) {
      return this.handle;
    }
    await this.closeHandle();
    const path = this.layout.journalPath(gen);
    this.handle = await this.files.openAppend(path);
    this.handleGen = gen;
    this.handleBytes = this.handle.size;
    this.files.syncDir(this.layout.dir);
    return this.handle;
  }

  private async undoPartialWrite(file: AppendFile): Promise<void> {
    try {
      await file.truncate(this.handleBytes);
    } catch {
      // Start-up cuts whatever is left: a record that fails its length or checksum is a torn tail.
    }
    await this.closeHandle();
  }

  private failEverything(batch: { reject: (e: unknown) => void }[], cause: Error): void {
    const error = new RouterError('storeUnavailable', `the ledger could not be saved to ${this.layout.dir}: ${cause.message}. Nothing was recorded; free disk space or fix the folder's permissions`);
    const rest = this.queue;
    this.queue = [];
    this.urgent = 0;
    this.snapshotQueued = false;
    for (const item of batch) {
      item.reject(error);
    }
    for (const item of rest) {
      if (item.kind === 'record') {
        item.reject(error);
      } else {
        item.done();
      }
    }
    this.onLost(error);
  }

  private async writeSnapshot(image: Uint8Array, gen: number): Promise<void> {
    const tmp = this.layout.temporaryPath(gen);
    try {
      await this.files.writeDurably(tmp, image);
      this.files.rename(tmp, this.layout.snapshotPath(gen));
      this.files.syncDir(this.layout.dir);
      this.state.snapshotBytes = image.byteLength;
      this.removeSuperseded();
    } catch (e) {
      // The journals still hold everything: a failed snapshot costs start-up time, not data.
      this.log('warn', `could not write ledger snapshot ${gen}: ${(e as Error).message}`);
      try {
        this.files.remove(tmp);
      } catch {
        // Removed at the next start-up.
      }
    } finally {
      this.snapshotQueued = this.queue.some((i) => i.kind === 'snapshot');
    }
  }

  /** Keeps the two newest snapshots (the empty database counts as generation 0) and the journals after the older one. */
  private removeSuperseded(): void {
    const listing = this.layout.parse(this.files.list(this.layout.dir));
    const baselines = [...listing.snapshots].reverse();
    baselines.push(0);
    const keepFrom = baselines[1] ?? 0;
    for (const gen of listing.snapshots) {
      if (gen < keepFrom) {
        this.files.remove(this.layout.snapshotPath(gen));
      }
    }
    for (const gen of listing.journals) {
      if (gen < keepFrom) {
        this.files.remove(this.layout.journalPath(gen));
      }
    }
  }

  private async closeHandle(): Promise<void> {
    const h = this.handle;
    this.handle = null;
    this.handleGen = -1;
    if (h) {
      try {
        await h.close();
      } catch {
        // Closing after a failed write can fail too; the descriptor is released either way.
      }
    }
  }
}
