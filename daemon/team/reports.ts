// The team scope of spend/summary, spend/timeseries and report/export: the same result shapes as
// the local reports, read from the team ledger in PostgreSQL (every member's shipped rows).
import type { Pool } from 'pg';
import type { z } from 'zod';
import type { ReportDimension, ReportExportParams, ReportExportResult, SpendTimeseriesParams, SpendTimeseriesResult } from '../protocol/budget';
import { EffortLevel } from '../protocol/chat';
import { RouterError } from '../protocol/errors';
import type { LedgerRow } from '../protocol/ledger';
import type { Params, SpendRequestsResult, SpendSummaryResult } from '../protocol/methods';
import { periodEnd, periodStart } from '../ledger/periods';
import { ExportWriter, type ExportShape } from '../ledger/exportWriter';
import { range, toMs } from '../ledger/reports';

const FAR_FUTURE = 8.64e15;

const COLUMN: Record<ReportDimension, string> = {
  model: 'model',
  provider: 'provider',
  policy: "coalesce(policy, '')",
  workspace: "coalesce(workspace, '')",
  client: 'client_kind',
  endpoint: 'endpoint',
  member: 'member_id',
};

const SUMS = `coalesce(sum(cost_usd) FILTER (WHERE cost_state = 'known'), 0) AS cost, count(*) AS n,
  count(*) FILTER (WHERE status <> 'ok') AS errors, count(*) FILTER (WHERE cost_state = 'unknown') AS unknown`;

type SumRow = { k?: string; cost: number; n: string; errors: string; unknown: string };

export async function teamSummary(pool: Pool, teamId: string, params: Params<'spend/summary'>, now: number, zone: string): Promise<SpendSummaryResult> {
  const explicit = params.from !== undefined || params.to !== undefined;
  const b = explicit
    ? range(params.from, params.to, 0, FAR_FUTURE)
    : params.period === 'all'
      ? { from: 0, to: FAR_FUTURE }
      : { from: periodStart(now, params.period, zone), to: periodEnd(now, params.period, zone) };
  const total = (await pool.query<SumRow>(`SELECT ${SUMS} FROM team_requests WHERE team_id = $1 AND ts >= $2 AND ts < $3`, [teamId, b.from, b.to])).rows[0];
  const groups =
    params.groupBy === undefined
      ? []
      : (
          await pool.query<SumRow>(
            `SELECT ${COLUMN[params.groupBy]} AS k, ${SUMS} FROM team_requests WHERE team_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1 ORDER BY 2 DESC, 1`,
            [teamId, b.from, b.to],
          )
        ).rows.map((r) => ({ key: r.k ?? '', costUsd: Number(r.cost), requests: Number(r.n) }));
  return {
    from: b.from,
    to: b.to,
    costUsd: Number(total?.cost ?? 0),
    requests: Number(total?.n ?? 0),
    errors: Number(total?.errors ?? 0),
    unknownPriceRequests: Number(total?.unknown ?? 0),
    groups,
    timeZone: zone,
  };
}

export async function teamTimeseries(pool: Pool, teamId: string, params: z.output<typeof SpendTimeseriesParams>, now: number, zone: string): Promise<SpendTimeseriesResult> {
  const r = range(toMs(params.from, 'from'), toMs(params.to, 'to'), 0, now);
  const key = params.groupBy === undefined ? 'NULL' : COLUMN[params.groupBy];
  // Buckets start at local midnight (Monday for weeks) in the daemon's zone, like the local report.
  const rows = await pool.query<SumRow & { start: string }>(
    `SELECT (extract(epoch FROM (date_trunc($4, to_timestamp(ts / 1000.0) AT TIME ZONE $5) AT TIME ZONE $5)) * 1000)::bigint AS start, ${key} AS k, ${SUMS}
     FROM team_requests WHERE team_id = $1 AND ts >= $2 AND ts < $3 GROUP BY 1, 2 ORDER BY 1, 2`,
    [teamId, r.from, r.to, params.bucket, zone],
  );
  return {
    from: r.from,
    to: r.to,
    bucket: params.bucket,
    timeZone: zone,
    points: rows.rows.map((p) => ({
      start: Number(p.start),
      key: params.groupBy === undefined ? null : (p.k ?? ''),
      costUsd: Number(p.cost),
      requests: Number(p.n),
      errors: Number(p.errors),
      unknownPriceRequests: Number(p.unknown),
    })),
  };
}

const EXPORT_COLUMNS = [
  'request_id', 'member_id', 'ts', 'client_kind', 'workspace', 'endpoint', 'requested_model', 'model', 'provider', 'policy', 'task_type', 'stream',
  'tokens_in', 'tokens_out', 'tokens_cached', 'tokens_reasoning', 'estimated_cost_usd', 'cost_usd', 'cost_state', 'latency_ms', 'ttft_ms', 'status', 'error_code',
  'effort', 'expected_wall_ms',
] as const;
const EXPORT_PAGE = 2000;

type ExportRow = Record<(typeof EXPORT_COLUMNS)[number], unknown>;


/** JSON keeps numbers as numbers (pg returns bigint as text). */
function jsonRow(r: ExportRow): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const c of EXPORT_COLUMNS) {
    const v = r[c];
    out[c] = typeof v === 'string' && /^(ts|tokens_|latency_ms|ttft_ms|expected_wall_ms)/.test(c) ? Number(v) : v;
  }
  return out;
}

