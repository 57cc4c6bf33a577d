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
//
// Beside each segment, `requests-<month>.ids` holds one id filter per frame (idFilter.ts), so a
// lookup by id reads only the frames that may hold it. The file is an index, never the record:
//   [8 bytes "LRIDF001"] then per frame [u32 LE body length][u32 LE crc32 of body]
//   [body: f64 LE frame offset, u32 LE payload length, u32 LE payload crc32, filter bits]
// An entry counts only while it is whole, passes its checksum and names exactly the frame at its
// place (offset, length and checksum from the frame's own header): from the first entry that does
// not, the frames are read as if there were no filter. So a missing, torn, corrupt or stale file
// costs reads, never a row. Entries are appended after a move's commit and by a background pass
// over frames that have none (segments written before filters existed, a failed append).
import { closeSync, constants, fdatasyncSync, mkdirSync, openSync, readSync, readdirSync, statSync, truncateSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { crc32, gunzipSync, gzipSync } from 'node:zlib';
import { RouterError } from '../protocol/errors';
import type { StoreLog } from './recovery';
import { idFilterOf } from './idFilter';
import { nodeStoreFiles } from './storeFiles';

const HEADER_BYTES = 8;
/** A frame's payload is a batch of at most a few thousand rows; anything larger is damage. */
const MAX_FRAME_BYTES = 64 * 1024 * 1024;
const MONTH = /^\d{4}-\d{2}$/;
const FILTER_MAGIC = Buffer.from('LRIDF001', 'latin1');
/** An entry's fixed part: frame offset (f64), payload length, payload crc. */
const FILTER_ENTRY_FIXED = 16;

/** One committed frame, as its header describes it. */
interface FrameHeader {
  offset: number;
  /** Payload bytes (the frame is HEADER_BYTES more). */
  length: number;
  crc: number;
}

/** The valid prefix of a segment's filter file: one filter per frame it covers, in frame order. */
interface FilterPrefix {
  filters: Buffer[];
  /** Bytes of the file that hold the valid prefix (0: not even the magic; rewrite from the start). */
  bytes: number;
}

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

  /** The committed frames, from their headers only (nothing is decompressed). */
  private frameHeaders(path: string, committed: number): FrameHeader[] {
    const headers: FrameHeader[] = [];
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
      headers.push({ offset, length, crc: header.readUInt32LE(4) });
      offset += HEADER_BYTES + length;
    }
    return headers;
  }

  private frameOffsets(path: string, committed: number): number[] {
    return this.frameHeaders(path, committed).map((h) => h.offset);
  }

  filterPathOf(month: string): string {
    return this.pathOf(month).replace(/\.seg$/, '.ids');
  }

  /**
   * The filters that hold for `frames`, from the first frame on, up to the first entry that is
   * torn, fails its checksum or names another frame. Never throws: an unreadable file is no filter.
   */
  private filterPrefix(month: string, frames: readonly FrameHeader[]): FilterPrefix {
    const none: FilterPrefix = { filters: [], bytes: 0 };
    let buf: Buffer;
    try {
      const path = this.filterPathOf(month);
      const size = this.files.size(path);
      if (size < FILTER_MAGIC.byteLength) {
        return none;
      }
      buf = this.files.readAt(path, 0, size);
    } catch {
      return none;
    }
    if (buf.byteLength < FILTER_MAGIC.byteLength || !buf.subarray(0, FILTER_MAGIC.byteLength).equals(FILTER_MAGIC)) {
      return none;
    }
    const filters: Buffer[] = [];
    let pos = FILTER_MAGIC.byteLength;
    for (const frame of frames) {
      if (pos + HEADER_BYTES > buf.byteLength) {
        break;
      }
      const length = buf.readUInt32LE(pos);
      if (length <= FILTER_ENTRY_FIXED || pos + HEADER_BYTES + length > buf.byteLength) {
        break;
      }
      const body = buf.subarray(pos + HEADER_BYTES, pos + HEADER_BYTES + length);
      if (crc32(body) !== buf.readUInt32LE(pos + 4)) {
        break;
      }
      if (body.readDoubleLE(0) !== frame.offset || body.readUInt32LE(8) !== frame.length || body.readUInt32LE(12) !== frame.crc) {
        break;
      }
      filters.push(body.subarray(FILTER_ENTRY_FIXED));
      pos += HEADER_BYTES + length;
    }
    return { filters, bytes: pos };
  }

  /** Writes the filter of `frame` at the end of the valid prefix (cutting whatever follows it). */
  private writeFilter(month: string, prefix: FilterPrefix, frame: FrameHeader, ids: readonly string[]): void {
    const bits = idFilterOf(ids);
    const body = Buffer.allocUnsafe(FILTER_ENTRY_FIXED + bits.byteLength);
    body.writeDoubleLE(frame.offset, 0);
    body.writeUInt32LE(frame.length, 8);
    body.writeUInt32LE(frame.crc, 12);
    bits.copy(body, FILTER_ENTRY_FIXED);
    const head = Buffer.allocUnsafe(HEADER_BYTES);
    head.writeUInt32LE(body.byteLength, 0);
    head.writeUInt32LE(crc32(body), 4);
    const path = this.filterPathOf(month);
    const entry = prefix.bytes === 0 ? Buffer.concat([FILTER_MAGIC, head, body]) : Buffer.concat([head, body]);
    if (this.files.size(path) > prefix.bytes) {
      this.files.truncate(path, prefix.bytes);
    }
    this.files.writeDurably(path, prefix.bytes, entry);
  }

  /**
   * Records the id filter of the committed frame at `offset` (a move, once its commit is durable),
   * when every frame before it has one; otherwise the background pass (indexNext) covers it.
   * Returns whether it wrote. Throws on an I/O error (the caller logs it: reads fall back to the frame).
   */
  recordFilter(month: string, state: SegmentState, offset: number, ids: readonly string[]): boolean {
    const frames = this.frameHeaders(this.pathOf(month), state.bytes);
    const index = frames.findIndex((f) => f.offset === offset);
    const prefix = this.filterPrefix(month, frames);
    if (index < 0 || prefix.filters.length !== index) {
      return false;
    }
    this.writeFilter(month, prefix, frames[index] as FrameHeader, ids);
    return true;
  }

  /**
   * Covers the first committed frame that has no valid filter, reading it once. Returns whether
   * one was written (false: every frame is covered). `idsOf` names the ids of a frame's records.
   */
  indexNext(month: string, state: SegmentState, idsOf: (records: unknown[]) => string[]): boolean {
    const path = this.pathOf(month);
    const frames = this.frameHeaders(path, state.bytes);
    const prefix = this.filterPrefix(month, frames);
    const next = frames[prefix.filters.length];
    if (next === undefined) {
      return false;
    }
    this.writeFilter(month, prefix, next, idsOf(this.readFrame(path, next.offset)));
    return true;
  }

  /** How many of a segment's committed frames have a valid filter (tests, logs). */
  filteredFrames(month: string, state: SegmentState): number {
    return this.filterPrefix(month, this.frameHeaders(this.pathOf(month), state.bytes)).filters.length;
  }

  /**
   * The committed records of one month in append order, skipping the frames whose filter rules
   * out what is looked for (`mayHold` false). Frames without a valid filter are read, except, when
   * `before` is given (true of a sorted prefix of the records, as for framesFrom), those a binary
   * search finds wholly before: while some frames have no filter, that search costs about
   * log2(frames) reads where reading them all from the first would cost every one.
   */
  *framesMayHolding(month: string, state: SegmentState, mayHold: (filter: Buffer) => boolean, before?: (record: unknown) => boolean): Generator<unknown[]> {
    if (state.bytes === 0) {
      return;
    }
    const path = this.pathOf(month);
    const frames = this.frameHeaders(path, state.bytes);
    const { filters } = this.filterPrefix(month, frames);
    const start = before === undefined || filters.length === frames.length ? { index: 0, first: null } : this.firstNotBefore(path, frames.map((f) => f.offset), before);
    for (let i = start.index; i < frames.length; i++) {
      const filter = filters[i];
      if (filter !== undefined && !mayHold(filter)) {
        continue;
      }
      yield start.first !== null && start.first.index === i ? start.first.records : this.readFrame(path, (frames[i] as FrameHeader).offset);
    }
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
    const { index, first } = this.firstNotBefore(path, offsets, before);
    for (let i = index; i < offsets.length; i++) {
      yield first !== null && first.index === i ? first.records : this.readFrame(path, offsets[i] as number);
    }
  }

  /** The first frame whose last record is not `before`, by a binary search (with its records when read). */
  private firstNotBefore(path: string, offsets: readonly number[], before: (record: unknown) => boolean): { index: number; first: { index: number; records: unknown[] } | null } {
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
    return { index: lo, first };
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
