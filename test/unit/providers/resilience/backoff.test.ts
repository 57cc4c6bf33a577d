import { test } from 'node:test';
import assert from 'node:assert/strict';
import { retryDelay, DEFAULT_RETRY_POLICY } from '../../../../daemon/providers/resilience/backoff';
import { retryAfterMs, classifyHttpFailure, classifyNetworkFailure } from '../../../../daemon/providers/resilience/classify';

const failure = (o: Partial<{ retryable: boolean; retryAfterMs: number }> = {}) => ({ code: 'providerError' as const, retryable: true, message: 'x', ...o });
const policy = { maxRetries: 3, baseDelayMs: 100, maxDelayMs: 1000, budgetMs: 2000 };

test('backoff grows exponentially under full jitter and is capped', () => {
  assert.equal(retryDelay(policy, 0, failure(), 0, () => 0.999), 99);
  assert.equal(retryDelay(policy, 1, failure(), 0, () => 0.999), 199);
  assert.equal(retryDelay(policy, 2, failure(), 0, () => 0.999), 399);
  assert.equal(retryDelay({ ...policy, maxRetries: 10 }, 8, failure(), 0, () => 0.999), 999);
  assert.equal(retryDelay(policy, 0, failure(), 0, () => 0), 0);
});

test('no retry for fatal failures, past maxRetries, or beyond the wait budget', () => {
  assert.equal(retryDelay(policy, 0, failure({ retryable: false }), 0), null);
  assert.equal(retryDelay(policy, 3, failure(), 0), null);
  assert.equal(retryDelay(policy, 0, failure({ retryAfterMs: 5000 }), 0), null);
  assert.equal(retryDelay(policy, 0, failure(), 1950, () => 0.9), null);
  assert.ok(DEFAULT_RETRY_POLICY.budgetMs > 0);
});

test('retry-after is honoured (seconds, HTTP date, retry-after-ms) with a little jitter on top', () => {
  const d = retryDelay(policy, 0, failure({ retryAfterMs: 1000 }), 0, () => 0.5);
  assert.equal(d, 1050);
  assert.equal(retryAfterMs({ 'retry-after': '3' }), 3000);
  assert.equal(retryAfterMs({ 'retry-after-ms': '250' }), 250);
  assert.equal(retryAfterMs({ 'retry-after': new Date(10_000).toUTCString() }, 4_000), 6000);
  assert.equal(retryAfterMs({}), undefined);
  assert.equal(retryAfterMs({ 'retry-after': 'soon' }), undefined);
});

test('HTTP and network failures get stable codes', () => {
  const c = (status: number, type?: string, message = '') => classifyHttpFailure('p', status, {}, { type, message });
  assert.deepEqual([c(429).code, c(429).retryable], ['providerRateLimited', true]);
  assert.deepEqual([c(500).code, c(500).retryable], ['providerError', true]);
  assert.deepEqual([c(503).code, c(529).code], ['providerUnavailable', 'providerUnavailable']);
  assert.deepEqual([c(401).code, c(401).retryable], ['providerAuth', false]);
  assert.equal(c(400, undefined, "This model's maximum context length is 8192 tokens").code, 'providerContextLength');
  assert.equal(c(400, 'content_filter', 'filtered by content policy').code, 'providerContentPolicy');
  assert.equal(c(400, 'invalid_request_error', 'bad').retryable, false);
  assert.deepEqual([classifyNetworkFailure('p', Object.assign(new Error('x'), { code: 'ECONNREFUSED' })).code], ['providerUnavailable']);
  assert.equal(classifyNetworkFailure('p', Object.assign(new Error('x'), { code: 'UND_ERR_HEADERS_TIMEOUT' })).code, 'providerTimeout');
});
