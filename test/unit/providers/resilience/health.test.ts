import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CircuitBreaker } from '../../../../daemon/providers/resilience/circuitBreaker';
import { HealthMonitor } from '../../../../daemon/providers/resilience/health';

const opts = { consecutiveFailures: 3, errorRate: 0.5, minSamples: 10, openMs: 1000, maxOpenMs: 8000 };

test('a breaker opens after consecutive failures, half-opens after the cool-down, admits one probe, closes on success', () => {
  const b = new CircuitBreaker(opts);
  b.onFailure(0, 1, 1);
  b.onFailure(0, 1, 2);
  assert.equal(b.state(0), 'closed');
  b.onFailure(0, 1, 3);
  assert.equal(b.state(10), 'open');
  assert.equal(b.allows(999), false);
  assert.equal(b.retryInMs(400), 600);
  assert.equal(b.state(1000), 'half_open');
  assert.equal(b.tryAcquire(1000), true);
  assert.equal(b.tryAcquire(1001), false, 'one probe at a time');
  b.onSuccess();
  assert.equal(b.state(1002), 'closed');
});

test('a failed probe reopens with a doubled, bounded cool-down', () => {
  const b = new CircuitBreaker(opts);
  b.forceOpen(0, 1000);
  let t = 0;
  for (const expected of [2000, 4000, 8000, 8000]) {
    t += b.retryInMs(t);
    assert.equal(b.state(t), 'half_open');
    assert.ok(b.tryAcquire(t));
    b.onFailure(t, 1, 1);
    assert.equal(b.retryInMs(t), expected);
  }
});

test('the error-rate average opens a breaker even without a run of failures', () => {
  const b = new CircuitBreaker(opts);
  b.onFailure(0, 0.6, 9);
  assert.equal(b.state(0), 'closed', 'too few samples');
  b.onSuccess();
  b.onFailure(0, 0.6, 10);
  assert.equal(b.state(0), 'open');
});

test('health demotes a failing model, keeps its provider, and promotes it back after a good probe', () => {
  let now = 0;
  const h = new HealthMonitor({ breaker: opts, now: () => now });
  for (let i = 0; i < 3; i++) {
    h.record('m1', 'p', { ok: false, code: 'providerError', latencyMs: 10 });
    h.record('m2', 'p', { ok: true, latencyMs: 100 });
  }
  assert.equal(h.isAvailable('m1', 'p'), false);
  assert.equal(h.penalty('m1', 'p'), 1);
  assert.equal(h.isAvailable('m2', 'p'), true);
  assert.equal(h.penalty('m2', 'p'), 0);
  assert.equal(h.latencyMs('m2'), 100);
  now = 1000;
  assert.equal(h.isAvailable('m1', 'p'), true, 'half-open admits a probe');
  assert.ok(h.tryAcquire('m1', 'p'));
  assert.equal(h.isAvailable('m1', 'p'), false, 'while the probe is in flight');
  h.record('m1', 'p', { ok: true, latencyMs: 50 });
  assert.equal(h.isAvailable('m1', 'p'), true);
  assert.ok(h.penalty('m1', 'p') > 0 && h.penalty('m1', 'p') < 1, 'still remembers recent errors');
  const snap = h.snapshot().find((s) => s.key === 'm1');
  assert.equal(snap?.state, 'closed');
});

test("the request's own errors do not count against health; an auth failure opens the provider", () => {
  const h = new HealthMonitor({ breaker: opts, now: () => 0 });
  for (let i = 0; i < 5; i++) {
    h.record('m', 'p', { ok: false, code: 'providerContextLength', latencyMs: 1 });
  }
  assert.equal(h.isAvailable('m', 'p'), true);
  h.record('m', 'q', { ok: false, code: 'providerAuth', latencyMs: 1 });
  assert.equal(h.isAvailable('other', 'q'), false);
});
