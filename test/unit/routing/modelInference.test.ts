import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { inferModel, providerFromModelId } from '../../../daemon/routing/modelInference';
import { Router } from '../../../daemon/routing/router';
import { RouterError } from '../../../daemon/protocol/errors';

const ask = (content: string) => ({ messages: [{ role: 'user' as const, content }] });

test('the provider of an unlisted id is read from its name, or not at all', () => {
  assert.equal(providerFromModelId('claude-opus-5-5'), 'anthropic');
  assert.equal(providerFromModelId('gpt-5.5-codex'), 'openai');
  assert.equal(providerFromModelId('o5-mini'), 'openai');
  assert.equal(providerFromModelId('o3'), 'openai');
  assert.equal(providerFromModelId('gemini-3-pro'), 'google');
  assert.equal(providerFromModelId('grok-5'), 'xai');
  assert.equal(providerFromModelId('deepseek-v4'), 'deepseek');
  for (const id of ['mystery-9', 'omni', 'claude', 'gpt', 'llama-4', 'o-mini', 'GPT-5', 'claude-opus-5-5 ; drop']) {
    assert.equal(providerFromModelId(id), null, id);
    assert.equal(inferModel(id), null, id);
  }
});

test('a named unlisted model is routed to its provider, priced when genai-prices knows it, never an auto candidate', () => {
  const catalog = Catalog.builtIn();
  const router = new Router({ catalog, isAvailable: () => true, defaultTradeoff: 'balanced', baselineModel: null });
  const known = router.decide({ request: ask('hi'), requestedModel: 'gpt-5-codex' });
  assert.equal(known.model, 'gpt-5-codex');
  assert.equal(known.provider, 'openai');
  assert.ok(known.estimatedCostUsd !== null && known.estimatedCostUsd > 0);
  assert.match(known.reason, /requested by name/);
  const unpriced = router.decide({ request: ask('hi'), requestedModel: 'gemini-97-hyper' });
  assert.equal(unpriced.provider, 'google');
  assert.equal(unpriced.estimatedCostUsd, null, 'price unknown, never $0');
  assert.equal(catalog.get('gemini-97-hyper')?.inferred, true);
  assert.ok(!catalog.list().some((m) => m.id === 'gemini-97-hyper' || m.id === 'gpt-5-codex'));
  for (let i = 0; i < 5; i++) {
    assert.ok(!['gpt-5-codex', 'gemini-97-hyper'].includes(router.decide({ request: ask(`question ${i}`), requestedModel: 'auto:quality' }).model));
  }
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'mystery-9' }), (e: unknown) => e instanceof RouterError && e.code === 'unknownModel');
});
