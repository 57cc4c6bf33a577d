// The executor's resilience, against the simulator over real HTTP: retries with backoff and
// retry-after, the first-token timeout, circuits, rate limits, balanced endpoints and the cache.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, type CatalogModel } from '../../../daemon/routing/catalog';
import { ProviderHttp } from '../../../daemon/providers/http';
import { PROVIDERS, ProviderRegistry } from '../../../daemon/providers/registry';
import { Executor, ExecuteFailure, type ResilienceOptions } from '../../../daemon/service/execute';
import { startSimulator, type RunningSimulator } from '../../../daemon/simulator/server';
import { namedFault, type Fault } from '../../../daemon/simulator/faults';
import { HealthMonitor } from '../../../daemon/providers/resilience/health';
import { ProviderRateLimiter } from '../../../daemon/providers/resilience/rateLimiter';
import { ResponseCache } from '../../../daemon/providers/resilience/responseCache';
import { Balancer } from '../../../daemon/providers/resilience/balancer';
import type { ChatRequest, StreamEvent } from '../../../daemon/protocol/chat';

let sim: RunningSimulator;
let http: ProviderHttp;
before(async () => {
  sim = await startSimulator();
  http = new ProviderHttp({ totalMs: 5000, firstByteMs: 3000 });
});
after(async () => {
  await http.close();
  await sim.close();
});

const catalog = Catalog.builtIn();
const model = (id: string): CatalogModel => {
  const m = catalog.get(id);
  assert.ok(m);
  return m;
};
const A = model('claude-3-5-haiku');
const B = model('gpt-4o-mini');
const ask: ChatRequest = { messages: [{ role: 'user', content: 'What is backoff?' }] };

function executor(resilience: Partial<ResilienceOptions>, o: { simulate?: boolean; keys?: string[] } = {}): { ex: Executor; sleeps: number[] } {
  const sleeps: number[] = [];
  const providers = new ProviderRegistry(PROVIDERS, (p) => sim.baseUrlFor(p));
  const ex = new Executor({
    providers,
    http,
    keyFor: async (name) => {
      o.keys?.push(name);
      return 'sk-test';
    },
    simulate: o.simulate ?? true,
    now: Date.now,
    resilience: {
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
      ...resilience,
    },
  });
  return { ex, sleeps };
}

function script(rules: { match: string; fault: Fault | string; times?: number }[]): void {
  sim.faults.set(rules.map((r) => ({ match: r.match, times: r.times, fault: typeof r.fault === 'string' ? (namedFault(r.fault) as Fault) : r.fault })));
}

const run = (ex: Executor, models: CatalogModel[], stream = false, onEvent?: (e: StreamEvent) => void) =>
  ex.execute({ models, request: ask, stream, signal: new AbortController().signal, onEvent });

test('a 500 is retried with backoff on the same model, then answered', async () => {
  script([{ match: A.apiModel, fault: 'server_error', times: 1 }]);
  const { ex, sleeps } = executor({});
  const out = await run(ex, [A, B]);
  assert.equal(out.model.id, A.id);
  assert.deepEqual(out.attempts.map((a) => [a.model, a.status, a.errorCode]), [[A.id, 'error', 'providerError'], [A.id, 'ok', null]]);
  assert.deepEqual(sleeps, [100], 'full jitter: half of the 200 ms base at random 0.5');
});

test('a 429 waits for retry-after; a wait beyond the budget falls back instead', async () => {
  script([{ match: A.apiModel, fault: 'rate_limit', times: 1 }]);
  const first = executor({});
  const out = await run(first.ex, [A, B]);
  assert.equal(out.model.id, A.id);
  assert.equal(first.sleeps.length, 1);
  assert.ok((first.sleeps[0] ?? 0) >= 1000, `retry-after 1 s honoured, waited ${String(first.sleeps[0])}`);

  script([{ match: A.apiModel, fault: 'rate_limit', times: 1 }]);
  const tight = executor({ retry: { maxRetries: 2, baseDelayMs: 200, maxDelayMs: 4000, budgetMs: 500 } });
  const out2 = await run(tight.ex, [A, B]);
  assert.equal(out2.model.id, B.id);
  assert.deepEqual(tight.sleeps, []);
  assert.deepEqual(out2.attempts.map((a) => a.errorCode), ['providerRateLimited', null]);
});

test('a stream with no first token in time falls back before anything reached the client', async () => {
  script([{ match: A.apiModel, fault: { kind: 'delay', ms: 1500 } }]);
  const { ex } = executor({ firstTokenMs: 200, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 0 } });
  const seen: string[] = [];
  const started = Date.now();
  const out = await run(ex, [A, B], true, (e) => seen.push(e.type));
  assert.equal(out.model.id, B.id);
  assert.deepEqual(out.attempts.map((a) => [a.model, a.errorCode]), [[A.id, 'providerTimeout'], [B.id, null]]);
  assert.ok(Date.now() - started < 1400, 'did not wait for the slow model');
  assert.ok(seen.includes('text'));
  sim.faults.clear();
});

