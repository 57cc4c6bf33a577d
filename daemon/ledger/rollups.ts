// Spend rollups: per UTC hour, one row per dimension (model, provider, policy, workspace, client,
// endpoint) and key, updated in the ledger row's own write. A summary reads whole hours from the
// rollup and only the partial hours at the range's edges from `requests`, so it stays exact for
// any range and fast at a million rows.
import type { LedgerRow } from '../protocol/ledger';
import type { SpendDimension } from '../protocol/budget';
import type { ReadTx, WriteTx } from '../store/database';
import type { ModelPrice } from './pricing';
import { periodEnd, periodStart, type CalendarPeriod } from './periods';

const HOUR = 3_600_000;
const DIMENSIONS: readonly SpendDimension[] = ['model', 'provider', 'policy', 'workspace', 'client', 'endpoint'];
/** A pseudo-dimension with one key per hour: totals and ungrouped series read 1 row an hour. */
const TOTAL_DIM = 'total';
const BUCKETS_PER_QUERY = 64;

function keyOf(row: LedgerRow, dim: SpendDimension): string {
  switch (dim) {
    case 'model':
      return row.model;
    case 'provider':
      return row.provider;
    case 'policy':
      return row.policy ?? '';
    case 'workspace':
      return row.workspace ?? '';
    case 'client':
      return row.clientKind;
    case 'endpoint':
      return row.endpoint;
  }
}

// Short SQL and numbered parameters on purpose: the journal stores every statement's text and
// parameters, so this statement is most of the bytes a recorded request writes. The dimension
// names are literals; the order matches DIMENSIONS (?10..?15), then the total.
const UPSERT =
  "INSERT INTO spend_hourly SELECT d.column1,?1,d.column2,1,?2,?3,?4,?5,?6,?7,?8,?9 FROM (VALUES('model',?10),('provider',?11),('policy',?12)," +
  "('workspace',?13),('client',?14),('endpoint',?15),('total',''))d WHERE 1 ON CONFLICT DO UPDATE SET requests=requests+1,errors=errors+?2," +
  'unknown_price=unknown_price+?3,cost_usd=cost_usd+?4,priced_tokens_in=priced_tokens_in+?5,priced_tokens_cached=priced_tokens_cached+?6,' +
  'priced_tokens_out=priced_tokens_out+?7,tokens_in=tokens_in+?8,tokens_out=tokens_out+?9';

/** One statement updates the row of every dimension for this hour. */
export function recordInRollups(tx: WriteTx, row: LedgerRow): void {
  const known = row.costState === 'known' && row.costUsd !== null;
  tx.run(UPSERT, [
    Math.floor(row.ts / HOUR),
    row.status === 'ok' ? 0 : 1,
    known ? 0 : 1,
    known ? (row.costUsd as number) : 0,
    known ? row.tokensIn : 0,
    known ? row.tokensCached : 0,
    known ? row.tokensOut : 0,
    row.tokensIn,
    row.tokensOut,
    ...DIMENSIONS.map((d) => keyOf(row, d)),
  ]);
}

const REQUEST_COLUMN: Record<SpendDimension, string> = {
  model: 'model',
  provider: 'provider',
  policy: "COALESCE(policy, '')",
  workspace: "COALESCE(workspace, '')",
  client: 'client_kind',
  endpoint: 'endpoint',
};

/**
 * Rebuilds the rollup from `requests` (after importing rows recorded without it). Only for a
 * ledger with no cold segments: the hours of moved rows would be lost (see archive.ts).
 */
export function rebuildRollups(tx: WriteTx): void {
  tx.run('DELETE FROM spend_hourly', []);
  for (const dim of [...DIMENSIONS, TOTAL_DIM] as const) {
    tx.run(
      `INSERT INTO spend_hourly (dim, hour, key, requests, errors, unknown_price, cost_usd, priced_tokens_in, priced_tokens_cached, priced_tokens_out, tokens_in, tokens_out)
       SELECT ?, ts / ${HOUR}, ${dim === TOTAL_DIM ? "''" : REQUEST_COLUMN[dim]}, count(*), sum(status <> 'ok'), sum(cost_state = 'unknown'),
         COALESCE(sum(CASE WHEN cost_state = 'known' THEN cost_usd END), 0), COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_in END), 0),
         COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_cached END), 0), COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_out END), 0),
         sum(tokens_in), sum(tokens_out)
       FROM requests GROUP BY 2, 3`,
      [dim],
    );
  }
}

interface Agg {
  key: string;
  costUsd: number;
  requests: number;
  errors: number;
  unknownPrice: number;
  pricedIn: number;
  pricedCached: number;
  pricedOut: number;
}

type AggRow = { k: string; cost: number; n: number; errors: number; unknown: number; pin: number; pcached: number; pout: number };

