import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { SpendPoint } from '../../../daemon/protocol';
import { formatDifference, formatValue } from '../../../webview/views/experiments';
import { bucketTotals } from '../../../webview/views/spendOverTime';

const HOUR = 3_600_000;
const point = (start: number, costUsd: number, requests: number, unknownPriceRequests = 0): SpendPoint => ({ start, key: null, costUsd, requests, errors: 0, unknownPriceRequests });

test('hourly buckets: 24 of them, oldest first, empty hours filled with zeros and points summed into theirs', () => {
  const now = Date.UTC(2026, 10, 22, 4, 30);
  const thisHour = Date.UTC(2026, 10, 22, 4);
  const { buckets, totals } = bucketTotals([point(thisHour, 0.5, 2), point(thisHour - 3 * HOUR, 0.25, 1, 1)], 'hour', now);
  assert.equal(buckets.length, 24);
  assert.equal(buckets[23]?.start, thisHour);
  assert.equal(buckets[0]?.start, thisHour - 23 * HOUR);
  assert.deepEqual(totals[23], { costUsd: 0.5, requests: 2, unknown: 0 });
  assert.deepEqual(totals[20], { costUsd: 0.25, requests: 1, unknown: 1 });
  assert.equal(totals.reduce((n, t) => n + t.requests, 0), 3, 'nothing is dropped or double-counted');
});

test('daily buckets: 14 local days ending today; a point from another zone lands in the nearest day', () => {
  const now = new Date(2026, 10, 22, 15, 0).getTime();
  const today = new Date(2026, 10, 22).getTime();
  const { buckets, totals } = bucketTotals([point(today, 1, 3), point(today + 2 * HOUR, 1, 1), point(today - 13 * 24 * HOUR - 5 * HOUR, 2, 4)], 'day', now);
  assert.equal(buckets.length, 14);
  assert.equal(buckets[13]?.start, today);
  assert.deepEqual(totals[13], { costUsd: 2, requests: 4, unknown: 0 });
  assert.equal(totals[0]?.requests, 4, 'a start just before the first local day is counted in it, not lost');
});

test('experiment figures read with units: money, time and rates in points, signed differences', () => {
  assert.equal(formatValue('costPerRequest', 0.0012), '$0.0012');
  assert.equal(formatValue('latencyMs', 1500), '1.5 s');
  assert.equal(formatValue('successRate', 0.987), '98.7%');
  assert.equal(formatValue('feedbackScore', null), '—');
  assert.equal(formatDifference('costPerRequest', -0.0002), '−$0.0002');
  assert.equal(formatDifference('ttftMs', 35), '+35 ms');
  assert.equal(formatDifference('errorRate', 0.025), '+2.5 pt');
  assert.equal(formatDifference('successRate', -0.1), '−10.0 pt');
});
