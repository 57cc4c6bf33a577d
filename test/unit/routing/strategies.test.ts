import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createStrategy, rank, normalisedCost, STRATEGIES, type ScoringContext, type ScoringInput } from '../../../daemon/routing/strategies';
import { StrategyName } from '../../../daemon/protocol/routing-methods';
import { makeRouter, ask, isRouterError } from './helpers';

const cands: ScoringInput[] = [
  { model: 'big', provider: 'p', quality: 0.92, qualityPrior: 0.9, costUsd: 0.01, latencyMs: 4000 },
  { model: 'mid', provider: 'p', quality: 0.8, qualityPrior: 0.8, costUsd: 0.001, latencyMs: 1500 },
  { model: 'small', provider: 'q', quality: 0.62, qualityPrior: 0.6, costUsd: 0.0001, latencyMs: 500 },
  { model: 'unpriced', provider: 'r', quality: 0.7, qualityPrior: 0.7, costUsd: null, latencyMs: 800 },
];
const ctx = (over: Partial<ScoringContext> = {}): ScoringContext => ({
  tradeoff: 'balanced', willingnessToPay: undefined, taskType: 'chat', minCost: 0.0001, maxCost: 0.01, maxLatency: 4000, preference: [], ...over,
});
const top = (name: string, c: ScoringContext = ctx(), config: Record<string, unknown> = {}) => rank(createStrategy({ name, ...config }), cands, c)[0]?.candidate.model;

test('every registered strategy is one scoring function over the shared selection', () => {
  assert.deepEqual(Object.keys(STRATEGIES).sort(), [...StrategyName.options].sort());
  assert.equal(top('quality-first'), 'big');
  assert.equal(top('cost-aggressive', ctx(), { minQuality: 0.75 }), 'mid');
  assert.equal(top('cost-aggressive', ctx(), { minQuality: 0.6 }), 'small');
  assert.equal(top('fixed', ctx(), { model: 'small' }), 'small');
  assert.equal(top('weighted', ctx(), { weights: { quality: 0, cost: 0, latency: 1 } }), 'small');
  assert.equal(top('weighted', ctx(), { weights: { quality: 1, cost: 0, latency: 0 } }), 'big');
  assert.equal(top('learned', ctx({ tradeoff: 'quality' })), 'big');
  assert.equal(top('learned', ctx({ tradeoff: 'cost' })), 'small');
  assert.notEqual(top('learned', ctx({ tradeoff: 'latency' })), 'big');
});

test('willingness to pay buys quality only when it is worth the price', () => {
  assert.equal(top('learned', ctx({ willingnessToPay: 100 })), 'big');
  assert.equal(top('learned', ctx({ willingnessToPay: 0.001 })), 'small');
});

test('task-type favours models known for the task, by prior', () => {
  const code: ScoringInput[] = [
    { model: 'gpt-4.1-nano', provider: 'openai', quality: 0.9, qualityPrior: 0.6, costUsd: 0.001, latencyMs: 500 },
    { model: 'claude-sonnet-4', provider: 'anthropic', quality: 0.5, qualityPrior: 0.9, costUsd: 0.001, latencyMs: 500 },
  ];
  const s = createStrategy({ name: 'task-type' });
  assert.equal(rank(s, code, ctx({ taskType: 'code' }))[0]?.candidate.model, 'claude-sonnet-4');
  assert.equal(rank(createStrategy({ name: 'learned' }), code, ctx({ taskType: 'code' }))[0]?.candidate.model, 'gpt-4.1-nano');
});

test('an unknown price is never treated as free', () => {
  assert.equal(normalisedCost(null, ctx()), 1);
  assert.notEqual(top('cost-aggressive', ctx(), { minQuality: 0.65 }), 'unpriced');
});

test('equal scores go to the cheaper model', () => {
  const same: ScoringInput[] = [
    { model: 'dear', provider: 'p', quality: 0.8, qualityPrior: 0.8, costUsd: 0.01, latencyMs: 1 },
    { model: 'cheap', provider: 'p', quality: 0.8, qualityPrior: 0.8, costUsd: 0.001, latencyMs: 1 },
  ];
  assert.equal(rank({ name: 'fixed', score: () => 1 }, same, ctx())[0]?.candidate.model, 'cheap');
});

test('bad strategy configuration is a typed error', () => {
  assert.throws(() => createStrategy({ name: 'telepathy' }), isRouterError('invalidParams', 'telepathy'));
  assert.throws(() => createStrategy({ name: 'fixed' }), isRouterError('invalidParams', 'needs a model'));
  assert.throws(() => createStrategy({ name: 'weighted', weights: { quality: 0, cost: 0, latency: 0 } }), isRouterError('invalidParams', 'non-zero'));
  const router = makeRouter();
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'auto', routing: { strategy: 'telepathy' } }), isRouterError('invalidParams'));
});

test('the request can pick a strategy; the decision names it', () => {
  const router = makeRouter();
  for (const name of ['learned', 'cost-aggressive', 'quality-first', 'task-type', 'weighted'] as const) {
    const d = router.decide({ request: ask('Explain how TCP congestion control works.'), requestedModel: 'auto', routing: { strategy: name } });
    assert.equal(d.strategy, name);
  }
  const q = router.decide({ request: ask('hi'), requestedModel: 'auto', routing: { strategy: 'quality-first' } });
  const c = router.decide({ request: ask('hi'), requestedModel: 'auto', routing: { strategy: 'cost-aggressive' } });
  assert.ok((q.estimatedCostUsd ?? 0) > (c.estimatedCostUsd ?? 0));
});
