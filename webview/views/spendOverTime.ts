// Spend over time: `spend/timeseries` as bars, either daily over two weeks or hourly over a day.
// The daemon returns only buckets that hold requests; the empty ones are filled in here so the
// axis reads as time, not as a list of busy days.
import type { SpendPoint, SpendTimeseriesResult } from '../../daemon/protocol';
import { formatUsd } from '../format';
import type { Bridge } from '../rpc';
import { barChart, type Bar } from './chart';
import { h } from './dom';

export type SpendRange = 'day' | 'hour';

const HOUR = 3_600_000;
const DAYS = 14;
const HOURS = 24;

export async function loadSpendOverTime(bridge: Bridge, range: SpendRange, now: number = Date.now()): Promise<SpendTimeseriesResult> {
  const from = range === 'day' ? startOfLocalDay(now) - (DAYS - 1) * 24 * HOUR : Math.floor(now / HOUR) * HOUR - (HOURS - 1) * HOUR;
  return bridge.call('spend/timeseries', { from, to: now, bucket: range });
}

export function spendOverTimeSection(result: SpendTimeseriesResult, range: SpendRange, now: number = Date.now()): HTMLElement {
  const { buckets, totals } = bucketTotals(result.points, range, now);
  const requests = totals.reduce((n, t) => n + t.requests, 0);
  const span = range === 'day' ? `the last ${DAYS} days` : `the last ${HOURS} hours`;
  if (requests === 0) {
    return h('p', { class: 'muted empty' }, `No spend in ${span}. Requests from the editor and from scripts will show up here.`);
  }
  const bars: Bar[] = buckets.map((b, i) => {
    const t = totals[i] ?? { costUsd: 0, requests: 0, unknown: 0 };
    const unknown = t.unknown > 0 ? `, ${t.unknown} with unknown price` : '';
    return { label: b.label, value: t.costUsd, title: `${b.title}: ${formatUsd(t.costUsd)} over ${t.requests} request${t.requests === 1 ? '' : 's'}${unknown}` };
  });
  const total = totals.reduce((s, t) => s + t.costUsd, 0);
  return h(
    'div',
    { class: 'spend-over-time', 'data-testid': 'spend-chart' },
    barChart(bars, formatUsd, `Spend per ${range} over ${span}`),
    h('p', { class: 'muted chart-note' }, `${formatUsd(total)} over ${requests} requests in ${span} · buckets in the daemon's time zone (${result.timeZone})`),
  );
}

/** Every bucket of the range, oldest first, with the daemon's points summed into it (empty ones stay 0). */
export function bucketTotals(points: readonly SpendPoint[], range: SpendRange, now: number): { buckets: Bucket[]; totals: { costUsd: number; requests: number; unknown: number }[] } {
  const buckets = range === 'day' ? dayBuckets(now) : hourBuckets(now);
  const totals = buckets.map(() => ({ costUsd: 0, requests: 0, unknown: 0 }));
  for (const p of points) {
    const t = totals[bucketIndex(buckets, p)];
    if (t) {
      t.costUsd += p.costUsd;
      t.requests += p.requests;
      t.unknown += p.unknownPriceRequests;
    }
  }
  return { buckets, totals };
}

export interface Bucket {
  start: number;
  end: number;
  label: string;
  title: string;
}

function startOfLocalDay(ts: number): number {
  const d = new Date(ts);
  d.setHours(0, 0, 0, 0);
  return d.getTime();
}

function dayBuckets(now: number): Bucket[] {
  const out: Bucket[] = [];
  for (let i = DAYS - 1; i >= 0; i--) {
    const d = new Date(startOfLocalDay(now));
    d.setDate(d.getDate() - i);
    const next = new Date(d);
    next.setDate(next.getDate() + 1);
    out.push({ start: d.getTime(), end: next.getTime(), label: `${d.getMonth() + 1}/${d.getDate()}`, title: d.toDateString() });
  }
  return out;
}

function hourBuckets(now: number): Bucket[] {
  const out: Bucket[] = [];
  const last = Math.floor(now / HOUR) * HOUR;
  for (let i = HOURS - 1; i >= 0; i--) {
    const start = last - i * HOUR;
    const hh = String(new Date(start).getHours()).padStart(2, '0');
    out.push({ start, end: start + HOUR, label: `${hh}:00`, title: `${new Date(start).toDateString()} ${hh}:00` });
  }
  return out;
}

/** The bucket a point's start falls in; the daemon's zone may differ from this view's, so else the nearest one. */
function bucketIndex(buckets: Bucket[], p: SpendPoint): number {
  const exact = buckets.findIndex((b) => p.start >= b.start && p.start < b.end);
  if (exact >= 0) {
    return exact;
  }
  let best = 0;
  buckets.forEach((b, i) => {
    if (Math.abs(b.start - p.start) < Math.abs((buckets[best]?.start ?? 0) - p.start)) {
      best = i;
    }
  });
  return best;
}
