// The `requests` and `attempts` tables: one row per routed request, one per provider attempt.
// Writes take the caller's transaction (budgets settle in the same one); reads take any ReadTx.
// Spend totals are served from rollups (reports.ts); this file owns the rows themselves.
import type { Params } from '../protocol/methods';
import type { SpendRequestsResult } from '../protocol/methods';
import type { Endpoint, LedgerRow, RequestStatus } from '../protocol/ledger';
import { EffortLevel } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { ReadTx, Row, SqlValue, WriteTx } from '../store/database';
import { mergeByKey, type RowKey } from './rowOrder';

export interface AttemptRow {
  n: number;
  ts: number;
  model: string;
  provider: string;
  status: RequestStatus;
  errorCode: string | null;
  latencyMs: number;
}

const COLUMNS = [
  'id', 'ts', 'client_kind', 'client_name', 'workspace', 'endpoint', 'requested_model', 'model', 'provider', 'policy', 'strategy',
  'task_type', 'reason', 'stream', 'tokens_in', 'tokens_out', 'tokens_cached', 'tokens_reasoning', 'estimated_cost_usd', 'cost_usd',
  'cost_state', 'latency_ms', 'ttft_ms', 'status', 'error_code', 'fallbacks', 'experiment_id', 'arm', 'effort', 'expected_wall_ms',
  'sole_attempt_offset_ms', 'sole_attempt_latency_ms',
] as const;

const INSERT_REQUEST = `INSERT INTO requests (${COLUMNS.join(', ')}) VALUES (${COLUMNS.map(() => '?').join(', ')})`;
const INSERT_ATTEMPT = 'INSERT INTO attempts (request_id, n, ts, model, provider, status, error_code, latency_ms) VALUES (?, ?, ?, ?, ?, ?, ?, ?)';

/**
 * The request's only attempt when it repeats the row (same model, provider, status and error
 * code, integer times): it is stored on the row (migration 17) instead of as an `attempts` row.
 */
function soleAttempt(row: LedgerRow, attempts: readonly AttemptRow[]): AttemptRow | null {
  const a = attempts[0];
  return attempts.length === 1 && a !== undefined && a.n === 1 && a.model === row.model && a.provider === row.provider && a.status === row.status &&
    a.errorCode === row.errorCode && Number.isSafeInteger(a.ts) && Number.isSafeInteger(row.ts)
    ? a
    : null;
}

export function insertRequest(tx: WriteTx, row: LedgerRow, attempts: readonly AttemptRow[]): void {
  const sole = soleAttempt(row, attempts);
  tx.run(INSERT_REQUEST, [
    row.id, row.ts, row.clientKind, row.clientName, row.workspace, row.endpoint, row.requestedModel, row.model, row.provider, row.policy,
    row.strategy, row.taskType, row.reason, row.stream ? 1 : 0, row.tokensIn, row.tokensOut, row.tokensCached, row.tokensReasoning,
    row.estimatedCostUsd, row.costState === 'known' ? row.costUsd : null, row.costState, Math.round(row.latencyMs),
    row.ttftMs === null ? null : Math.round(row.ttftMs), row.status, row.errorCode, JSON.stringify(row.fallbacks), row.experimentId, row.arm,
    row.effort ?? null, row.expectedWallMs === undefined || row.expectedWallMs === null ? null : Math.round(row.expectedWallMs),
    sole === null ? null : sole.ts - row.ts, sole === null ? null : Math.round(sole.latencyMs),
  ]);
  if (sole !== null) {
    return;
  }
  for (const a of attempts) {
    tx.run(INSERT_ATTEMPT, [row.id, a.n, a.ts, a.model, a.provider, a.status, a.errorCode, Math.round(a.latencyMs)]);
  }
}

const str = (v: SqlValue | undefined): string | null => (v === null || v === undefined ? null : String(v));
const num = (v: SqlValue | undefined): number => (typeof v === 'number' ? v : Number(v ?? 0));
const numOrNull = (v: SqlValue | undefined): number | null => (v === null || v === undefined ? null : Number(v));

function fallbacksOf(v: SqlValue | undefined): string[] {
  try {
    const parsed = JSON.parse(String(v ?? '[]')) as unknown;
    return Array.isArray(parsed) ? parsed.map(String) : [];
  } catch {
    return [];
  }
}

const EFFORTS: ReadonlySet<string> = new Set(EffortLevel.options);

function effortOf(v: SqlValue | undefined): EffortLevel | null {
  return typeof v === 'string' && EFFORTS.has(v) ? (v as EffortLevel) : null;
}

