// Calendar periods (hour, day, week, month) in the user's IANA time zone. Boundaries are computed
// from local wall-clock parts through Intl, so a day is 23 or 25 hours across a DST change and a
// month ends on its own last day, whatever the zone's offset.
import { RouterError } from '../protocol/errors';

export type CalendarPeriod = 'hour' | 'day' | 'week' | 'month';

interface WallTime {
  year: number;
  month: number; // 1..12
  day: number;
  hour: number;
  minute: number;
  second: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(zone: string): Intl.DateTimeFormat {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(zone, f);
  }
  return f;
}

/** The system's zone, used when the user configured none. */
export function systemTimeZone(): string {
  return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
}

export function assertTimeZone(zone: string): string {
  try {
    formatter(zone);
    return zone;
  } catch {
    throw new RouterError('invalidParams', `"${zone}" is not an IANA time zone (for example Europe/Berlin or America/New_York)`, { timeZone: zone });
  }
}

export function wallTime(ts: number, zone: string): WallTime {
  const parts = formatter(zone).formatToParts(new Date(ts));
  const get = (type: Intl.DateTimeFormatPartTypes): number => Number(parts.find((p) => p.type === type)?.value ?? 0);
  return { year: get('year'), month: get('month'), day: get('day'), hour: get('hour'), minute: get('minute'), second: get('second') };
}

/** Offset of `zone` from UTC at instant `ts`, in ms (local = utc + offset). */
function offsetAt(ts: number, zone: string): number {
  const w = wallTime(ts, zone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - (ts - (ts % 1000 + 1000) % 1000);
}

/**
 * The first instant whose local wall time is at or after the given one. A wall time skipped by a
 * DST jump (02:30 on a spring-forward night) maps to the instant the clocks jumped to.
 */
export function zonedInstant(zone: string, year: number, month: number, day: number, hour = 0, minute = 0): number {
  const local = Date.UTC(year, month - 1, day, hour, minute);
  // Two passes settle on the offset in force at the target instant.
  let ts = local - offsetAt(local, zone);
  ts = local - offsetAt(ts, zone);
  const w = wallTime(ts, zone);
  const got = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
  if (got < local) {
    // The wall time does not exist (skipped by DST): move forward by the gap.
    ts += local - got;
  }
  return ts;
}

function addDays(year: number, month: number, day: number, days: number): [number, number, number] {
  const d = new Date(Date.UTC(year, month - 1, day + days));
  return [d.getUTCFullYear(), d.getUTCMonth() + 1, d.getUTCDate()];
}

const lastBounds = new Map<string, { start: number; end: number }>();
const boundaryMemo = new Map<string, { start: number; end: number }>();
const BOUNDARY_MEMO_MAX = 20_000;

/**
 * [start, end) of the calendar period containing `ts`. Intl is slow (tens of µs a call) and
 * nearly every request falls in the same period as the previous one, so the last bounds per
 * (zone, period) are kept: periods tile time, so a hit is exact.
 */
export function periodBounds(ts: number, period: CalendarPeriod, zone: string): { start: number; end: number } {
  const key = `${zone}\u0000${period}`;
  const last = lastBounds.get(key);
  if (last && ts >= last.start && ts < last.end) {
    return last;
  }
  // Reports walk bucket after bucket from exact boundaries, again on every refresh: remember those.
  const exactKey = `${key}\u0000${ts}`;
  let b = boundaryMemo.get(exactKey);
  if (!b) {
    b = { start: computeStart(ts, period, zone), end: computeEnd(ts, period, zone) };
    if (boundaryMemo.size >= BOUNDARY_MEMO_MAX) {
      boundaryMemo.clear();
    }
    boundaryMemo.set(exactKey, b);
  }
  lastBounds.set(key, b);
  return b;
}

/** Start of the calendar period containing `ts`. Weeks start on Monday (ISO 8601). */
export function periodStart(ts: number, period: CalendarPeriod, zone: string): number {
  return periodBounds(ts, period, zone).start;
}

/** Start of the period after the one containing `ts` (when the current one resets). */
export function periodEnd(ts: number, period: CalendarPeriod, zone: string): number {
  return periodBounds(ts, period, zone).end;
}

function computeStart(ts: number, period: CalendarPeriod, zone: string): number {
  const w = wallTime(ts, zone);
  switch (period) {
    case 'hour': {
      // Local hours: zones with :30/:45 offsets have hour boundaries off the UTC hour. Counting
      // back the local minutes also keeps a repeated (fall-back) hour apart from its twin.
      const ms = ((ts % 1000) + 1000) % 1000;
      return ts - ms - w.second * 1000 - w.minute * 60_000;
    }
    case 'day':
      return zonedInstant(zone, w.year, w.month, w.day);
    case 'week': {
      const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;
      const [y, m, d] = addDays(w.year, w.month, w.day, -weekday);
      return zonedInstant(zone, y, m, d);
    }
    case 'month':
      return zonedInstant(zone, w.year, w.month, 1);
  }
}

function computeEnd(ts: number, period: CalendarPeriod, zone: string): number {
  const w = wallTime(ts, zone);
  switch (period) {
    case 'hour':
      return computeStart(ts, 'hour', zone) + 3_600_000;
    case 'day': {
      const [y, m, d] = addDays(w.year, w.month, w.day, 1);
      return zonedInstant(zone, y, m, d);
    }
    case 'week': {
      const weekday = (new Date(Date.UTC(w.year, w.month - 1, w.day)).getUTCDay() + 6) % 7;
      const [y, m, d] = addDays(w.year, w.month, w.day, 7 - weekday);
      return zonedInstant(zone, y, m, d);
    }
    case 'month': {
      const y = w.month === 12 ? w.year + 1 : w.year;
      const m = w.month === 12 ? 1 : w.month + 1;
      return zonedInstant(zone, y, m, 1);
    }
  }
}
