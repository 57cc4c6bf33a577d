import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnthropicRequest } from '../../../../daemon/providers/anthropic/wire';
import { fromAnthropicRequest } from '../../../../daemon/providers/anthropic/inbound';
import { toAnthropicBody } from '../../../../daemon/providers/anthropic/request';
import { RouterError } from '../../../../daemon/protocol/errors';
import { withEffortHint } from '../../../../daemon/transport/routingHints';

// What Claude Code 2.1.332 sends (captured shape): a system-role message after the prompt, adaptive
// thinking with a display option, context management, output effort, a JSON user id.
const current = {
  model: 'claude-opus-5-5',
  max_tokens: 128000,
  stream: true,
  system: [{ type: 'text', text: 'x-anthropic-billing-header: cc_version=2.1.332' }, { type: 'text', text: 'You are a Claude agent.', cache_control: { type: 'ephemeral' } }],
  messages: [
    { role: 'user', content: [{ type: 'text', text: '<system-reminder>attribution</system-reminder>' }, { type: 'text', text: 'hello' }] },
    { role: 'system', content: [{ type: 'text', text: '# Environment\nlinux', cache_control: { type: 'ephemeral' } }] },
  ],
  tools: [{ name: 'Read', description: 'Read a file', input_schema: { type: 'object' } }, { name: 'DeferredToolPlaceholder', description: 'd', input_schema: { type: 'object' }, defer_loading: true }],
  metadata: { user_id: '{"device_id":"abc","account_uuid":"","session_id":"s-1"}' },
  thinking: { type: 'adaptive', display: 'omitted' },
  context_management: { edits: [{ type: 'clear_thinking_20251015', keep: 'all' }] },
  output_config: { effort: 'medium' },
};

test("current Claude Code requests are accepted: the system-role message stays a system message at its place", () => {
  const inbound = fromAnthropicRequest(AnthropicRequest.parse(current));
  assert.deepEqual(inbound.request.messages.map((m) => m.role), ['system', 'user', 'system']);
  assert.equal(inbound.request.messages[2]?.content, '# Environment\nlinux');
  assert.equal(inbound.effort, 'medium');
  assert.equal(inbound.userId, current.metadata.user_id);
  assert.deepEqual(inbound.request.tools?.map((t) => t.function.name), ['Read', 'DeferredToolPlaceholder']);
  // Routed back to Anthropic, both instructions go to the top-level system prompt.
  const out = toAnthropicBody(inbound.request, 'claude-opus-5-5', false);
  assert.match(String(out.system), /You are a Claude agent\.[\s\S]*# Environment/);
  assert.deepEqual(out.messages.map((m) => m.role), ['user']);
});

test('a server-side tool is refused by its name and type, never dropped', () => {
  const body = AnthropicRequest.parse({ ...current, tools: [...current.tools, { type: 'web_search_20250305', name: 'web_search', max_uses: 3 }] });
  assert.throws(() => fromAnthropicRequest(body), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature' && /web_search.*web_search_20250305/.test(e.message));
});

test('output effort is a routing hint on auto only, and an explicit tradeoff wins', () => {
  assert.deepEqual(withEffortHint('auto', undefined, 'high'), { tradeoff: 'quality' });
  assert.deepEqual(withEffortHint('auto', undefined, 'low'), { tradeoff: 'cost' });
  assert.equal(withEffortHint('auto', undefined, 'medium'), undefined);
  assert.deepEqual(withEffortHint('auto', { tradeoff: 'latency' }, 'high'), { tradeoff: 'latency' });
  assert.equal(withEffortHint('auto:cost', undefined, 'high'), undefined);
  assert.equal(withEffortHint('claude-opus-5-5', undefined, 'high'), undefined);
});
