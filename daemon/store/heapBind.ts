// Binds a write statement's parameters with one copy into sql.js's heap. sql.js's own bind
// allocates, encodes and frees every string separately (a malloc, two UTF-8 length scans, a copy
// and a free per text parameter: about 9 of the 11 us of inserting a 30-column ledger row here).
// This writes all of a statement's texts and blobs into one scratch buffer, copies that into one
// heap region kept for the next statement, and binds each value in place (SQLITE_STATIC: the
// region is not touched again until the statement has run and been reset).
//
// It reaches sql.js's emscripten module (cwrap, _malloc, writeArrayToMemory: exported) and a
// statement's native pointer (not exported: found in the database's statement registry and checked
// with sqlite3_sql against the statement's own text). Whatever it cannot do exactly as sql.js's
// bind would (the pointer not found, a value of another type, a string that is not well-formed
// UTF-16, which sql.js and Buffer encode differently), it declines and sql.js's bind runs instead.
import type { Database, SqlJsStatic, Statement } from 'sql.js';
import type { SqlParams } from './statements';

interface EmscriptenModule {
  cwrap(name: string, ret: 'number' | 'string', args: string[]): (...args: number[]) => unknown;
  _malloc(bytes: number): number;
  _free(ptr: number): void;
  writeArrayToMemory(array: Uint8Array, ptr: number): void;
}

type Bind5 = (stmt: number, index: number, ptr: number, bytes: number, destructor: number) => number;

const SQLITE_OK = 0;
/** A UTF-16 surrogate without its pair (a pair is one code point to a `u` regex). */
const LONE_SURROGATE = /\p{Cs}/u;

export class HeapBinder {
  private readonly bindText: Bind5;
  private readonly bindBlob: Bind5;
  private readonly bindInt: Bind5;
  private readonly bindDouble: Bind5;
  private readonly clearBindings: (stmt: number) => number;
  private readonly sqlOf: (stmt: number) => string;
  /** Native pointer per statement; null: not found, sql.js binds it. */
  private readonly pointers = new WeakMap<Statement, number | null>();
  private scratch = Buffer.allocUnsafe(16 * 1024);
  /** Byte offset and length in `scratch` of each text or blob parameter, in order. */
  private spans: number[] = [];
  private heap = 0;
  private heapBytes = 0;

  private constructor(private readonly m: EmscriptenModule) {
    this.bindText = m.cwrap('sqlite3_bind_text', 'number', ['number', 'number', 'number', 'number', 'number']) as Bind5;
    this.bindBlob = m.cwrap('sqlite3_bind_blob', 'number', ['number', 'number', 'number', 'number', 'number']) as Bind5;
    this.bindInt = m.cwrap('sqlite3_bind_int', 'number', ['number', 'number', 'number']) as Bind5;
    this.bindDouble = m.cwrap('sqlite3_bind_double', 'number', ['number', 'number', 'number']) as Bind5;
    this.clearBindings = m.cwrap('sqlite3_clear_bindings', 'number', ['number']) as (stmt: number) => number;
    this.sqlOf = m.cwrap('sqlite3_sql', 'string', ['number']) as (stmt: number) => string;
  }

  /** null when this sql.js build does not export what is needed. */
  static of(SQL: SqlJsStatic): HeapBinder | null {
    const m = SQL as unknown as Partial<EmscriptenModule>;
    if (typeof m.cwrap !== 'function' || typeof m._malloc !== 'function' || typeof m._free !== 'function' || typeof m.writeArrayToMemory !== 'function') {
      return null;
    }
    try {
      return new HeapBinder(m as EmscriptenModule);
    } catch {
      return null;
    }
  }

