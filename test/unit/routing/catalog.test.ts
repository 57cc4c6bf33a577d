import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { ModelOverride } from '../../../daemon/protocol/routing-methods';
import { makeRouter, ask, isRouterError } from './helpers';

test('prices come from genai-prices; overrides win; null marks the price unknown (never $0)', () => {
  const c = Catalog.builtIn();
  const p = c.price(c.get('gpt-4o')!);
  assert.ok(p !== null && p.inputPerMTok > 0 && p.outputPerMTok > p.inputPerMTok);
  c.update([ModelOverride.parse({ id: 'gpt-4o', price: { inputPerMTok: 1, outputPerMTok: 2 } })]);
  assert.deepEqual(c.price(c.get('gpt-4o')!), { inputPerMTok: 1, outputPerMTok: 2, cachedInputPerMTok: 1, cacheWritePerMTok: 1 });
  c.update([ModelOverride.parse({ id: 'gpt-4o', price: null })]);
  assert.equal(c.price(c.get('gpt-4o')!), null);
  const router = makeRouter({ catalog: c });
  const d = router.decide({ request: ask('hi'), requestedModel: 'gpt-4o' });
  assert.equal(d.estimatedCostUsd, null);
  assert.equal(d.estimatedSavingsUsd, null);
});

test('catalog/update adds a model (with provider and window) or patches one', () => {
  const c = Catalog.builtIn();
  const r = c.update([
    ModelOverride.parse({ id: 'local-qwen', provider: 'ollama', contextWindow: 32_000, qualityPrior: 0.55, price: { inputPerMTok: 0, outputPerMTok: 0 } }),
    ModelOverride.parse({ id: 'gpt-4o-mini', contextWindow: 64_000 }),
  ]);
  assert.deepEqual(r, { added: ['local-qwen'], updated: ['gpt-4o-mini'] });
  assert.equal(c.get('gpt-4o-mini')?.contextWindow, 64_000);
  assert.equal(c.get('local-qwen')?.provider, 'ollama');
  assert.throws(() => c.update([ModelOverride.parse({ id: 'mystery' })]), isRouterError('invalidParams', 'provider'));
  assert.equal(Catalog.withOverrides([ModelOverride.parse({ id: 'gpt-4.1', qualityPrior: 0.1 })]).get('gpt-4.1')?.qualityPrior, 0.1);
  assert.throws(() => ModelOverride.parse({ id: 'x', price: { inputPerMTok: -1, outputPerMTok: 1 } }));
});
