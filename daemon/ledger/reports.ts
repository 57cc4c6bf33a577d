// `spend/summary`, `spend/timeseries` and `report/export` over the rollups and the ledger, with
// date ranges validated once here: a malformed or reversed range is a clear invalidParams error.
import type { Instant, ReportDimension, ReportExportParams, SpendDimension, ReportExportResult, SpendTimeseriesParams, SpendTimeseriesResult } from '../protocol/budget';
import { RouterError } from '../protocol/errors';
import type { LedgerRow } from '../protocol/ledger';
import type { Params, SpendSummaryResult } from '../protocol/methods';
import type { ReadTx } from '../store/database';
import type { z } from 'zod';
import type { ColdLedger } from './archive';
import { ExportWriter, type ExportShape } from './exportWriter';
import { rowFromDb } from './requests';
import { mergeByKey } from './rowOrder';
import { periodEnd, periodStart } from './periods';
import type { ModelPrice } from './pricing';
import { summarize, timeseries } from './rollups';

const FAR_FUTURE = 8.64e15;
/** Inline exports beyond this many rows must go to a file (exportWriter.ts). */
export { INLINE_EXPORT_LIMIT } from './exportWriter';
const EXPORT_PAGE = 2000;

export function toMs(value: Instant | undefined, name: string): number | undefined {
  if (value === undefined) {
    return undefined;
  }
  const ms = typeof value === 'number' ? value : Date.parse(value);
  if (!Number.isFinite(ms) || ms < 0) {
    throw new RouterError('invalidParams', `${name} is not a date: use epoch milliseconds or ISO 8601 such as 2026-01-31T00:00:00Z`, { [name]: value });
  }
  return ms;
}

export function range(from: number | undefined, to: number | undefined, defaultFrom: number, defaultTo: number): { from: number; to: number } {
  const r = { from: from ?? defaultFrom, to: to ?? defaultTo };
  if (r.to < r.from) {
    throw new RouterError('invalidParams', `the range ends (${new Date(r.to).toISOString()}) before it starts (${new Date(r.from).toISOString()}): swap from and to`, r);
  }
  return r;
}

/** The member's own ledger has one member: grouping by member is for the team scope. */
export function localDimension(groupBy: ReportDimension | undefined): SpendDimension | null {
  if (groupBy === 'member') {
    throw new RouterError('invalidParams', 'groupBy member needs scope "team" (team mode): the local ledger holds only your own requests', { groupBy });
  }
  return groupBy ?? null;
}

export interface SummaryExtras {
  timeZone: string;
  baselineModel: string | null;
  baselineCostUsd: number | null;
  savingsUsd: number | null;
}

export function spendSummary(
  tx: ReadTx,
  params: Params<'spend/summary'>,
  now: number,
  zone: string,
  baseline: { model: string | null; price: ModelPrice | null },
  cold: ColdLedger | null = null,
): SpendSummaryResult & SummaryExtras {
  const explicit = params.from !== undefined || params.to !== undefined;
  const bounds = explicit
    ? range(params.from, params.to, 0, FAR_FUTURE)
    : params.period === 'all'
      ? { from: 0, to: FAR_FUTURE }
      : { from: periodStart(now, params.period, zone), to: periodEnd(now, params.period, zone) };
  const s = summarize(tx, bounds.from, bounds.to, localDimension(params.groupBy), baseline.price, cold === null ? undefined : (a, b) => cold.rowsAscending(tx, a, b));
  return {
    from: bounds.from,
    to: bounds.to,
    costUsd: s.costUsd,
    requests: s.requests,
    errors: s.errors,
    unknownPriceRequests: s.unknownPriceRequests,
    groups: s.groups,
    timeZone: zone,
    baselineModel: baseline.price === null ? null : baseline.model,
    baselineCostUsd: s.baselineCostUsd,
    savingsUsd: s.savingsUsd,
  };
}

