import { mock, test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { Router } from '../../../daemon/routing/router';
import { RouterError } from '../../../daemon/protocol/errors';

const router = new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4o' });
const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

test('auto:cost picks a cheaper model than auto:quality', () => {
  const cheap = router.decide({ request: ask('hello'), requestedModel: 'auto:cost' });
  const best = router.decide({ request: ask('hello'), requestedModel: 'auto:quality' });
  assert.ok(cheap.estimatedCostUsd !== null && best.estimatedCostUsd !== null);
  assert.ok(cheap.estimatedCostUsd < best.estimatedCostUsd, `${cheap.model} vs ${best.model}`);
  assert.ok(best.candidates.find((c) => c.model === best.model)!.quality >= cheap.candidates.find((c) => c.model === cheap.model)!.quality);
});

test('a concrete model routes straight to it', () => {
  const d = router.decide({ request: ask('hi'), requestedModel: 'gpt-4o-mini' });
  assert.equal(d.model, 'gpt-4o-mini');
  assert.equal(d.strategy, 'fixed');
});

test('unknown models and impossible constraints are clear errors', () => {
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'mystery-9' }), (e: unknown) => e instanceof RouterError && e.code === 'unknownModel');
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'auto:fastest' }), (e: unknown) => e instanceof RouterError && e.code === 'unknownModel');
  assert.throws(
    () => router.decide({ request: ask('hi'), requestedModel: 'auto', routing: { maxCostUsd: 0 } }),
    (e: unknown) => e instanceof RouterError && e.code === 'noCandidate',
  );
});

test('only available models are chosen unless it is a dry run', () => {
  const onlyGroq = new Router({ catalog: Catalog.builtIn(), isAvailable: (m) => m.provider === 'groq', defaultTradeoff: 'quality', baselineModel: null });
  assert.equal(onlyGroq.decide({ request: ask('hi'), requestedModel: 'auto' }).provider, 'groq');
  assert.notEqual(onlyGroq.decide({ request: ask('hi'), requestedModel: 'auto', dryRun: true }).provider, 'groq');
});

test('a dated price change between two decisions is priced anew, even for the same model and size', () => {
  // o3's price fell on 2025-06-10; the estimator keeps its last answer cost only within a decision.
  const fresh = new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4o' });
  const req = { messages: [{ role: 'user' as const, content: 'hi' }], max_tokens: 100 };
  mock.timers.enable({ apis: ['Date'], now: Date.UTC(2025, 4, 1) });
  try {
    const before = fresh.decide({ request: req, requestedModel: 'o3' });
    mock.timers.setTime(Date.UTC(2025, 6, 1));
    const after = fresh.decide({ request: req, requestedModel: 'o3' });
    assert.ok(before.estimatedCostUsd !== null && after.estimatedCostUsd !== null);
    assert.ok(after.estimatedCostUsd < before.estimatedCostUsd / 2, `${before.estimatedCostUsd} then ${after.estimatedCostUsd}`);
  } finally {
    mock.timers.reset();
  }
});