  /**
   * Binds `params` to `stmt` (reset, prepared from `sql` on `db`); false when it did not (nothing is
   * left bound then) and sql.js's own bind must run.
   */
  bind(db: Database, stmt: Statement, sql: string, params: SqlParams): boolean {
    if (!Array.isArray(params)) {
      return false;
    }
    const ptr = this.pointerOf(db, stmt, sql);
    if (ptr === null) {
      return false;
    }
    const used = this.encode(params);
    if (used < 0) {
      return false;
    }
    if (used > this.heapBytes) {
      if (this.heap !== 0) {
        this.m._free(this.heap);
      }
      this.heapBytes = Math.max(used, 2 * this.heapBytes, 4096);
      this.heap = this.m._malloc(this.heapBytes);
      if (this.heap === 0) {
        this.heapBytes = 0;
        return false;
      }
    }
    if (used > 0) {
      this.m.writeArrayToMemory(this.scratch.subarray(0, used), this.heap);
    }
    let span = 0;
    for (let i = 0; i < params.length; i++) {
      const v = params[i];
      // One call site for the four bind functions, on purpose. Node 20's optimizing compiler inlines a
      // small WebAssembly export called from a call site that only ever saw that one function; with
      // the sqlite3_bind_* exports inlined into this loop the process died of a segmentation fault
      // after a few hundred rows of texts and blobs (not with --no-turbo-inline-js-wasm-calls).
      // A call site that sees several functions is not inlined (sql.js binds numbers the same way).
      // heapBind.test.ts binds thousands of such rows in one process.
      let bindFn: Bind5;
      let a = 0;
      let b = 0;
      if (typeof v === 'number' || typeof v === 'boolean') {
        a = +v;
        bindFn = a === (a | 0) ? this.bindInt : this.bindDouble;
      } else if (v === null) {
        bindFn = this.bindBlob;
      } else {
        a = this.heap + (this.spans[span++] as number);
        b = this.spans[span++] as number;
        bindFn = typeof v === 'string' ? this.bindText : this.bindBlob;
      }
      const rc = bindFn(ptr, i + 1, a, b, 0);
      if (rc !== SQLITE_OK) {
        this.clearBindings(ptr);
        return false;
      }
    }
    return true;
  }

  /** Texts and blobs into `scratch`; the bytes used, or -1 for a value sql.js must bind. */
  private encode(params: readonly unknown[]): number {
    const spans = this.spans;
    spans.length = 0;
    let used = 0;
    for (const v of params) {
      if (typeof v === 'string') {
        if (LONE_SURROGATE.test(v)) {
          return -1;
        }
        // A text's bytes, with room for its terminator (sql.js binds texts it has terminated).
        this.room(used + v.length * 3 + 1);
        const n = this.scratch.write(v, used, 'utf8');
        this.scratch[used + n] = 0;
        spans.push(used, n);
        used += n + 1;
      } else if (v instanceof Uint8Array) {
        this.room(used + v.length);
        this.scratch.set(v, used);
        spans.push(used, v.length);
        used += v.length;
      } else if (v !== null && typeof v !== 'number' && typeof v !== 'boolean') {
        return -1;
      }
    }
    return used;
  }

  private room(bytes: number): void {
    if (bytes > this.scratch.length) {
      const bigger = Buffer.allocUnsafe(Math.max(bytes, 2 * this.scratch.length));
      this.scratch.copy(bigger);
      this.scratch = bigger;
    }
  }

  private pointerOf(db: Database, stmt: Statement, sql: string): number | null {
    const known = this.pointers.get(stmt);
    if (known !== undefined) {
      return known;
    }
    let found: number | null = null;
    // sql.js keeps its open statements in an object keyed by their pointers (to free them on close).
    for (const registry of Object.values(db as unknown as Record<string, unknown>)) {
      if (registry === null || typeof registry !== 'object' || registry instanceof Map || Array.isArray(registry)) {
        continue;
      }
      for (const [key, value] of Object.entries(registry)) {
        const p = Number(key);
        if (value === stmt && Number.isInteger(p) && p > 0 && this.sqlOf(p) === sql) {
          found = p;
        }
      }
    }
    this.pointers.set(stmt, found);
    return found;
  }
}
