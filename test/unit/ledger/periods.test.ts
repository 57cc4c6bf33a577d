import { test } from 'node:test';
import assert from 'node:assert/strict';
import { assertTimeZone, periodEnd, periodStart } from '../../../daemon/ledger/periods';

const iso = (t: number): string => new Date(t).toISOString();
const NY = 'America/New_York';

test('a day in New York is 23 hours on the spring-forward date and 25 on the fall-back date', () => {
  const spring = Date.parse('2026-03-08T12:00:00Z');
  assert.equal(iso(periodStart(spring, 'day', NY)), '2026-03-08T05:00:00.000Z');
  assert.equal(periodEnd(spring, 'day', NY) - periodStart(spring, 'day', NY), 23 * 3_600_000);
  const fall = Date.parse('2026-11-01T12:00:00Z');
  assert.equal(iso(periodStart(fall, 'day', NY)), '2026-11-01T04:00:00.000Z');
  assert.equal(periodEnd(fall, 'day', NY) - periodStart(fall, 'day', NY), 25 * 3_600_000);
});

test('midnight and month end roll over in the local zone, not UTC', () => {
  // 23:59:59 local on Jan 31 is 04:59:59 UTC on Feb 1: still January in New York.
  const lastSecond = Date.parse('2026-02-01T04:59:59Z');
  const firstSecond = Date.parse('2026-02-01T05:00:00Z');
  assert.equal(iso(periodStart(lastSecond, 'month', NY)), '2026-01-01T05:00:00.000Z');
  assert.equal(iso(periodEnd(lastSecond, 'month', NY)), '2026-02-01T05:00:00.000Z');
  assert.equal(iso(periodStart(firstSecond, 'month', NY)), '2026-02-01T05:00:00.000Z');
  assert.equal(iso(periodStart(firstSecond, 'day', NY)), '2026-02-01T05:00:00.000Z');
  assert.equal(iso(periodStart(lastSecond, 'day', NY)), '2026-01-31T05:00:00.000Z');
  // Year end, and a zone east of UTC.
  assert.equal(iso(periodEnd(Date.parse('2026-12-31T12:00:00Z'), 'month', 'Asia/Tokyo')), '2026-12-31T15:00:00.000Z');
});

test('weeks start on Monday and half-hour zones get local hours', () => {
  const sunday = Date.parse('2026-03-08T12:00:00Z');
  assert.equal(iso(periodStart(sunday, 'week', NY)), '2026-03-02T05:00:00.000Z');
  assert.equal(iso(periodEnd(sunday, 'week', NY)), '2026-03-09T04:00:00.000Z');
  const t = Date.parse('2026-06-01T00:10:00Z');
  assert.equal(iso(periodStart(t, 'day', 'Asia/Kolkata')), '2026-05-31T18:30:00.000Z');
  assert.equal(iso(periodStart(t, 'hour', 'Asia/Kolkata')), '2026-05-31T23:30:00.000Z');
});

test('a day that begins with a DST jump at midnight starts when the clocks jumped to', () => {
  // Chile moves from 00:00 to 01:00 on 2026-09-06.
  assert.equal(iso(periodStart(Date.parse('2026-09-06T12:00:00Z'), 'day', 'America/Santiago')), '2026-09-06T04:00:00.000Z');
});

test('an unknown zone is a clear invalidParams error', () => {
  assert.throws(() => assertTimeZone('Mars/Olympus'), (e: unknown) => (e as { code?: string }).code === 'invalidParams');
  assert.equal(assertTimeZone('Europe/Berlin'), 'Europe/Berlin');
});
