// Spend rollups: one row per UTC hour × model × provider × policy × workspace × client × endpoint,
// updated in the ledger row's own write. A summary reads whole hours from the rollup and only the
// partial hours at the range's edges from `requests`, so it stays exact for any range and fast at
// a million rows.
import type { LedgerRow } from '../protocol/ledger';
import type { SpendDimension } from '../protocol/budget';
import type { ReadTx, WriteTx } from '../store/database';
import type { ModelPrice } from './pricing';
import { periodStart, type CalendarPeriod } from './periods';

const HOUR = 3_600_000;

export function recordInRollups(tx: WriteTx, row: LedgerRow): void {
  const known = row.costState === 'known' && row.costUsd !== null;
  tx.run(
    `INSERT INTO spend_hourly (hour, model, provider, policy, workspace, client_kind, endpoint, requests, errors, unknown_price, cost_usd,
       priced_tokens_in, priced_tokens_cached, priced_tokens_out, tokens_in, tokens_out)
     VALUES (?, ?, ?, ?, ?, ?, ?, 1, ?, ?, ?, ?, ?, ?, ?, ?)
     ON CONFLICT (hour, model, provider, policy, workspace, client_kind, endpoint) DO UPDATE SET
       requests = requests + 1, errors = errors + excluded.errors, unknown_price = unknown_price + excluded.unknown_price,
       cost_usd = cost_usd + excluded.cost_usd, priced_tokens_in = priced_tokens_in + excluded.priced_tokens_in,
       priced_tokens_cached = priced_tokens_cached + excluded.priced_tokens_cached, priced_tokens_out = priced_tokens_out + excluded.priced_tokens_out,
       tokens_in = tokens_in + excluded.tokens_in, tokens_out = tokens_out + excluded.tokens_out`,
    [
      Math.floor(row.ts / HOUR),
      row.model,
      row.provider,
      row.policy ?? '',
      row.workspace ?? '',
      row.clientKind,
      row.endpoint,
      row.status === 'ok' ? 0 : 1,
      known ? 0 : 1,
      known ? (row.costUsd as number) : 0,
      known ? row.tokensIn : 0,
      known ? row.tokensCached : 0,
      known ? row.tokensOut : 0,
      row.tokensIn,
      row.tokensOut,
    ],
  );
}

/** Rebuilds the rollup from `requests` (used once after importing rows recorded without it). */
export function rebuildRollups(tx: WriteTx): void {
  tx.run('DELETE FROM spend_hourly');
  tx.run(
    `INSERT INTO spend_hourly (hour, model, provider, policy, workspace, client_kind, endpoint, requests, errors, unknown_price, cost_usd,
       priced_tokens_in, priced_tokens_cached, priced_tokens_out, tokens_in, tokens_out)
     SELECT ts / ${HOUR}, model, provider, COALESCE(policy, ''), COALESCE(workspace, ''), client_kind, endpoint, count(*),
       sum(status <> 'ok'), sum(cost_state = 'unknown'), COALESCE(sum(CASE WHEN cost_state = 'known' THEN cost_usd END), 0),
       COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_in END), 0), COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_cached END), 0),
       COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_out END), 0), sum(tokens_in), sum(tokens_out)
     FROM requests GROUP BY 1, 2, 3, 4, 5, 6, 7`,
    [],
  );
}

const ROLLUP_COLUMN: Record<SpendDimension, string> = {
  model: 'model',
  provider: 'provider',
  policy: 'policy',
  workspace: 'workspace',
  client: 'client_kind',
  endpoint: 'endpoint',
};
const REQUEST_COLUMN: Record<SpendDimension, string> = {
  model: 'model',
  provider: 'provider',
  policy: "COALESCE(policy, '')",
  workspace: "COALESCE(workspace, '')",
  client: 'client_kind',
  endpoint: 'endpoint',
};

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

