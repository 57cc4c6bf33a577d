import { test } from 'node:test';
import assert from 'node:assert/strict';
import { formatMs, formatPercent, formatTime, formatTokens, formatUsd } from '../../../webview/format';

test('formatUsd keeps small amounts readable and never shows an unknown price as $0', () => {
  assert.equal(formatUsd(0.0123), '$0.0123');
  assert.equal(formatUsd(0.42), '$0.42');
  assert.equal(formatUsd(0.1234), '$0.1234');
  assert.equal(formatUsd(0.105), '$0.105');
  assert.equal(formatUsd(3.14159), '$3.14');
  assert.equal(formatUsd(1234.5), '$1235');
  assert.equal(formatUsd(0.0000123), '$0.000012');
  assert.equal(formatUsd(0.000001), '$0.000001');
  assert.equal(formatUsd(0.00005), '$0.00005');
  assert.equal(formatUsd(0.0000001), '<$0.000001');
  assert.equal(formatUsd(0), '$0.00');
  assert.equal(formatUsd(null), 'price unknown');
  assert.equal(formatUsd(Number.NaN), 'price unknown');
});

test('formatTokens and formatMs', () => {
  assert.equal(formatTokens(950), '950');
  assert.equal(formatTokens(12_400), '12k');
  assert.equal(formatTokens(2_500_000), '2.5M');
  assert.equal(formatMs(240.4), '240 ms');
  assert.equal(formatMs(1530), '1.5 s');
  assert.equal(formatMs(null), '—');
});

test('formatTime shows the date only for other days', () => {
  const now = new Date(2026, 10, 22, 15, 0, 0).getTime();
  assert.equal(formatTime(new Date(2026, 10, 22, 9, 5, 7).getTime(), now), '09:05:07');
  assert.equal(formatTime(new Date(2026, 10, 21, 9, 5, 7).getTime(), now), '2026-11-21 09:05:07');
});

test('formatPercent never shows a non-zero share as 0%', () => {
  assert.equal(formatPercent(0.214), '21%');
  assert.equal(formatPercent(0), '0%');
  assert.equal(formatPercent(0.0004), '<1%');
  assert.equal(formatPercent(1.5), '150%');
});
