import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog, InMemoryModelStats } from '../../../daemon/routing/catalog';
import { makeRouter, ask, isRouterError } from './helpers';

const router = makeRouter();
const decide = (routing: Parameters<typeof router.decide>[0]['routing'], content = 'Summarise the plot of Hamlet in two sentences.', extra = {}) =>
  router.decide({ request: ask(content, extra), requestedModel: 'auto', routing });
const eligible = (d: ReturnType<typeof decide>) => d.candidates.filter((c) => c.excluded === undefined).map((c) => c.model);

test('maxCostUsd excludes dearer models and unknown prices', () => {
  const d = decide({ maxCostUsd: 0.0005 });
  assert.ok(d.estimatedCostUsd !== null && d.estimatedCostUsd <= 0.0005);
  for (const c of d.candidates) {
    if (c.costUsd === null || c.costUsd > 0.0005) {
      assert.match(c.excluded ?? '', /maxCostUsd|price unknown/);
    }
  }
});

test('maxLatencyMs and minQuality filter candidates', () => {
  const fast = decide({ maxLatencyMs: 3000 });
  assert.ok(fast.candidates.find((c) => c.model === fast.model)!.latencyMs <= 3000);
  assert.ok(fast.candidates.some((c) => /maxLatencyMs/.test(c.excluded ?? '')));
  // A floor just under the best predicted quality: some model meets it, most do not.
  const floor = Math.max(...decide({}).candidates.map((c) => c.quality)) - 0.02;
  const good = decide({ minQuality: floor });
  assert.ok(good.candidates.find((c) => c.model === good.model)!.quality >= floor);
  assert.ok(good.candidates.some((c) => /minQuality/.test(c.excluded ?? '')));
});

test('allowed, excluded and preferred providers', () => {
  assert.equal(decide({ allowedProviders: ['anthropic'] }).provider, 'anthropic');
  const noOpenai = decide({ excludedProviders: ['openai', 'google'] });
  assert.ok(!['openai', 'google'].includes(noOpenai.provider));
  const base = decide({});
  const preferred = decide({ preferredProviders: ['anthropic'] });
  assert.notEqual(base.provider, 'anthropic');
  assert.equal(preferred.provider, 'anthropic');
});

test('allowed, excluded and preferred models', () => {
  assert.deepEqual(eligible(decide({ allowedModels: ['gpt-4o-mini', 'claude-3-5-haiku'] })).sort(), ['claude-3-5-haiku', 'gpt-4o-mini']);
  const first = decide({});
  assert.notEqual(decide({ excludedModels: [first.model] }).model, first.model);
  const cheap = decide({ tradeoff: 'cost' });
  const pref = decide({ tradeoff: 'cost', preferredModels: ['gpt-4.1-mini'] });
  assert.notEqual(cheap.model, 'gpt-4.1-mini');
  assert.equal(pref.model, 'gpt-4.1-mini');
});

test('required capabilities and images need the capability', () => {
  const d = decide({ requiredCapabilities: ['vision', 'tools'] });
  for (const c of d.candidates) {
    if (['deepseek-chat', 'deepseek-reasoner', 'mistral-large', 'grok-3'].includes(c.model)) {
      assert.match(c.excluded ?? '', /lacks/);
    }
  }
  const img = router.decide({ request: { messages: [{ role: 'user', content: [{ type: 'text', text: 'what is it' }, { type: 'image_url', image_url: { url: 'data:,' } }] }] }, requestedModel: 'auto' });
  assert.ok(img.candidates.filter((c) => c.model.startsWith('deepseek')).every((c) => /vision/.test(c.excluded ?? '')));
});

test('context fit counts the prompt plus max_tokens', () => {
  const d = decide({}, 'short question', { max_tokens: 130_000 });
  assert.match(d.candidates.find((c) => c.model === 'gpt-4o')!.excluded ?? '', /context/);
  assert.equal(d.candidates.find((c) => c.model === 'gpt-4.1')!.excluded, undefined);
});

test('nothing fits: a noCandidate error naming every reason', () => {
  assert.throws(() => decide({ maxCostUsd: 0 }), isRouterError('noCandidate', 'maxCostUsd'));
  assert.throws(() => decide({ allowedModels: ['gpt-4o'], excludedModels: ['gpt-4o'] }), isRouterError('noCandidate', 'excludedModels'));
});

test('a prompt larger than every context window is contextTooLong', () => {
  const huge = 'lorem ipsum '.repeat(1_200_000);
  assert.throws(() => decide({}, huge), isRouterError('contextTooLong', 'larger than every'));
  assert.throws(() => router.decide({ request: ask(huge), requestedModel: 'gpt-4o' }), isRouterError('contextTooLong', 'gpt-4o'));
});

test('unknown models, candidates and policies are named', () => {
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'mystery-9' }), isRouterError('unknownModel', 'mystery-9'));
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'auto', candidates: ['nope'] }), isRouterError('unknownModel', 'nope'));
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'auto', routing: { policy: 'nope' } }), isRouterError('unknownPolicy', 'nope'));
});

test('live latency replaces the prior once observed, and unhealthy models are skipped', () => {
  const stats = new InMemoryModelStats();
  const r = makeRouter({ stats });
  const before = r.decide({ request: ask('hi'), requestedModel: 'auto' }).candidates.find((c) => c.model === 'gpt-4o-mini')!.latencyMs;
  for (let i = 0; i < 3; i++) {
    stats.observe('gpt-4o-mini', 5000, 10);
  }
  const after = r.decide({ request: ask('hi'), requestedModel: 'auto' }).candidates.find((c) => c.model === 'gpt-4o-mini')!.latencyMs;
  assert.ok(after > before + 4000, `${after} vs ${before}`);
  stats.setHealthy('gpt-4o-mini', false);
  const d = r.decide({ request: ask('hi'), requestedModel: 'auto' });
  assert.match(d.candidates.find((c) => c.model === 'gpt-4o-mini')!.excluded ?? '', /unhealthy/);
});

test('a decision carries estimates, confidence, a reason and savings against the baseline', () => {
  const d = decide({ tradeoff: 'cost' });
  assert.equal(d.baselineModel, 'gpt-4.1');
  assert.ok(d.estimatedSavingsUsd !== null && d.estimatedSavingsUsd > 0);
  assert.ok(d.confidence > 0 && d.confidence <= 1);
  assert.match(d.reason, new RegExp(d.model.replace(/[.]/g, '\\.')));
  assert.equal(d.candidates.length, Catalog.builtIn().list().length);
  assert.ok(d.fallbacks.length > 0 && !d.fallbacks.includes(d.model));
});