/** Aggregates [from, to) by one key expression: whole hours from the rollup, edges from requests. */
function aggregate(tx: ReadTx, from: number, to: number, dim: SpendDimension | null): Map<string, Agg> {
  const out = new Map<string, Agg>();
  if (to <= from) {
    return out;
  }
  const firstHour = Math.ceil(from / HOUR);
  const lastHour = Math.floor(to / HOUR);
  const rk = dim ? ROLLUP_COLUMN[dim] : "''";
  const qk = dim ? REQUEST_COLUMN[dim] : "''";
  const rawSql = `SELECT ${qk} AS k, COALESCE(sum(CASE WHEN cost_state = 'known' THEN cost_usd END), 0) AS cost, count(*) AS n,
      COALESCE(sum(status <> 'ok'), 0) AS errors, COALESCE(sum(cost_state = 'unknown'), 0) AS unknown,
      COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_in END), 0) AS pin, COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_cached END), 0) AS pcached,
      COALESCE(sum(CASE WHEN cost_state = 'known' THEN tokens_out END), 0) AS pout
    FROM requests WHERE ts >= ? AND ts < ? GROUP BY 1`;
  if (firstHour >= lastHour) {
    for (const r of tx.all<AggRow>(rawSql, [from, to])) {
      add(out, r);
    }
    return out;
  }
  for (const r of tx.all<AggRow>(
    `SELECT ${rk} AS k, sum(cost_usd) AS cost, sum(requests) AS n, sum(errors) AS errors, sum(unknown_price) AS unknown,
       sum(priced_tokens_in) AS pin, sum(priced_tokens_cached) AS pcached, sum(priced_tokens_out) AS pout
     FROM spend_hourly WHERE hour >= ? AND hour < ? GROUP BY 1`,
    [firstHour, lastHour],
  )) {
    add(out, r);
  }
  for (const [a, b] of [
    [from, firstHour * HOUR],
    [lastHour * HOUR, to],
  ] as const) {
    if (b > a) {
      for (const r of tx.all<AggRow>(rawSql, [a, b])) {
        add(out, r);
      }
    }
  }
  return out;
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

export function summarize(tx: ReadTx, from: number, to: number, groupBy: SpendDimension | null, baseline: ModelPrice | null): SpendTotals {
  const byKey = aggregate(tx, from, to, groupBy);
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

/**
 * Spend per calendar bucket in `zone`. Hours are attributed to the local bucket their UTC hour
 * starts in (exact for zones with whole-hour offsets; a :30 zone's half hour at a day's edge goes
 * to the day it starts in). The `hour` bucket is the UTC hour.
 */
export function timeseries(tx: ReadTx, from: number, to: number, bucket: CalendarPeriod, zone: string, groupBy: SpendDimension | null): SeriesPoint[] {
  const rk = groupBy ? ROLLUP_COLUMN[groupBy] : "''";
  const rows = tx.all<{ hour: number; k: string; cost: number; n: number; errors: number; unknown: number }>(
    `SELECT hour, ${rk} AS k, sum(cost_usd) AS cost, sum(requests) AS n, sum(errors) AS errors, sum(unknown_price) AS unknown
     FROM spend_hourly WHERE hour >= ? AND hour < ? GROUP BY 1, 2 ORDER BY 1`,
    [Math.floor(from / HOUR), Math.ceil(to / HOUR)],
  );
  const startOfHour = new Map<number, number>();
  const points = new Map<string, SeriesPoint>();
  for (const r of rows) {
    let start = startOfHour.get(r.hour);
    if (start === undefined) {
      start = bucket === 'hour' ? r.hour * HOUR : periodStart(r.hour * HOUR, bucket, zone);
      startOfHour.set(r.hour, start);
    }
    const id = `${start}\u0000${r.k}`;
    const p = points.get(id) ?? { start, key: groupBy ? r.k : null, costUsd: 0, requests: 0, errors: 0, unknownPriceRequests: 0 };
    p.costUsd += r.cost;
    p.requests += r.n;
    p.errors += r.errors;
    p.unknownPriceRequests += r.unknown;
    points.set(id, p);
  }
  return [...points.values()].sort((a, b) => a.start - b.start || (a.key ?? '').localeCompare(b.key ?? ''));
}
