import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ProviderRateLimiter } from '../../../../daemon/providers/resilience/rateLimiter';
import { Balancer } from '../../../../daemon/providers/resilience/balancer';
import { ResponseCache, cacheKey, replayEvents } from '../../../../daemon/providers/resilience/responseCache';
import type { ChatResult } from '../../../../daemon/protocol/chat';

test('rpm: a token bucket admits a burst, then says how long to wait, and refills over time', () => {
  let now = 0;
  const rl = new ProviderRateLimiter({ p: { rpm: 60 } }, () => now);
  for (let i = 0; i < 60; i++) {
    assert.deepEqual(rl.tryAcquire('p', 10), { ok: true });
  }
  assert.deepEqual(rl.tryAcquire('p', 10), { ok: false, waitMs: 1000, limit: 'rpm' });
  now = 1000;
  assert.deepEqual(rl.tryAcquire('p', 10), { ok: true });
  assert.deepEqual(rl.tryAcquire('unlimited', 1e9), { ok: true });
});

test('tpm: large calls wait for tokens; settling refunds what a call did not use', () => {
  let now = 0;
  const rl = new ProviderRateLimiter({ p: { tpm: 6000 } }, () => now);
  assert.deepEqual(rl.tryAcquire('p', 5000), { ok: true });
  const denied = rl.tryAcquire('p', 2000);
  assert.ok(!denied.ok && denied.limit === 'tpm' && denied.waitMs === 10_000);
  rl.settle('p', 5000, 1000);
  assert.deepEqual(rl.tryAcquire('p', 2000), { ok: true });
  now = 0;
});

test('weighted balancing interleaves endpoints by weight and skips an endpoint whose circuit opened', () => {
  const b = new Balancer([{ id: 'a', weight: 3 }, { id: 'b', weight: 1 }], 'weighted', () => 0, { consecutiveFailures: 1, errorRate: 1, minSamples: 100, openMs: 1000, maxOpenMs: 1000 });
  const picks: string[] = [];
  for (let i = 0; i < 8; i++) {
    const e = b.pick();
    assert.ok(e);
    picks.push(e.id);
    b.release(e.id, { ok: true, latencyMs: 1 });
  }
  assert.deepEqual(picks, ['a', 'a', 'b', 'a', 'a', 'a', 'b', 'a']);
  const e = b.pick();
  assert.ok(e);
  b.release(e.id, { ok: false, latencyMs: 1 });
  for (let i = 0; i < 4; i++) {
    const next = b.pick();
    assert.ok(next && next.id !== e.id);
    b.release(next.id, { ok: true, latencyMs: 1 });
  }
});

test('least-latency balancing measures every endpoint once, then prefers the fastest', () => {
  const b = new Balancer([{ id: 'slow', weight: 1 }, { id: 'fast', weight: 1 }], 'least_latency');
  const first = b.pick();
  const second = b.pick();
  assert.ok(first && second && first.id !== second.id);
  b.release('slow', { ok: true, latencyMs: 300 });
  b.release('fast', { ok: true, latencyMs: 20 });
  for (let i = 0; i < 3; i++) {
    const e = b.pick();
    assert.equal(e?.id, 'fast');
    b.release('fast', { ok: true, latencyMs: 20 });
  }
  assert.equal(b.pick(new Set(['fast']))?.id, 'slow');
});

const answer = (finishReason: ChatResult['finishReason'] = 'stop'): ChatResult => ({
  text: 'hi', toolCalls: [], finishReason, providerModel: 'm', usage: { inputTokens: 3, outputTokens: 1, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
});

test('the response cache keys on model and canonical request (field order irrelevant), expires, and never stores errors', () => {
  let now = 0;
  const c = new ResponseCache({ ttlMs: 100, maxEntries: 2, now: () => now });
  const k1 = cacheKey('m', { messages: [{ role: 'user', content: 'x' }], temperature: 0 });
  const k1b = cacheKey('m', { temperature: 0, messages: [{ content: 'x', role: 'user' }] });
  assert.equal(k1, k1b);
  assert.notEqual(k1, cacheKey('m2', { messages: [{ role: 'user', content: 'x' }], temperature: 0 }));
  assert.notEqual(k1, cacheKey('m', { messages: [{ role: 'user', content: 'x' }], temperature: 0.1 }));
  assert.equal(c.get(k1), undefined);
  assert.ok(c.set(k1, answer()));
  assert.equal(c.get(k1)?.text, 'hi');
  assert.equal(c.set('bad', answer('error')), false);
  assert.equal(c.get('bad'), undefined);
  now = 100;
  assert.equal(c.get(k1), undefined, 'expired');
  c.set('a', answer());
  c.set('b', answer());
  c.set('c', answer());
  assert.equal(c.size, 2);
  assert.equal(c.get('a'), undefined, 'least recently used evicted');
  assert.deepEqual(replayEvents(answer()).map((e) => e.type), ['text', 'finish', 'usage']);
});