async function* pages(pool: Pool, teamId: string, from: number, to: number): AsyncGenerator<ExportRow[]> {
  let after: { ts: string; id: string } | null = null;
  for (;;) {
    const cols = EXPORT_COLUMNS.join(', ');
    const res: { rows: ExportRow[] } =
      after === null
        ? await pool.query<ExportRow>(`SELECT ${cols} FROM team_requests WHERE team_id = $1 AND ts >= $2 AND ts < $3 ORDER BY ts, request_id LIMIT $4`, [teamId, from, to, EXPORT_PAGE])
        : await pool.query<ExportRow>(
            `SELECT ${cols} FROM team_requests WHERE team_id = $1 AND ts < $3 AND (ts, request_id) > ($4::bigint, $5) ORDER BY ts, request_id LIMIT $6`,
            [teamId, from, to, after.ts, after.id, EXPORT_PAGE],
          );
    if (res.rows.length === 0) {
      return;
    }
    yield res.rows;
    const last = res.rows[res.rows.length - 1] as ExportRow;
    after = { ts: String(last.ts), id: String(last.request_id) };
    if (res.rows.length < EXPORT_PAGE) {
      return;
    }
  }
}

export async function teamExport(pool: Pool, teamId: string, params: z.output<typeof ReportExportParams>, now: number): Promise<ReportExportResult> {
  const r = range(toMs(params.from, 'from'), toMs(params.to, 'to'), 0, now + 1);
  const shape: ExportShape<ExportRow> = { format: params.format, columns: EXPORT_COLUMNS, cell: (row, c) => row[c as keyof ExportRow], json: jsonRow };
  const out = params.path === undefined ? ExportWriter.inline(shape) : ExportWriter.toFile(shape, params.path, now);
  try {
    for await (const page of pages(pool, teamId, r.from, r.to)) {
      out.page(page);
    }
    return { format: params.format, from: r.from, to: r.to, ...out.finish() };
  } catch (e) {
    return out.abort(e);
  }
}

type TeamRow = {
  request_id: string; member_id: string; ts: string; client_kind: string; workspace: string | null; endpoint: string; requested_model: string;
  model: string; provider: string; policy: string | null; task_type: string | null; stream: boolean; tokens_in: string; tokens_out: string;
  tokens_cached: string; tokens_reasoning: string; estimated_cost_usd: number | null; cost_usd: number | null; cost_state: string;
  latency_ms: string; ttft_ms: string | null; status: string; error_code: string | null;
  /** Absent only on a database no daemon with the addition has connected to yet. */
  effort?: string | null; expected_wall_ms?: string | null;
};

/** The team ledger's rows, newest first, keyset-paginated like the local spend/requests. */
export async function teamRequests(pool: Pool, teamId: string, params: Params<'spend/requests'>): Promise<SpendRequestsResult> {
  const where = ['team_id = $1'];
  const args: unknown[] = [teamId];
  const add = (sql: string, v: unknown): void => {
    args.push(v);
    where.push(sql.replace('?', `$${args.length}`));
  };
  if (params.cursor !== undefined) {
    const c = decodeTeamCursor(params.cursor);
    args.push(c.ts, c.id);
    where.push(`(ts, request_id) < ($${args.length - 1}::bigint, $${args.length})`);
  }
  const filters: [string, unknown][] = [
    ['member_id = ?', params.member],
    ['model = ?', params.model],
    ['provider = ?', params.provider],
    ['status = ?', params.status],
    ['ts >= ?', params.from],
    ['ts < ?', params.to],
  ];
  for (const [sql, value] of filters) {
    if (value !== undefined) {
      add(sql, value);
    }
  }
  args.push(params.limit + 1);
  const res = await pool.query<TeamRow>(`SELECT * FROM team_requests WHERE ${where.join(' AND ')} ORDER BY ts DESC, request_id DESC LIMIT $${args.length}`, args);
  const rows: LedgerRow[] = res.rows.slice(0, params.limit).map((r) => ({
    id: r.request_id,
    ts: Number(r.ts),
    clientKind: r.client_kind,
    clientName: null,
    workspace: r.workspace,
    endpoint: r.endpoint as LedgerRow['endpoint'],
    requestedModel: r.requested_model,
    model: r.model,
    provider: r.provider,
    policy: r.policy,
    strategy: null,
    taskType: r.task_type,
    reason: null,
    stream: r.stream,
    tokensIn: Number(r.tokens_in),
    tokensOut: Number(r.tokens_out),
    tokensCached: Number(r.tokens_cached),
    tokensReasoning: Number(r.tokens_reasoning),
    estimatedCostUsd: r.estimated_cost_usd,
    costUsd: r.cost_usd,
    costState: r.cost_state === 'known' ? 'known' : 'unknown',
    latencyMs: Number(r.latency_ms),
    ttftMs: r.ttft_ms === null ? null : Number(r.ttft_ms),
    status: r.status as LedgerRow['status'],
    errorCode: r.error_code,
    effort: effortOf(r.effort),
    expectedWallMs: r.expected_wall_ms === null || r.expected_wall_ms === undefined ? null : Number(r.expected_wall_ms),
    fallbacks: [],
    experimentId: null,
    arm: null,
    memberId: r.member_id,
  }));
  const last = rows[rows.length - 1];
  return { rows, nextCursor: res.rows.length > params.limit && last ? Buffer.from(JSON.stringify(['team', last.ts, last.id])).toString('base64url') : null };
}

/** Another member's daemon (maybe another version) wrote it: anything unknown reads as null. */
function effortOf(v: unknown): EffortLevel | null {
  const parsed = EffortLevel.safeParse(v);
  return parsed.success ? parsed.data : null;
}

function decodeTeamCursor(cursor: string): { ts: number; id: string } {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    if (Array.isArray(v) && v[0] === 'team' && typeof v[1] === 'number' && typeof v[2] === 'string') {
      return { ts: v[1], id: v[2] };
    }
  } catch {
    // Reported below.
  }
  throw new RouterError('invalidParams', 'cursor is not one this daemon handed out for the team scope: pass nextCursor from the previous page unchanged');
}
