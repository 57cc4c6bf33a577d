// What users expect of routing, over a fixed prompt set (bench/everydayPrompts.ts, the same set
// `npm run bench:routing-everyday` prints): everyday prompts never wait for a slow thinking model
// or pay premium prices outside `quality`; hard ones get a frontier model under `quality` and never
// the weakest tier under `balanced`; cost and quality never go down from cost → balanced → quality;
// effort follows the prompt; the value of time is the user's to set.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import type { RoutingDecision, Tradeoff } from '../../../daemon/protocol/routing';
import { EVERYDAY_PROMPTS, everydayViolations, type EverydayChoice } from '../../../bench/everydayPrompts';
import { makeRouter, ask, isRouterError } from './helpers';

const catalog = Catalog.builtIn();
const router = makeRouter();
const decide = (prompt: string, tradeoff: Tradeoff, extra: Partial<Parameters<typeof router.decide>[0]> = {}): RoutingDecision =>
  router.decide({ request: ask(prompt), requestedModel: 'auto', routing: { tradeoff }, ...extra });
const chosen = (d: RoutingDecision) => d.candidates.find((c) => c.model === d.model)!;
const choice = (d: RoutingDecision): EverydayChoice => ({ model: d.model, effort: d.effort ?? null, expectedWallMs: d.expectedWallMs ?? null, costUsd: d.estimatedCostUsd, quality: chosen(d).quality, thinkingTokens: chosen(d).thinkingTokens ?? 0 });

// The expectations themselves are in bench/everydayPrompts.ts: the integration tests hold the same
// ones through route/decide and the CLI dry run (test/integration/everydayRouting.test.ts).
test('everyday prompts never wait for a slow thinking model or pay premium prices outside quality; hard ones get a frontier model under quality, never the weakest tier under balanced; latency waits least, never 10 s; cost and quality never go down from cost to balanced to quality', () => {
  const broken = EVERYDAY_PROMPTS.flatMap((p) => {
    const by = { cost: choice(decide(p.prompt, 'cost')), balanced: choice(decide(p.prompt, 'balanced')), quality: choice(decide(p.prompt, 'quality')), latency: choice(decide(p.prompt, 'latency')) };
    return everydayViolations(catalog, p, by);
  });
  assert.deepEqual(broken, []);
});

test('hard prompts think deeply under quality', () => {
  for (const p of EVERYDAY_PROMPTS.filter((x) => x.kind === 'hard')) {
    const q = decide(p.prompt, 'quality');
    assert.ok(q.effort === null || q.effort === 'high' || q.effort === 'xhigh', `${p.id}/quality effort ${q.effort}`);
  }
});

test('the effort follows the prompt: fast on an easy one, deep on a hard one, and it costs time', () => {
  const easy = EVERYDAY_PROMPTS.find((p) => p.id === 'capital')!.prompt;
  const hard = EVERYDAY_PROMPTS.find((p) => p.id === 'proof')!.prompt;
  for (const model of ['gpt-5.1', 'claude-sonnet-4-5', 'gemini-2.5-flash']) {
    const e = decide(easy, 'balanced', { candidates: [model] });
    const h = decide(hard, 'balanced', { candidates: [model] });
    assert.equal(e.effort, 'none', `${model} easy`);
    assert.equal(h.effort, 'high', `${model} hard`);
    assert.ok((h.expectedWallMs ?? 0) > (e.expectedWallMs ?? 0) * 3);
    assert.match(h.reason, /at effort high/);
  }
  // A model that always thinks shows it, and its thinking is priced and waited for.
  const r = decide(easy, 'balanced', { candidates: ['deepseek-reasoner'] });
  assert.equal(r.effort, 'high');
  assert.ok((chosen(r).thinkingTokens ?? 0) > 0);
  // A model that does not reason has no effort.
  assert.equal(decide(easy, 'balanced', { candidates: ['gpt-4o-mini'] }).effort, null);
});

test('an effort the model does not support is refused naming the supported ones; a pinned one is kept', () => {
  assert.throws(() => router.decide({ request: { ...ask('hi'), reasoning_effort: 'minimal' }, requestedModel: 'o4-mini' }), isRouterError('invalidParams', 'supports low, medium, high'));
  assert.throws(() => router.decide({ request: { ...ask('hi'), reasoning_effort: 'high' }, requestedModel: 'gpt-4o' }), isRouterError('invalidParams', 'does not reason'));
  assert.equal(router.decide({ request: { ...ask('hi'), reasoning_effort: 'high' }, requestedModel: 'gpt-5.1' }).effort, 'high');
  const auto = router.decide({ request: { ...ask('hi'), reasoning_effort: 'xhigh' }, requestedModel: 'auto' });
  assert.equal(auto.effort, 'xhigh');
  assert.match(auto.candidates.find((c) => c.model === 'gpt-4o')?.excluded ?? '', /does not reason/);
});

test('the value of time is the user\'s: with none the slower, cheaper answer wins; with some the faster one', () => {
  const prompt = 'Explain how TCP congestion control works, with slow start, congestion avoidance and fast recovery.';
  const pair = { candidates: ['deepseek-chat', 'gemini-3-flash'] };
  const patient = decide(prompt, 'balanced', { ...pair, routing: { tradeoff: 'balanced', valueOfTimeUsdPerHour: 0 } });
  const hurried = decide(prompt, 'balanced', { ...pair, routing: { tradeoff: 'balanced', valueOfTimeUsdPerHour: 300 } });
  assert.equal(patient.model, 'deepseek-chat');
  assert.equal(hurried.model, 'gemini-3-flash');
  assert.ok((hurried.expectedWallMs ?? 0) < (patient.expectedWallMs ?? 0) && (hurried.estimatedCostUsd ?? 0) > (patient.estimatedCostUsd ?? 0));
  // config.json's routing.valueOfTimeUsdPerHour is the default; the request's own value wins.
  const configured = makeRouter({}, { valueOfTimeUsdPerHour: 0 });
  assert.equal(configured.decide({ request: ask(prompt), requestedModel: 'auto', ...pair, routing: { tradeoff: 'balanced' } }).model, 'deepseek-chat');
  assert.equal(configured.decide({ request: ask(prompt), requestedModel: 'auto', ...pair, routing: { tradeoff: 'balanced', valueOfTimeUsdPerHour: 300 } }).model, 'gemini-3-flash');
});
