import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluateRules, stableUnit, type RuleFacts } from '../../../daemon/routing/rules';
import { Rule } from '../../../daemon/protocol/routing-methods';
import { routeTest } from '../../../daemon/routing/routeTest';
import { makeRouter, ask, isRouterError } from './helpers';

const facts: RuleFacts = { client: 'claude-code', workspace: '/work/app', command: 'explain', taskType: 'code', languages: ['ts'], inputTokens: 500, key: 'k' };
const rule = (r: unknown) => Rule.parse(r);

test('each condition matches or explains why not', () => {
  const conds: [Record<string, unknown>, Record<string, unknown>][] = [
    [{ client: 'claude-*' }, { client: 'cursor' }],
    [{ workspace: '/work/*' }, { workspace: '/home/x' }],
    [{ command: ['explain', 'fix'] }, { command: 'rename' }],
    [{ taskType: 'code' }, { taskType: ['math', 'chat'] }],
    [{ language: ['typescript', 'ts'] }, { language: 'python' }],
    [{ minTokens: 100 }, { minTokens: 1000 }],
    [{ maxTokens: 1000 }, { maxTokens: 100 }],
  ];
  for (const [hit, miss] of conds) {
    const yes = evaluateRules([rule({ id: 'yes', when: hit, targets: [{ model: 'gpt-4o' }] })], facts);
    assert.equal(yes.match?.rule.id, 'yes', JSON.stringify(hit));
    assert.equal(yes.traces[0]?.reasons.length, 1);
    const no = evaluateRules([rule({ id: 'no', when: miss, targets: [{ model: 'gpt-4o' }] })], facts);
    assert.equal(no.match, null, JSON.stringify(miss));
    assert.equal(no.traces[0]?.matched, false);
    assert.ok((no.traces[0]?.reasons[0] ?? '').length > 0);
  }
});

test('priority orders rules, disabled rules are skipped, later rules say who matched first', () => {
  const ev = evaluateRules(
    [
      rule({ id: 'low', priority: 1, targets: [{ model: 'gpt-4o-mini' }] }),
      rule({ id: 'off', priority: 9, enabled: false, targets: [{ model: 'gpt-4o' }] }),
      rule({ id: 'high', priority: 5, targets: [{ model: 'claude-sonnet-4' }] }),
    ],
    facts,
  );
  assert.equal(ev.match?.rule.id, 'high');
  assert.deepEqual(ev.traces.map((t) => t.id), ['off', 'high', 'low']);
  assert.deepEqual(ev.traces[0]?.reasons, ['disabled']);
  assert.match(ev.traces[2]?.reasons[0] ?? '', /"high"/);
});

test('weighted targets and canaries split traffic stably by request', () => {
  const r = rule({ id: 'split', targets: [{ model: 'a', weight: 3 }, { model: 'b', weight: 1 }], canary: { model: 'c', share: 0.1 } });
  const counts: Record<string, number> = {};
  for (let i = 0; i < 4000; i++) {
    const m = evaluateRules([r], { ...facts, key: `req-${i}` }).match?.model ?? '';
    counts[m] = (counts[m] ?? 0) + 1;
  }
  assert.ok(Math.abs((counts.c ?? 0) / 4000 - 0.1) < 0.03, JSON.stringify(counts));
  assert.ok(Math.abs((counts.a ?? 0) / ((counts.a ?? 0) + (counts.b ?? 0)) - 0.75) < 0.04, JSON.stringify(counts));
  assert.equal(evaluateRules([r], { ...facts, key: 'same' }).match?.model, evaluateRules([r], { ...facts, key: 'same' }).match?.model);
  assert.ok(stableUnit('x') >= 0 && stableUnit('x') < 1);
});

