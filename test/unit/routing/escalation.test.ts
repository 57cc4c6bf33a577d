import { test } from 'node:test';
import assert from 'node:assert/strict';
import { shouldEscalate, escalationTarget } from '../../../daemon/routing/escalation';
import { makeRouter, ask } from './helpers';

test('low-confidence answers are recognised', () => {
  assert.equal(shouldEscalate({ text: 'partial answ', finishReason: 'length' }).signal, 'length');
  assert.equal(shouldEscalate({ text: '   ', finishReason: 'stop' }).signal, 'empty');
  assert.equal(shouldEscalate({ text: '', finishReason: 'tool_calls', hasToolCalls: true }).escalate, false);
  assert.equal(shouldEscalate({ text: "I'm sorry, but I can't help with that.", finishReason: 'stop' }).signal, 'refusal');
  assert.equal(shouldEscalate({ text: 'blocked', finishReason: 'content_filter' }).signal, 'refusal');
  assert.equal(shouldEscalate({ text: "I'm not sure, but it might be 42.", finishReason: 'stop' }).signal, 'hedging');
  // A cut the caller asked for (max_tokens) is not a low-confidence answer.
  assert.deepEqual(shouldEscalate({ text: 'It is', finishReason: 'length', callerMaxTokens: true }), { escalate: false, signal: null });
  assert.equal(shouldEscalate({ text: 'It is', finishReason: 'length' }).signal, 'length');
});

test('the target is a stronger eligible model, only where the policy enables escalation', () => {
  const router = makeRouter();
  const code = router.decide({ request: ask('```py\nprint(1)\n```\nwhat does it print?'), requestedModel: 'auto', routing: { tradeoff: 'cost', excludedModels: ['grok-4-1-fast-reasoning'] } });
  assert.equal(code.policy, 'code');
  const to = escalationTarget(code);
  assert.ok(to !== null && to !== code.model);
  const q = (m: string) => code.candidates.find((c) => c.model === m)?.quality ?? 0;
  assert.ok(q(to) > q(code.model));
  const normal = router.decide({ request: ask('Tell me about the weather in spring.'), requestedModel: 'auto' });
  assert.equal(normal.policy, 'normal');
  assert.equal(escalationTarget(normal), null);
});
