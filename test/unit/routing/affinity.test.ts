import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { conversationIdOf, judgeTurn, steer, type ConversationState } from '../../../daemon/routing/affinity';
import type { CandidateEstimate, RoutingDecision } from '../../../daemon/protocol/routing';

const catalog = Catalog.builtIn();

function cand(model: string, quality: number, costUsd: number | null, excluded?: string): CandidateEstimate {
  const m = catalog.get(model);
  return { model, provider: m?.provider ?? 'x', quality, costUsd, latencyMs: 500, score: quality, ...(excluded ? { excluded } : {}) };
}

function fresh(model: string, candidates: CandidateEstimate[], over: Partial<RoutingDecision> = {}): RoutingDecision {
  const c = candidates.find((x) => x.model === model);
  return {
    model, provider: c?.provider ?? 'x', fallbacks: candidates.map((x) => x.model).filter((m) => m !== model).slice(0, 3), reason: `fresh: ${model}`,
    strategy: 'learned', policy: 'normal', rule: null, tradeoff: 'balanced', taskType: 'chat', confidence: 0.8, inputTokens: 4000, estimatedOutputTokens: 300,
    estimatedCostUsd: c?.costUsd ?? null, baselineModel: null, estimatedSavingsUsd: null, candidates, experiment: null, difficulty: 0.3, ...over,
  };
}

const state = (over: Partial<ConversationState> = {}): ConversationState => ({ id: 'conv_x', model: 'gpt-4.1', provider: 'openai', difficulty: 0.3, taskType: 'chat', lastInputTokens: 3800, turns: 3, ...over });
const judge = (s: ConversationState, f: RoutingDecision) => judgeTurn({ state: s, fresh: f, model: (id) => catalog.get(id) });

test('keys: explicit keys are hashed per source; the prefix key is the opening of the conversation', () => {
  const ctx = { kind: 'script' as const };
  const a = conversationIdOf({ key: 'session-1', source: 'header' }, ctx, []);
  assert.match(a?.id ?? '', /^conv_[0-9a-f]{24}$/);
  assert.notEqual(a?.id, conversationIdOf({ key: 'session-1', source: 'user' }, ctx, [])?.id);
  const opening = [{ role: 'system' as const, content: 'be brief' }, { role: 'user' as const, content: 'hi' }];
  const p1 = conversationIdOf(undefined, ctx, opening);
  const p2 = conversationIdOf(undefined, ctx, [...opening, { role: 'assistant' as const, content: 'hello' }, { role: 'user' as const, content: 'more' }]);
  assert.equal(p1?.source, 'prefix');
  assert.equal(p1?.id, p2?.id);
  assert.notEqual(p1?.id, conversationIdOf(undefined, { kind: 'editor' }, opening)?.id);
  assert.equal(conversationIdOf(undefined, ctx, [{ role: 'system', content: 'x' }]), null);
});

test('kept: a fresh choice that is not clearly better stays on the earlier model, and says what staying keeps', () => {
  const cands = [cand('gpt-4.1', 0.84, 0.01), cand('gemini-2.5-pro', 0.86, 0.012)];
  const j = judge(state(), fresh('gemini-2.5-pro', cands, { difficulty: 0.35 }));
  assert.equal(j.outcome, 'kept');
  assert.equal(j.model, 'gpt-4.1');
  assert.match(j.why, /gemini-2\.5-pro would gain too little to switch mid-conversation; staying keeps a ~\$[0-9.e-]+ prompt-cache discount/);
  const d = steer(fresh('gemini-2.5-pro', cands), 'gpt-4.1');
  assert.equal(d.model, 'gpt-4.1');
  assert.equal(d.provider, 'openai');
  assert.equal(d.estimatedCostUsd, 0.01);
  assert.equal(d.fallbacks[0], 'gemini-2.5-pro');
});

test('moved: the earlier model is excluded (health, constraints, budget) or gone', () => {
  const cands = [cand('gpt-4.1', 0.84, 0.01, 'unhealthy: circuit open after recent failures'), cand('gemini-2.5-pro', 0.86, 0.012)];
  const j = judge(state(), fresh('gemini-2.5-pro', cands));
  assert.deepEqual([j.outcome, j.model], ['moved', 'gemini-2.5-pro']);
  assert.match(j.why, /gpt-4\.1 no longer fits: unhealthy/);
  assert.match(judge(state({ model: 'grok-3' }), fresh('gemini-2.5-pro', cands)).why, /grok-3 is no longer a candidate/);
});

test('moved: a clearly harder or easier turn', () => {
  const cands = [cand('gpt-4.1', 0.84, 0.01), cand('o4-mini', 0.88, 0.02), cand('gpt-4.1-nano', 0.6, 0.0005)];
  const harder = judge(state(), fresh('o4-mini', cands, { difficulty: 0.55, taskType: 'analysis' }));
  assert.deepEqual([harder.outcome, harder.model], ['moved', 'o4-mini']);
  assert.match(harder.why, /clearly harder \(analysis, difficulty 0\.30 → 0\.55\)/);
  // Up by 0.1 into a math task is enough; into chat it is not.
  assert.equal(judge(state(), fresh('o4-mini', cands, { difficulty: 0.41, taskType: 'math' })).outcome, 'moved');
  assert.equal(judge(state(), fresh('o4-mini', cands, { difficulty: 0.41, taskType: 'chat' })).outcome, 'kept');
  const easier = judge(state({ difficulty: 0.7 }), fresh('gpt-4.1-nano', cands, { difficulty: 0.3 }));
  assert.deepEqual([easier.outcome, easier.model], ['moved', 'gpt-4.1-nano']);
  assert.match(easier.why, /clearly easier/);
});

test('moved: as good and cheaper even after the cache discount it gives up; kept when the discount outweighs the saving', () => {
  // gpt-4.1 input $2/MTok, cached $0.5/MTok: 3800 cached tokens are worth ~$0.0057.
  const cheaper = judge(state(), fresh('gpt-4.1-mini', [cand('gpt-4.1', 0.8, 0.02), cand('gpt-4.1-mini', 0.8, 0.001)]));
  assert.deepEqual([cheaper.outcome, cheaper.model], ['moved', 'gpt-4.1-mini']);
  assert.match(cheaper.why, /as good and saves \$[0-9.e-]+ more than the \$[0-9.e-]+ prompt-cache discount it loses/);
  const slightly = judge(state(), fresh('gpt-4.1-mini', [cand('gpt-4.1', 0.8, 0.01), cand('gpt-4.1-mini', 0.8, 0.008)]));
  assert.equal(slightly.outcome, 'kept');
  // Cheaper but clearly worse: the conversation keeps its quality.
  assert.equal(judge(state(), fresh('gpt-4.1-nano', [cand('gpt-4.1', 0.84, 0.02), cand('gpt-4.1-nano', 0.6, 0.0005)])).outcome, 'kept');
});
