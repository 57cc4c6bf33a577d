// The effort routing chose reaches each provider in its own terms: OpenAI-style reasoning_effort,
// Anthropic's thinking budget (max_tokens above it, no temperature), Gemini's thinking budget or
// level; a fallback model without that level gets its default; a model that does not reason, nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PROVIDERS } from '../../../daemon/providers/registry';
import { Catalog } from '../../../daemon/routing/catalog';
import { reasoningFor } from '../../../daemon/routing/effort';
import type { EffortLevel } from '../../../daemon/protocol/chat';

const catalog = Catalog.builtIn();
function body(provider: string, modelId: string, effort: EffortLevel | null, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const m = catalog.get(modelId)!;
  const spec = PROVIDERS[provider]!.adapter!.buildRequest(
    { messages: [{ role: 'user', content: 'hi' }], ...extra },
    { apiModel: m.apiModel, stream: false, apiKey: 'k', baseUrl: 'http://127.0.0.1:1', reasoning: reasoningFor(m, effort) },
  );
  return JSON.parse(spec.body) as Record<string, unknown>;
}

test('OpenAI-compatible models get reasoning_effort; models that do not reason get none', () => {
  assert.equal(body('openai', 'gpt-5.1', 'high').reasoning_effort, 'high');
  assert.equal(body('openai', 'o4-mini', 'low').reasoning_effort, 'low');
  // A fallback without the chosen level gets its default (o4-mini has no "none").
  assert.equal(body('openai', 'o4-mini', 'none').reasoning_effort, 'medium');
  assert.equal(body('openai', 'gpt-4o', 'high').reasoning_effort, undefined);
  assert.equal(body('xai', 'grok-3-mini', 'high').reasoning_effort, 'high');
  assert.equal(body('deepseek', 'deepseek-reasoner', 'high').reasoning_effort, undefined);
});

test('Anthropic gets a thinking budget under max_tokens and no temperature; none turns it off', () => {
  const b = body('anthropic', 'claude-sonnet-4-5', 'medium', { max_tokens: 1000, temperature: 0.2 });
  assert.deepEqual(b.thinking, { type: 'enabled', budget_tokens: 8192 });
  assert.ok((b.max_tokens as number) > 8192);
  assert.equal(b.temperature, undefined);
  const off = body('anthropic', 'claude-sonnet-4-5', 'none', { temperature: 0.2 });
  assert.equal(off.thinking, undefined);
  assert.equal(off.temperature, 0.2);
});

test('Gemini gets a thinking budget (2.5) or a thinking level (3)', () => {
  assert.deepEqual((body('google', 'gemini-2.5-flash', 'none').generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 0 });
  assert.deepEqual((body('google', 'gemini-2.5-pro', 'high').generationConfig as Record<string, unknown>).thinkingConfig, { thinkingBudget: 24576 });
  assert.deepEqual((body('google', 'gemini-3-pro', 'low').generationConfig as Record<string, unknown>).thinkingConfig, { thinkingLevel: 'low' });
  assert.equal(body('google', 'gemini-2.0-flash', 'high').generationConfig, undefined);
});