export function spendTimeseries(tx: ReadTx, params: z.output<typeof SpendTimeseriesParams>, now: number, zone: string): SpendTimeseriesResult {
  const r = range(toMs(params.from, 'from'), toMs(params.to, 'to'), 0, now);
  return { from: r.from, to: r.to, bucket: params.bucket, timeZone: zone, points: timeseries(tx, r.from, r.to, params.bucket, zone, localDimension(params.groupBy)) };
}

const CSV_COLUMNS: (keyof LedgerRow)[] = [
  'id', 'ts', 'clientKind', 'clientName', 'workspace', 'endpoint', 'requestedModel', 'model', 'provider', 'policy', 'strategy', 'taskType',
  'stream', 'tokensIn', 'tokensOut', 'tokensCached', 'tokensReasoning', 'estimatedCostUsd', 'costUsd', 'costState', 'latencyMs', 'ttftMs',
  'status', 'errorCode', 'fallbacks', 'experimentId', 'arm', 'effort', 'expectedWallMs', 'reason',
];

/** Hot rows in [from, to), oldest first, a page at a time (keyset on ts, id). */
function* hotPages(tx: ReadTx, from: number, to: number): Generator<LedgerRow[]> {
  let after: { ts: number; id: string } | null = null;
  for (;;) {
    const rows: LedgerRow[] = (
      after === null
        ? tx.all('SELECT * FROM requests WHERE ts >= ? AND ts < ? ORDER BY ts, id LIMIT ?', [from, to, EXPORT_PAGE])
        : tx.all('SELECT * FROM requests WHERE ts < ? AND (ts > ? OR (ts = ? AND id > ?)) ORDER BY ts, id LIMIT ?', [to, after.ts, after.ts, after.id, EXPORT_PAGE])
    ).map(rowFromDb);
    if (rows.length === 0) {
      return;
    }
    yield rows;
    const last = rows[rows.length - 1] as LedgerRow;
    after = { ts: last.ts, id: last.id };
    if (rows.length < EXPORT_PAGE) {
      return;
    }
  }
}

/**
 * Every row in [from, to), oldest first, a page at a time: the hot rows merged with the cold
 * segments' (streamed a frame at a time), so an export of years holds one page and one frame.
 */
function* ledgerPages(tx: ReadTx, from: number, to: number, cold: ColdLedger | null): Generator<LedgerRow[]> {
  if (cold === null) {
    yield* hotPages(tx, from, to);
    return;
  }
  const hot = (function* () {
    for (const page of hotPages(tx, from, to)) {
      yield* page;
    }
  })();
  let page: LedgerRow[] = [];
  for (const row of mergeByKey(hot, cold.rowsAscending(tx, from, to), 'ascending')) {
    page.push(row);
    if (page.length === EXPORT_PAGE) {
      yield page;
      page = [];
    }
  }
  if (page.length > 0) {
    yield page;
  }
}


/**
 * Exports the ledger, cold rows included. Read-only: a failed export (a damaged cold segment too)
 * leaves no partial file and touches no row.
 */
export function exportReport(
  read: <T>(fn: (tx: ReadTx) => T) => T,
  params: z.output<typeof ReportExportParams>,
  now: number,
  cold: ColdLedger | null = null,
): ReportExportResult {
  const r = range(toMs(params.from, 'from'), toMs(params.to, 'to'), 0, now + 1);
  const shape: ExportShape<LedgerRow> = { format: params.format, columns: CSV_COLUMNS, cell: (row, c) => row[c as keyof LedgerRow], json: (row) => row };
  const out = params.path === undefined ? ExportWriter.inline(shape) : ExportWriter.toFile(shape, params.path, now);
  try {
    read((tx) => {
      for (const page of ledgerPages(tx, r.from, r.to, cold)) {
        out.page(page);
      }
    });
    return { format: params.format, from: r.from, to: r.to, ...out.finish() };
  } catch (e) {
    return out.abort(e);
  }
}