test('a matched rule decides, falls back in order when its target is out, and the trace says why', () => {
  const rules = [rule({ id: 'ts-to-sonnet', when: { taskType: 'code' }, targets: [{ model: 'claude-sonnet-4' }], fallbacks: ['gpt-4.1'] })];
  const router = makeRouter({}, { rules });
  const code = { request: ask('```ts\nlet x = 1\n```\nwhy?'), requestedModel: 'auto' };
  const d = router.decide(code);
  assert.equal(d.model, 'claude-sonnet-4');
  assert.equal(d.rule, 'ts-to-sonnet');
  assert.equal(d.strategy, 'rule');
  assert.equal(d.fallbacks[0], 'gpt-4.1');
  assert.match(d.reason, /taskType "code" ∈ \[code\]/);
  const out = router.decide({ ...code, routing: { excludedProviders: ['anthropic'] } });
  assert.equal(out.model, 'gpt-4.1');
  assert.match(out.reason, /skipped claude-sonnet-4/);
  const neither = router.decide({ ...code, routing: { excludedModels: ['claude-sonnet-4', 'gpt-4.1'] } });
  assert.equal(neither.rule, null);
  const prose = router.decide({ request: ask('Tell me about your day'), requestedModel: 'auto' });
  assert.equal(prose.rule, null);
});

test('a rule naming an unknown model is an error', () => {
  const router = makeRouter({}, { rules: [rule({ id: 'bad', targets: [{ model: 'gpt-9' }] })] });
  assert.throws(() => router.decide({ request: ask('hi'), requestedModel: 'auto' }), isRouterError('unknownModel', 'gpt-9'));
});

test('route/test reports the matched rule, every trace, features, and errors as data', () => {
  const router = makeRouter();
  const rules = [
    rule({ id: 'big-prompts', when: { minTokens: 1000 }, targets: [{ model: 'gemini-2.5-flash' }] }),
    rule({ id: 'editor-fix', when: { command: 'fix' }, targets: [{ model: 'gpt-4.1-mini' }] }),
  ];
  const r = routeTest(router, { request: ask('fix it'), requestedModel: 'auto', context: { kind: 'editor', command: 'fix' } }, { rules }, []);
  assert.equal(r.matchedRule, 'editor-fix');
  assert.equal(r.decision?.model, 'gpt-4.1-mini');
  assert.equal(r.rules.length, 2);
  assert.match(r.rules[0]?.reasons[0] ?? '', /tokens \d+ < 1000/);
  assert.ok(r.features.inputTokens > 0);
  const bad = routeTest(router, { request: ask('x'), requestedModel: 'auto', routing: { maxCostUsd: 0 } }, {}, []);
  assert.equal(bad.decision, null);
  assert.equal(bad.error?.code, 'noCandidate');
});

test('bad rule configuration is rejected by the schema', () => {
  assert.throws(() => Rule.parse({ id: 'x', targets: [] }));
  assert.throws(() => Rule.parse({ id: 'x', targets: [{ model: 'a' }], when: { taskType: 'poetry' } }));
  assert.throws(() => Rule.parse({ id: 'x', targets: [{ model: 'a' }], canary: { model: 'b', share: 2 } }));
});

test('a matching rule wins over the policy list; when it cannot apply, the decision and route/test say why', () => {
  const rules = [rule({ id: 'python-cheap', when: { language: 'python' }, targets: [{ model: 'gpt-4o-mini' }] })];
  const router = makeRouter({}, { rules });
  const request = ask('```python\ndef add(a, b):\n    return a + b\n```\nAdd type hints to this function.');
  const d = router.decide({ request, requestedModel: 'auto' });
  assert.equal(d.policy, 'code');
  assert.equal(d.rule, 'python-cheap');
  assert.equal(d.model, 'gpt-4o-mini');
  // The rule's model is excluded by the request's own constraint: the strategy decides, and says so.
  const out = router.decide({ request, requestedModel: 'auto', routing: { excludedModels: ['gpt-4o-mini'] } });
  assert.equal(out.rule, null);
  assert.match(out.reason, /rule "python-cheap" matched but was not applied: gpt-4o-mini: in excludedModels/);
  const t = routeTest(router, { request, requestedModel: 'auto', routing: { excludedModels: ['gpt-4o-mini'] } }, {}, rules);
  const trace = t.rules.find((r) => r.id === 'python-cheap');
  assert.equal(trace?.matched, true);
  assert.ok(trace?.reasons.some((r) => /not applied: gpt-4o-mini: in excludedModels/.test(r)), JSON.stringify(trace));
});
