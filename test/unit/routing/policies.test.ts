import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PolicySet, BUILT_IN_POLICIES } from '../../../daemon/routing/policies';
import { Policy } from '../../../daemon/protocol/routing-methods';
import { makeRouter, ask, isRouterError } from './helpers';

test('built-in policies exist and task types map to them', () => {
  const set = new PolicySet();
  assert.deepEqual(BUILT_IN_POLICIES.map((p) => p.name), ['normal', 'deep-research', 'code', 'ops']);
  assert.equal(set.forTask('code').name, 'code');
  assert.equal(set.forTask('chat').name, 'normal');
  assert.equal(new PolicySet([], { simple: 'ops' }).forTask('simple').name, 'ops');
  assert.throws(() => new PolicySet([], { simple: 'nope' }), isRouterError('unknownPolicy', 'nope'));
  assert.throws(() => set.get('nope'), isRouterError('unknownPolicy'));
});

test('a policy is chosen by name as the model, by routing.policy, or by task type', () => {
  const router = makeRouter();
  const deep = router.decide({ request: ask('hello'), requestedModel: 'deep-research' });
  assert.equal(deep.policy, 'deep-research');
  assert.ok(BUILT_IN_POLICIES[1]?.models.includes(deep.model));
  assert.equal(deep.strategy, 'quality-first');
  const ops = router.decide({ request: ask('write a commit message for: fix typo'), requestedModel: 'auto', routing: { policy: 'ops' } });
  assert.equal(ops.policy, 'ops');
  assert.ok(BUILT_IN_POLICIES[3]?.models.includes(ops.model));
  const code = router.decide({ request: ask('```js\nconsole.log(1)\n```\nwhat does this print?'), requestedModel: 'auto' });
  assert.equal(code.policy, 'code');
  assert.equal(code.taskType, 'code');
});

test('policy ceilings apply: maxCostUsd, maxTokens and minQuality', () => {
  const router = makeRouter({}, { policies: [Policy.parse({ name: 'thrifty', models: [], maxCostUsd: 0.0002, maxTokens: 50, minQuality: 0.5 })] });
  const d = router.decide({ request: ask('Explain quantum tunnelling.'), requestedModel: 'thrifty' });
  assert.equal(d.estimatedOutputTokens, 50);
  assert.ok((d.estimatedCostUsd ?? 1) <= 0.0002);
  assert.ok(d.candidates.some((c) => /maxCostUsd/.test(c.excluded ?? '')));
});

test('user policies add or replace, with their own strategy; bad ones are errors', () => {
  const router = makeRouter({}, {
    policies: [Policy.parse({ name: 'only-haiku', models: ['claude-3-5-haiku', 'gpt-4o'], strategy: { name: 'fixed', model: 'claude-3-5-haiku' } })],
    taskPolicies: { chat: 'only-haiku' },
  });
  const d = router.decide({ request: ask('Hello! I had a lovely weekend by the lake with my family and the dog.'), requestedModel: 'auto' });
  assert.equal(d.policy, 'only-haiku');
  assert.equal(d.model, 'claude-3-5-haiku');
  assert.equal(d.strategy, 'fixed');
  const bad = makeRouter({}, { policies: [Policy.parse({ name: 'ghost', models: ['gpt-9'] })] });
  assert.throws(() => bad.decide({ request: ask('hi'), requestedModel: 'ghost' }), isRouterError('unknownModel', 'gpt-9'));
  assert.throws(() => Policy.parse({ name: 'Bad Name' }));
  assert.throws(() => makeRouter().setConfig({ taskPolicies: { code: 'missing' } }), isRouterError('unknownPolicy'));
});

test('policy model lists respect key availability; explicit candidates do not need keys', () => {
  const router = makeRouter({ isAvailable: (m) => m.provider === 'openai' });
  const d = router.decide({ request: ask('hi'), requestedModel: 'deep-research' });
  assert.equal(d.provider, 'openai');
  const dry = router.decide({ request: ask('hi'), requestedModel: 'auto', candidates: ['claude-opus-4'] });
  assert.equal(dry.model, 'claude-opus-4');
});

test('workspace defaults sit between the request and the global default', () => {
  const router = makeRouter({}, { workspaces: { '/work/thrifty': { tradeoff: 'cost', policy: 'ops' } } });
  const ctx = { kind: 'editor' as const, workspace: '/work/thrifty' };
  const d = router.decide({ request: ask('Rename this variable please, thanks a lot for it.'), requestedModel: 'auto', context: ctx });
  assert.equal(d.tradeoff, 'cost');
  assert.equal(d.policy, 'ops');
  const own = router.decide({ request: ask('Rename this variable please, thanks a lot for it.'), requestedModel: 'auto:quality', context: ctx, routing: { policy: 'normal' } });
  assert.equal(own.tradeoff, 'quality');
  assert.equal(own.policy, 'normal');
  const elsewhere = router.decide({ request: ask('Rename this variable please, thanks a lot for it.'), requestedModel: 'auto', context: { kind: 'editor', workspace: '/other' } });
  assert.equal(elsewhere.tradeoff, 'balanced');
});