export function rowFromDb(r: Row): LedgerRow {
  return {
    id: String(r.id),
    ts: num(r.ts),
    clientKind: String(r.client_kind),
    clientName: str(r.client_name),
    workspace: str(r.workspace),
    endpoint: String(r.endpoint) as Endpoint,
    requestedModel: String(r.requested_model),
    model: String(r.model),
    provider: String(r.provider),
    policy: str(r.policy),
    strategy: str(r.strategy),
    taskType: str(r.task_type),
    reason: str(r.reason),
    stream: num(r.stream) === 1,
    tokensIn: num(r.tokens_in),
    tokensOut: num(r.tokens_out),
    tokensCached: num(r.tokens_cached),
    tokensReasoning: num(r.tokens_reasoning),
    estimatedCostUsd: numOrNull(r.estimated_cost_usd),
    costUsd: numOrNull(r.cost_usd),
    costState: r.cost_state === 'known' ? 'known' : 'unknown',
    latencyMs: num(r.latency_ms),
    ttftMs: numOrNull(r.ttft_ms),
    status: String(r.status) as RequestStatus,
    errorCode: str(r.error_code),
    fallbacks: fallbacksOf(r.fallbacks),
    experimentId: str(r.experiment_id),
    arm: str(r.arm),
    effort: effortOf(r.effort),
    expectedWallMs: numOrNull(r.expected_wall_ms),
  };
}

export function getRequest(tx: ReadTx, id: string): LedgerRow | undefined {
  const r = tx.get(`SELECT * FROM requests WHERE id = ?`, [id]);
  return r ? rowFromDb(r) : undefined;
}

/**
 * A stored request row as it was before migration 17, and its sole attempt (null when its
 * attempts, if any, are `attempts` rows) in that table's shape: what a cold segment record holds.
 */
export function splitSoleAttempt(r: Row): { row: Row; sole: Row | null } {
  const { sole_attempt_offset_ms: offset, sole_attempt_latency_ms: latency, ...row } = r;
  if (latency === null || latency === undefined) {
    return { row, sole: null };
  }
  return {
    row,
    sole: { request_id: r.id ?? null, n: 1, ts: num(r.ts) + num(offset), model: r.model ?? null, provider: r.provider ?? null, status: r.status ?? null, error_code: r.error_code ?? null, latency_ms: latency },
  };
}

/** Every attempt of a request, the sole one stored on its row included (the request_attempts view). */
export function attemptsOf(tx: ReadTx, requestId: string): AttemptRow[] {
  return tx.all('SELECT * FROM request_attempts WHERE request_id = ? ORDER BY n', [requestId]).map((r) => ({
    n: num(r.n),
    ts: num(r.ts),
    model: String(r.model),
    provider: String(r.provider),
    status: String(r.status) as RequestStatus,
    errorCode: str(r.error_code),
    latencyMs: num(r.latency_ms),
  }));
}

function encodeCursor(row: LedgerRow): string {
  return Buffer.from(JSON.stringify([row.ts, row.id])).toString('base64url');
}

function decodeCursor(cursor: string): { ts: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && typeof v[0] === 'number' && typeof v[1] === 'string') {
      return { ts: v[0], id: v[1] };
    }
  } catch {
    // Reported below.
  }
  throw new RouterError('invalidParams', 'cursor is not one this daemon handed out: pass nextCursor from the previous page unchanged');
}

/** Cold rows newest first, strictly before `before` when given, in [from, to) (archive.ts). */
export type ColdRowsDescending = (from: number, to: number, before: RowKey | null) => Iterator<LedgerRow>;

/**
 * Newest first, keyset-paginated on (ts, id) so pages stay stable while rows are added. With
 * `cold`, the page continues into the cold segments once the hot rows run out (merged by key).
 */
export function listRequests(tx: ReadTx, params: Params<'spend/requests'>, cold?: ColdRowsDescending): SpendRequestsResult {
  const where: string[] = [];
  const args: SqlValue[] = [];
  const cursor = params.cursor === undefined ? null : decodeCursor(params.cursor);
  if (cursor !== null) {
    const c = cursor;
    where.push('(ts < ? OR (ts = ? AND id < ?))');
    args.push(c.ts, c.ts, c.id);
  }
  if (params.model !== undefined) {
    where.push('model = ?');
    args.push(params.model);
  }
  if (params.provider !== undefined) {
    where.push('provider = ?');
    args.push(params.provider);
  }
  if (params.status !== undefined) {
    where.push('status = ?');
    args.push(params.status);
  }
  if (params.from !== undefined) {
    where.push('ts >= ?');
    args.push(params.from);
  }
  if (params.to !== undefined) {
    where.push('ts < ?');
    args.push(params.to);
  }
  args.push(params.limit + 1);
  let rows = tx
    .all(`SELECT * FROM requests ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''} ORDER BY ts DESC, id DESC LIMIT ?`, args)
    .map(rowFromDb);
  if (cold !== undefined) {
    const matches = (r: LedgerRow): boolean =>
      (params.model === undefined || r.model === params.model) &&
      (params.provider === undefined || r.provider === params.provider) &&
      (params.status === undefined || r.status === params.status);
    const coldRows = (function* () {
      const it = cold(params.from ?? 0, params.to ?? Number.MAX_SAFE_INTEGER, cursor);
      for (let x = it.next(); !x.done; x = it.next()) {
        if (matches(x.value)) {
          yield x.value;
        }
      }
    })();
    const merged: LedgerRow[] = [];
    for (const r of mergeByKey(rows[Symbol.iterator](), coldRows, 'descending')) {
      merged.push(r);
      if (merged.length > params.limit) {
        break;
      }
    }
    rows = merged;
  }
  const page = rows.slice(0, params.limit);
  const last = page[page.length - 1];
  return { rows: page, nextCursor: rows.length > params.limit && last ? encodeCursor(last) : null };
}
