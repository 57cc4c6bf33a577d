// Cold segments: append-only files of old records, one per month, that the hot sql.js store no
// longer holds. A file is a run of frames:
//   [u32 LE payload length][u32 LE crc32 of payload][payload: gzip of a JSON array of records]
// Each frame is one batch moved out of the hot store, written and fsynced BEFORE the hot store's
// transaction that deletes those rows and records the file's new committed length commits. The
// committed length lives in the hot store (and so in its journal), never in the file: bytes past
// it are a move that crashed or failed before its commit, whose rows are still hot, and they are
// cut off (`reconcile`, and before every append). So a crash at any point leaves every row either
// hot or cold, never both, never neither.
//
// Reads stream a frame at a time (a few hundred kB decompressed), forwards or backwards, so a
// report over years of history holds one frame in memory, not the history.
import { closeSync, constants, fdatasyncSync, mkdirSync, openSync, readSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { RouterError } from '../protocol/errors';
import type { StoreLog } from './recovery';
import { nodeStoreFiles } from './storeFiles';

const HEADER_BYTES = 8;
/** A frame's payload is a batch of at most a few thousand rows; anything larger is damage. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const MONTH = /^\d{4}-\d{2}$/;

/** What the hot store has committed about one segment file. */
export interface SegmentState {
  /** Bytes of whole, committed frames from the start of the file. */
  bytes: number;
  /** Records in those frames. */
  records: number;
}

/** The file operations segments use; tests inject failures (disk full, I/O errors) through it. */
export interface SegmentFiles {
  mkdir(dir: string): void;
  list(dir: string): string[];
  /** Size in bytes, 0 when the file does not exist. */
  size(path: string): number;
  truncate(path: string, length: number): void;
  /** Writes `data` at `offset` (creating the file) and makes it durable (fdatasync). */
  writeDurably(path: string, offset: number, data: Uint8Array): void;
  readAt(path: string, offset: number, length: number): Buffer;
  syncDir(dir: string): void;
}

export const nodeSegmentFiles: SegmentFiles = {
  mkdir(dir) {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  },
  list(dir) {
    return readdirSync(dir);
  },
  size(path) {
    try {
      return statSync(path).size;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') {
        return 0;
      }
      throw e;
    }
  },
  truncate(path, length) {
    truncateSync(path, length);
  },
  writeDurably(path, offset, data) {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT, 0o600);
    try {
      let done = 0;
      while (done < data.byteLength) {
        done += writeSync(fd, data, done, data.byteLength - done, offset + done);
      }
      fdatasyncSync(fd);
    } finally {
      closeSync(fd);
    }
  },
  readAt(path, offset, length) {
    const fd = openSync(path, 'r');
    try {
      const buf = Buffer.allocUnsafe(length);
      let got = 0;
      while (got < length) {
        const n = readSync(fd, buf, got, length - got, offset + got);
        if (n === 0) {
          break;
        }
        got += n;
      }
      return got === length ? buf : buf.subarray(0, got);
    } finally {
      closeSync(fd);
    }
  },
  // The same directory fsync as the journal's (Windows: none; NTFS renames are durable enough).
  syncDir: (dir) => nodeStoreFiles.syncDir(dir),
};

export function encodeFrame(records: readonly unknown[]): Buffer {
  return frameOf(gzipSync(Buffer.from(JSON.stringify(records), 'utf8')));
}

