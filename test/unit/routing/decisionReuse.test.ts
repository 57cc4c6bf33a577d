// A decision reuses working objects (the estimator's estimates, the router's arrays, the prompt
// vector's buffers) from one decision to the next: nothing it returns may change when the next
// decision runs, a decision made inside another (a callback deciding) must not disturb it, and a
// reused prompt vector must be the vector a fresh one is.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { Router } from '../../../daemon/routing/router';
import { promptVector } from '../../../daemon/routing/promptFeatures';
import { EVERYDAY_PROMPTS } from '../../../bench/everydayPrompts';

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

test('a decision is unchanged by the decisions after it', () => {
  const router = new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4o' });
  const first = router.decide({ request: ask('Prove that there are infinitely many primes.'), requestedModel: 'auto' });
  const copy = JSON.stringify(first);
  router.decide({ request: ask('thanks!'), requestedModel: 'auto:cost' });
  router.decide({ request: ask('Write a haiku about autumn.'), requestedModel: 'o3' });
  assert.equal(JSON.stringify(first), copy);
});

test('a decision made inside another (from its vet callback) leaves the outer one as it would be alone', () => {
  const plain = new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4o' });
  const input = { request: ask('Design a rate limiter for a distributed API and explain the trade-offs.'), requestedModel: 'auto' };
  const alone = plain.decide({ ...input, vet: () => null });
  const nesting = new Router({ catalog: Catalog.builtIn(), isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: 'gpt-4o' });
  let inner = 0;
  const nested = nesting.decide({
    ...input,
    vet: () => {
      // A different prompt and tradeoff, so that reused estimates would carry other figures.
      nesting.decide({ request: ask('thanks!'), requestedModel: 'auto:cost' });
      inner++;
      return null;
    },
  });
  assert.ok(inner > 40, `the callback decided ${inner} times`);
  assert.deepEqual(nested, alone);
});

test('a reused prompt vector is the vector a fresh call returns', () => {
  for (const p of EVERYDAY_PROMPTS) {
    const text = p.prompt;
    const fresh = promptVector(text);
    const reused = promptVector(text, 2, undefined, true);
    assert.deepEqual([...reused.idx], [...fresh.idx], text);
    assert.deepEqual([...reused.val], [...fresh.val], text);
    assert.deepEqual([...reused.embedding], [...fresh.embedding], text);
  }
});