test('an open circuit skips the model without calling it; a half-open probe closes it again', async () => {
  let now = 0;
  const health = new HealthMonitor({ now: () => now, breaker: { consecutiveFailures: 2, errorRate: 1, minSamples: 100, openMs: 1000, maxOpenMs: 1000 } });
  script([{ match: A.apiModel, fault: 'server_error', times: 2 }]);
  const { ex } = executor({ health, retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 0 } });
  await run(ex, [A, B]);
  await run(ex, [A, B]);
  assert.equal(health.isAvailable(A.id, A.provider), false);
  const callsBefore = sim.calls();
  const skipped = await run(ex, [A, B]);
  assert.deepEqual(skipped.attempts.map((a) => a.model), [B.id], 'A was not attempted');
  assert.equal(sim.calls() - callsBefore, 1);
  now = 1000;
  const probe = await run(ex, [A, B]);
  assert.equal(probe.model.id, A.id);
  assert.equal(health.isAvailable(A.id, A.provider), true);
});

test("a provider's configured rate limit sends the call to the next model rather than waiting a minute", async () => {
  sim.faults.clear();
  const rateLimiter = new ProviderRateLimiter({ anthropic: { rpm: 1 } });
  const { ex, sleeps } = executor({ rateLimiter });
  assert.equal((await run(ex, [A, B])).model.id, A.id);
  const second = await run(ex, [A, B]);
  assert.equal(second.model.id, B.id);
  assert.deepEqual(second.attempts.map((a) => a.model), [B.id]);
  assert.deepEqual(sleeps, []);
});

test('every model failing is one ExecuteFailure carrying every attempt', async () => {
  script([{ match: 'anthropic', fault: 'overloaded' }, { match: 'openai', fault: 'auth' }]);
  const { ex } = executor({ retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 100 } });
  await assert.rejects(run(ex, [A, B]), (e: unknown) => {
    assert.ok(e instanceof ExecuteFailure);
    assert.deepEqual(e.attempts.map((a) => [a.model, a.errorCode]), [[A.id, 'providerUnavailable'], [A.id, 'providerUnavailable'], [B.id, 'providerAuth']]);
    assert.equal(e.error.code, 'providerAuth');
    return true;
  });
  sim.faults.clear();
});

test('the opt-in cache answers a repeated request without a provider call, also as a replayed stream', async () => {
  sim.faults.clear();
  const cache = new ResponseCache({ ttlMs: 60_000 });
  const { ex } = executor({ cache });
  const first = await run(ex, [B]);
  assert.notEqual(first.cached, true);
  const calls = sim.calls();
  const again = await run(ex, [B]);
  assert.equal(again.cached, true);
  assert.equal(again.result.text, first.result.text);
  assert.equal(again.result.usage.inputTokens, 0, 'a cache hit costs nothing');
  const events: StreamEvent[] = [];
  const streamed = await run(ex, [B], true, (e) => events.push(e));
  assert.equal(streamed.cached, true);
  assert.deepEqual(events.map((e) => e.type), ['text', 'finish', 'usage']);
  assert.equal(sim.calls(), calls);
});

test('balanced endpoints: a dead endpoint fails over to a live one and is then skipped; named keys are used', async () => {
  sim.faults.clear();
  const keys: string[] = [];
  const balancer = new Balancer(
    [{ id: 'dead', weight: 1, baseUrl: 'http://127.0.0.1:9/v1', keyName: 'openai#dead' }, { id: 'live', weight: 1, baseUrl: sim.baseUrlFor('openai'), keyName: 'openai#live' }],
    'weighted',
    Date.now,
    { consecutiveFailures: 1, errorRate: 1, minSamples: 100, openMs: 60_000, maxOpenMs: 60_000 },
  );
  const { ex } = executor({ balancerFor: (p) => (p === 'openai' ? balancer : null), retry: { maxRetries: 1, baseDelayMs: 1, maxDelayMs: 1, budgetMs: 100 } }, { simulate: false, keys });
  const out = await run(ex, [B]);
  assert.equal(out.model.id, B.id);
  assert.deepEqual(out.attempts.map((a) => a.errorCode), ['providerUnavailable', null]);
  assert.deepEqual(keys, ['openai#dead', 'openai#live']);
  const next = await run(ex, [B]);
  assert.deepEqual(next.attempts.map((a) => a.errorCode), [null], 'the dead endpoint is skipped while its circuit is open');
});