function add(into: Map<string, Agg>, r: AggRow): void {
  const a = into.get(r.k) ?? { key: r.k, costUsd: 0, requests: 0, errors: 0, unknownPrice: 0, pricedIn: 0, pricedCached: 0, pricedOut: 0 };
  a.costUsd += r.cost;
  a.requests += r.n;
  a.errors += r.errors;
  a.unknownPrice += r.unknown;
  a.pricedIn += r.pin;
  a.pricedCached += r.pcached;
  a.pricedOut += r.pout;
  into.set(r.k, a);
}

/** Rows of a range that are no longer in `requests` (the cold segments, see archive.ts). */
export type ColdRows = (from: number, to: number) => Iterable<LedgerRow>;

function addRow(into: Map<string, Agg>, row: LedgerRow, dim: SpendDimension | null): void {
  const known = row.costState === 'known' && row.costUsd !== null;
  add(into, {
    k: dim ? keyOf(row, dim) : '',
    cost: known ? (row.costUsd as number) : 0,
    n: 1,
    errors: row.status === 'ok' ? 0 : 1,
    unknown: row.costState === 'unknown' ? 1 : 0,
    pin: known ? row.tokensIn : 0,
    pcached: known ? row.tokensCached : 0,
    pout: known ? row.tokensOut : 0,
  });
}

/**
 * Aggregates [from, to) by one key expression: whole hours from the rollup, the partial hours at
 * the edges from the rows (hot ones from `requests`, cold ones streamed from `cold`).
 */
function aggregate(tx: ReadTx, from: number, to: number, dim: SpendDimension | null, cold?: ColdRows): Map<string, Agg> {
  const out = new Map<string, Agg>();
  if (to <= from) {
    return out;
  }
  const firstHour = Math.ceil(from / HOUR);
  const lastHour = Math.floor(to / HOUR);
  const rk = dim ? 'key' : "''";
  const qk = dim ? REQUEST_COLUMN[dim] : "''";
  const rawSql = `SELECT ${qk} AS k, COALESCE(sum(CASE WHEN cost_state = 'known' THEN cost_usd END), 0) AS cost, count(*) AS n,
      COALESCE(sum(status <> 'ok'), 0) AS errors, COALESCE(sum(cost_state = 'unknown'), 0) AS unknown,
      COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_in END), 0) AS pin, COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_cached END), 0) AS pcached,
      COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_out END), 0) AS pout
    FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1`;
  const edge = (a: number, b: number): void => {
    for (const r of tx.all<AggRow>(rawSql, [a, b])) {
      add(out, r);
    }
    for (const row of cold?.(a, b) ?? []) {
      addRow(out, row, dim);
    }
  };
  if (firstHour >= lastHour) {
    edge(from, to);
    return out;
  }
  for (const r of tx.all<AggRow>(
    `SELECT ${rk} AS k, sum(cost_usd) AS cost, sum(requests) AS n, sum(errors) AS errors, sum(unknown_price) AS unknown,
       sum(priced_tokens_in) AS pin, sum(priced_tokens_cached) AS pcached, sum(priced_tokens_out) AS pout
     FROM spend_hourly WHERE dim = ? AND hour >= ? AND hour < ? GROUP BY 1`,
    [dim ?? TOTAL_DIM, firstHour, lastHour],
  )) {
    add(out, r);
  }
  for (const [a, b] of [
    [from, firstHour * HOUR],
    [lastHour * HOUR, to],
  ] as const) {
    if (b > a) {
      edge(a, b);
    }
  }
  return out;
}

/**
 * What one key of one dimension (null: every row) spent in [from, to): whole hours from the
 * rollup, the edges from hot and cold rows. A new budget starts from this (reservations.ts), so it
 * counts rows that already moved to the cold segments.
 */
export function keyTotals(tx: ReadTx, from: number, to: number, dim: SpendDimension | null, key: string, cold?: ColdRows): { costUsd: number; requests: number; unknownPriceRequests: number } {
  const a = aggregate(tx, from, to, dim, cold).get(dim === null ? '' : key);
  return { costUsd: a?.costUsd ?? 0, requests: a?.requests ?? 0, unknownPriceRequests: a?.unknownPrice ?? 0 };
}

export interface SpendTotals {
  costUsd: number;
  requests: number;
  errors: number;
  unknownPriceRequests: number;
  groups: { key: string; costUsd: number; requests: number; errors: number; unknownPriceRequests: number }[];
  baselineCostUsd: number | null;
  savingsUsd: number | null;
}

/** What the priced tokens would have cost at `baseline` (the "always use X" comparison). */
function baselineCost(a: { pricedIn: number; pricedCached: number; pricedOut: number }, p: ModelPrice): number {
  return (Math.max(0, a.pricedIn - a.pricedCached) * p.inputPerMTok + a.pricedCached * p.cachedInputPerMTok + a.pricedOut * p.outputPerMTok) / 1e6;
}

