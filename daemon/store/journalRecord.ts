// One journal record per committed write transaction:
//   [u32 LE payload length][u32 LE crc32 of payload][payload: UTF-8 JSON of the statements]
// Each statement is [sql, params?], where sql is the text or, for a text of JOURNAL_STATEMENTS,
// its index there (journalStatements.ts); records written before the index existed hold text only.
// A crash can leave the last record half-written; the length and checksum tell where the valid
// journal ends, and everything after that point is cut on start-up.
import { crc32 } from 'node:zlib';
import { JOURNAL_STATEMENTS } from './journalStatements';
import type { SqlParams, SqlValue, WrittenStatement } from './statements';

const statementIds = new Map(JOURNAL_STATEMENTS.map((sql, i) => [sql, i]));

const HEADER_BYTES = 8;
/** Larger than any real transaction; a bigger length can only be garbage. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

// JSON has no bytes and no NaN/Infinity, so those are tagged rather than silently changed.
type EncodedValue = string | number | null | { $bytes: string } | { $number: string };
type EncodedStatement = [string | number] | [string | number, EncodedValue[] | Record<string, EncodedValue>];

function encodeValue(v: SqlValue): EncodedValue {
  if (v instanceof Uint8Array) {
    return { $bytes: Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('base64') };
  }
  if (typeof v === 'number' && !Number.isFinite(v)) {
    return { $number: String(v) };
  }
  return v;
}

function decodeValue(v: unknown): SqlValue {
  if (v === null || typeof v === 'string' || typeof v === 'number') {
    return v;
  }
  if (typeof v === 'object') {
    if ('$bytes' in v && typeof v.$bytes === 'string') {
      return new Uint8Array(Buffer.from(v.$bytes, 'base64'));
    }
    if ('$number' in v && typeof v.$number === 'string') {
      return Number(v.$number);
    }
  }
  throw new Error(`unexpected value in journal record: ${JSON.stringify(v)}`);
}

function encodeParams(params: SqlParams): EncodedValue[] | Record<string, EncodedValue> {
  if (Array.isArray(params)) {
    return params.map(encodeValue);
  }
  const out: Record<string, EncodedValue> = {};
  for (const [k, v] of Object.entries(params)) {
    out[k] = encodeValue(v);
  }
  return out;
}

function isPlain(v: unknown): v is string | number | null {
  return v === null || typeof v === 'string' || typeof v === 'number';
}

function decodeParams(params: unknown): SqlParams {
  if (Array.isArray(params)) {
    // Almost every parameter list holds only strings, numbers and nulls: use it as parsed.
    return params.every(isPlain) ? params : params.map(decodeValue);
  }
  if (params !== null && typeof params === 'object') {
    const out: Record<string, SqlValue> = {};
    for (const [k, v] of Object.entries(params)) {
      out[k] = decodeValue(v);
    }
    return out;
  }
  throw new Error('journal record parameters are neither a list nor an object');
}

export function encodeRecord(statements: readonly WrittenStatement[]): Buffer {
  const encoded: EncodedStatement[] = statements.map((s) => {
    const sql = statementIds.get(s.sql) ?? s.sql;
    return s.params === undefined ? [sql] : [sql, encodeParams(s.params)];
  });
  const payload = Buffer.from(JSON.stringify(encoded), 'utf8');
  const frame = Buffer.allocUnsafe(HEADER_BYTES + payload.byteLength);
  frame.writeUInt32LE(payload.byteLength, 0);
  frame.writeUInt32LE(crc32(payload), 4);
  payload.copy(frame, HEADER_BYTES);
  return frame;
}

function decodePayload(payload: Buffer): WrittenStatement[] {
  const parsed: unknown = JSON.parse(payload.toString('utf8'));
  if (!Array.isArray(parsed)) {
    throw new Error('journal record is not a list of statements');
  }
  return parsed.map((entry: unknown): WrittenStatement => {
    if (!Array.isArray(entry) || (typeof entry[0] !== 'string' && typeof entry[0] !== 'number') || entry.length > 2) {
      throw new Error('journal record holds a malformed statement');
    }
    const sql = typeof entry[0] === 'number' ? JOURNAL_STATEMENTS[entry[0]] : entry[0];
    if (sql === undefined) {
      throw new UnknownStatementError(`journal record names statement ${String(entry[0])}, which this version does not know (written by a newer daemon?)`);
    }
    return { sql, params: entry.length === 2 ? decodeParams(entry[1]) : undefined };
  });
}

/** A whole, checksummed record this version cannot read: written by a newer daemon, not torn. */
class UnknownStatementError extends Error {}

export interface DecodedJournal {
  transactions: WrittenStatement[][];
  /** Bytes of whole, valid records from the start; the file is cut back to this. */
  validLength: number;
  /** Why reading stopped before the end of the file, if it did. */
  tornTail: string | null;
  /**
   * A valid record naming a statement this version lacks (a newer daemon's journal): reading
   * stopped there, and nothing may be cut, since that record and the ones after it were acknowledged.
   */
  newerRecord: string | null;
}

export function decodeJournal(data: Uint8Array): DecodedJournal {
  const buf = Buffer.from(data.buffer, data.byteOffset, data.byteLength);
  const transactions: WrittenStatement[][] = [];
  let offset = 0;
  let tornTail: string | null = null;
  let newerRecord: string | null = null;
  while (offset < buf.byteLength) {
    if (buf.byteLength - offset < HEADER_BYTES) {
      tornTail = `a partial record header at byte ${offset}`;
      break;
    }
    const length = buf.readUInt32LE(offset);
    const checksum = buf.readUInt32LE(offset + 4);
    if (length > MAX_RECORD_BYTES || offset + HEADER_BYTES + length > buf.byteLength) {
      tornTail = `a record at byte ${offset} runs past the end of the file`;
      break;
    }
    const payload = buf.subarray(offset + HEADER_BYTES, offset + HEADER_BYTES + length);
    if (crc32(payload) !== checksum) {
      tornTail = `a record at byte ${offset} fails its checksum`;
      break;
    }
    try {
      transactions.push(decodePayload(payload));
    } catch (e) {
      if (e instanceof UnknownStatementError) {
        newerRecord = `a record at byte ${offset}: ${e.message}`;
        break;
      }
      // A matching crc32 over unparsable JSON means a bug, not a torn write; stop here all the same.
      tornTail = `a record at byte ${offset} is unreadable: ${(e as Error).message}`;
      break;
    }
    offset += HEADER_BYTES + length;
  }
  return { transactions, validLength: offset, tornTail, newerRecord };
}