/** A frame around a gzip payload (the mover compresses on the thread pool, then frames it). */
export function frameOf(payload: Buffer): Buffer {
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

function damaged(path: string, offset: number, why: string): RouterError {
  return new RouterError(
    'storeUnavailable',
    `cold ledger segment ${path} is damaged at byte ${offset} (${why}): the rows it holds cannot be read; spend totals (rollups) are unaffected — restore the file from a backup to read them again`,
    { path, offset },
  );
}

export class ColdSegments {
  constructor(
    readonly dir: string,
    private readonly files: SegmentFiles = nodeSegmentFiles,
    private readonly log: StoreLog = () => undefined,
  ) {}

  pathOf(month: string): string {
    if (!MONTH.test(month)) {
      throw new RouterError('internal', `not a segment month: ${month}`);
    }
    return join(this.dir, `requests-${month}.seg`);
  }

  /**
   * Start-up: brings the files in line with the committed state. Bytes past a committed length
   * (a move interrupted before its commit) are cut off; a file shorter than its committed length
   * is reported (its missing frames cannot be read); a file the store knows nothing about held only
   * uncommitted frames and is emptied.
   */
  reconcile(states: ReadonlyMap<string, SegmentState>): void {
    this.files.mkdir(this.dir);
    const known = new Set<string>();
    for (const [month, s] of states) {
      const path = this.pathOf(month);
      known.add(path);
      const size = this.files.size(path);
      if (size > s.bytes) {
        this.log('warn', `cold segment ${path}: cutting ${size - s.bytes} uncommitted bytes (a move interrupted before its commit; those rows are still in the hot store)`);
        this.files.truncate(path, s.bytes);
      } else if (size < s.bytes) {
        this.log('error', `cold segment ${path} is ${size} bytes but ${s.bytes} were committed: the missing rows cannot be read`);
      }
    }
    for (const name of this.files.list(this.dir)) {
      const m = /^requests-(\d{4}-\d{2})\.seg$/.exec(name);
      const path = join(this.dir, name);
      if (m && !known.has(path) && this.files.size(path) > 0) {
        this.log('warn', `cold segment ${path} holds only uncommitted frames (a first move interrupted before its commit); emptying it`);
        this.files.truncate(path, 0);
      }
    }
  }

  /**
   * Appends one frame after the committed bytes and makes it durable. Returns the new state to
   * commit; until it is committed the frame does not exist for readers. On failure the file is cut
   * back (best effort; reconcile and the next append cut it anyway) and the error is thrown.
   */
  append(month: string, state: SegmentState | undefined, records: readonly unknown[]): SegmentState {
    return this.appendFrame(month, state, encodeFrame(records), records.length);
  }

  /** `append` of a frame already encoded (encodeFrameAsync) holding `count` records. */
  appendFrame(month: string, state: SegmentState | undefined, frame: Buffer, count: number): SegmentState {
    const path = this.pathOf(month);
    const committed = state?.bytes ?? 0;
    const created = this.files.size(path) === 0;
    try {
      if (this.files.size(path) > committed) {
        this.files.truncate(path, committed);
      }
      this.files.writeDurably(path, committed, frame);
      if (created) {
        this.files.syncDir(this.dir);
      }
    } catch (e) {
      this.discardAfter(month, committed);
      throw new RouterError('storeUnavailable', `cannot write the cold ledger segment ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}; the rows stay in the hot store`);
    }
    return { bytes: committed + frame.byteLength, records: (state?.records ?? 0) + count };
  }

  /** Cuts an uncommitted tail (a move whose commit failed). Never throws: reconcile repeats it. */
  discardAfter(month: string, committed: number): void {
    try {
      const path = this.pathOf(month);
      if (this.files.size(path) > committed) {
        this.files.truncate(path, committed);
      }
    } catch (e) {
      this.log('warn', `could not cut the uncommitted tail of cold segment ${month}: ${(e as Error).message}; it is cut at the next start`);
    }
  }

  /** Offsets of the committed frames, from their headers only (nothing is decompressed). */
  private frameOffsets(path: string, committed: number): number[] {
    const offsets: number[] = [];
    let offset = 0;
    while (offset < committed) {
      const header = this.files.readAt(path, offset, HEADER_BYTES);
      if (header.byteLength < HEADER_BYTES) {
        throw damaged(path, offset, 'the file ends before its committed length');
      }
      const length = header.readUInt32LE(0);
      if (length > MAX_FRAME_BYTES || offset + HEADER_BYTES + length > committed) {
        throw damaged(path, offset, 'a frame runs past the committed length');
      }
      offsets.push(offset);
      offset += HEADER_BYTES + length;
    }
    return offsets;
  }

  private readFrame(path: string, offset: number): unknown[] {
    const header = this.files.readAt(path, offset, HEADER_BYTES);
    const length = header.readUInt32LE(0);
    const payload = this.files.readAt(path, offset + HEADER_BYTES, length);
    if (payload.byteLength !== length) {
      throw damaged(path, offset, 'the file ends inside a frame');
    }
    if (crc32(payload) !== header.readUInt32LE(4)) {
      throw damaged(path, offset, 'a frame fails its checksum');
    }
    let records: unknown;
    try {
      records = JSON.parse(gunzipSync(payload).toString('utf8'));
    } catch (e) {
      throw damaged(path, offset, `a frame cannot be decoded: ${(e as Error).message}`);
    }
    if (!Array.isArray(records)) {
      throw damaged(path, offset, 'a frame is not a list of records');
    }
    return records;
  }

  /** The committed records of one month, a frame at a time, in append order or reversed. */
  *frames(month: string, state: SegmentState, direction: 'forward' | 'backward'): Generator<unknown[]> {
    if (state.bytes === 0) {
      return;
    }
    const path = this.pathOf(month);
    const offsets = this.frameOffsets(path, state.bytes);
    if (direction === 'backward') {
      offsets.reverse();
    }
    for (const offset of offsets) {
      const records = this.readFrame(path, offset);
      yield direction === 'backward' ? records.reverse() : records;
    }
  }

  /**
   * The committed records of one month in append order, from the first frame whose last record is
   * not `before` (records are sorted, so `before` is true of a prefix). Found by a binary search
   * over the frames: about log2(frames) frames are read to skip the ones before, not all of them.
   */
  *framesFrom(month: string, state: SegmentState, before: (record: unknown) => boolean): Generator<unknown[]> {
    if (state.bytes === 0) {
      return;
    }
    const path = this.pathOf(month);
    const offsets = this.frameOffsets(path, state.bytes);
    let lo = 0;
    let hi = offsets.length;
    let first: { index: number; records: unknown[] } | null = null;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const records = this.readFrame(path, offsets[mid] as number);
      if (records.length > 0 && before(records[records.length - 1])) {
        lo = mid + 1;
      } else {
        hi = mid;
        first = { index: mid, records };
      }
    }
    for (let i = lo; i < offsets.length; i++) {
      yield first !== null && first.index === i ? first.records : this.readFrame(path, offsets[i] as number);
    }
  }

  /** Reads every committed frame of every segment: throws storeUnavailable on the first damage. */
  verify(states: ReadonlyMap<string, SegmentState>): { records: number } {
    let records = 0;
    for (const [month, s] of states) {
      for (const f of this.frames(month, s, 'forward')) {
        records += f.length;
      }
    }
    return { records };
  }
}