export function summarize(tx: ReadTx, from: number, to: number, groupBy: SpendDimension | null, baseline: ModelPrice | null, cold?: ColdRows): SpendTotals {
  const byKey = aggregate(tx, from, to, groupBy, cold);
  let costUsd = 0;
  let requests = 0;
  let errors = 0;
  let unknown = 0;
  const priced = { pricedIn: 0, pricedCached: 0, pricedOut: 0 };
  const groups: SpendTotals['groups'] = [];
  for (const a of byKey.values()) {
    costUsd += a.costUsd;
    requests += a.requests;
    errors += a.errors;
    unknown += a.unknownPrice;
    priced.pricedIn += a.pricedIn;
    priced.pricedCached += a.pricedCached;
    priced.pricedOut += a.pricedOut;
    if (groupBy) {
      groups.push({ key: a.key, costUsd: a.costUsd, requests: a.requests, errors: a.errors, unknownPriceRequests: a.unknownPrice });
    }
  }
  groups.sort((x, y) => y.costUsd - x.costUsd || y.requests - x.requests || x.key.localeCompare(y.key));
  const base = baseline ? baselineCost(priced, baseline) : null;
  return { costUsd, requests, errors, unknownPriceRequests: unknown, groups, baselineCostUsd: base, savingsUsd: base === null ? null : base - costUsd };
}

export interface SeriesPoint {
  start: number;
  key: string | null;
  costUsd: number;
  requests: number;
  errors: number;
  unknownPriceRequests: number;
}

type PointRow = { hour: number; k: string; cost: number; n: number; errors: number; unknown: number };

/**
 * Spend per calendar bucket in `zone`. Each UTC hour counts in the local bucket it starts in
 * (exact for zones with whole-hour offsets; a :30 zone's half hour at a day's edge goes to the day
 * it starts in). The `hour` bucket is the UTC hour. Day, week and month buckets are summed by
 * SQLite one bucket at a time: fetching rows out of sql.js costs far more than summing them.
 */
export function timeseries(tx: ReadTx, from: number, to: number, bucket: CalendarPeriod, zone: string, groupBy: SpendDimension | null): SeriesPoint[] {
  const dim = groupBy ?? TOTAL_DIM;
  const rk = groupBy ? 'key' : "''";
  const sums = `sum(cost_usd) AS cost, sum(requests) AS n, sum(errors) AS errors, sum(unknown_price) AS unknown`;
  const points: SeriesPoint[] = [];
  const push = (start: number, r: PointRow): void => {
    points.push({ start, key: groupBy ? r.k : null, costUsd: r.cost, requests: r.n, errors: r.errors, unknownPriceRequests: r.unknown });
  };
  const firstHour = Math.ceil(from / HOUR);
  const endHour = Math.ceil(to / HOUR);
  if (bucket === 'hour') {
    for (const r of tx.all<PointRow>(
      `SELECT hour, ${rk} AS k, ${sums} FROM spend_hourly WHERE dim = ? AND hour >= ? AND hour < ? GROUP BY 1, 2 ORDER BY 1, 2`,
      [dim, firstHour, endHour],
    )) {
      push(r.hour * HOUR, r);
    }
    return points;
  }
  // Only walk the buckets that can hold data (a range from 1970 would be 20,000 empty days).
  const span = tx.get<{ lo: number | null; hi: number | null }>('SELECT min(hour) AS lo, max(hour) AS hi FROM spend_hourly WHERE dim = ? AND hour >= ? AND hour < ?', [dim, firstHour, endHour]);
  if (!span || span.lo === null || span.hi === null) {
    return points;
  }
  const buckets: [number, number, number][] = [];
  for (let start = periodStart(span.lo * HOUR, bucket, zone); start <= span.hi * HOUR; ) {
    const end = periodEnd(start, bucket, zone);
    buckets.push([start, Math.max(firstHour, Math.ceil(start / HOUR)), Math.min(endHour, Math.ceil(end / HOUR))]);
    start = end;
  }
  // One statement per BUCKETS_PER_QUERY buckets (padded, so the prepared statement is reused).
  const values = Array.from({ length: BUCKETS_PER_QUERY }, () => '(?, ?, ?)').join(', ');
  const sql = `WITH b(start, lo, hi) AS (VALUES ${values})
    SELECT b.start AS hour, ${groupBy ? 's.key' : "''"} AS k, sum(s.cost_usd) AS cost, sum(s.requests) AS n, sum(s.errors) AS errors, sum(s.unknown_price) AS unknown
    FROM b JOIN spend_hourly s ON s.dim = ? AND s.hour >= b.lo AND s.hour < b.hi GROUP BY 1, 2 ORDER BY 1, 2`;
  for (let i = 0; i < buckets.length; i += BUCKETS_PER_QUERY) {
    const params: number[] = [];
    for (let j = 0; j < BUCKETS_PER_QUERY; j++) {
      params.push(...(buckets[i + j] ?? [-1, 0, 0]));
    }
    for (const r of tx.all<PointRow>(sql, [...params, dim])) {
      push(r.hour, r);
    }
  }
  return points;
}
