import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AnthropicRequest } from '../../../../daemon/providers/anthropic/wire';
import { AnthropicStreamWriter, fromAnthropicRequest, toAnthropicMessage, anthropicErrorBody } from '../../../../daemon/providers/anthropic/inbound';
import { toAnthropicBody } from '../../../../daemon/providers/anthropic/request';
import { AnthropicStreamParser, parseAnthropicResponse } from '../../../../daemon/providers/anthropic/response';
import { RouterError } from '../../../../daemon/protocol/errors';
import type { StreamEvent } from '../../../../daemon/protocol/chat';
import { fold, replay } from '../fixtures';

// A request shaped like Claude Code's: system as cached text blocks, tools, metadata, thinking.
const claudeCodeLike = {
  model: 'auto',
  max_tokens: 32000,
  stream: true,
  system: [{ type: 'text', text: 'You are Claude Code.', cache_control: { type: 'ephemeral' } }, { type: 'text', text: 'Be concise.' }],
  metadata: { user_id: 'user_abc' },
  thinking: { type: 'enabled', budget_tokens: 1024 },
  messages: [
    { role: 'user', content: [{ type: 'text', text: 'List files' }] },
    { role: 'assistant', content: [{ type: 'thinking', thinking: '…', signature: 'sig' }, { type: 'text', text: 'Let me look.' }, { type: 'tool_use', id: 'toolu_1', name: 'Bash', input: { command: 'ls' } }] },
    { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts\nb.ts' }, { type: 'text', text: 'and now?' }] },
  ],
  tools: [{ name: 'Bash', description: 'Run a command', input_schema: { type: 'object', properties: { command: { type: 'string' } }, required: ['command'] } }],
  tool_choice: { type: 'auto' },
  temperature: 1,
  an_unknown_future_field: { x: 1 },
};

test('a Claude Code-like request translates to canonical and back to an equivalent Anthropic request', () => {
  const parsed = AnthropicRequest.parse(claudeCodeLike);
  const inbound = fromAnthropicRequest(parsed);
  assert.equal(inbound.model, 'auto');
  assert.equal(inbound.stream, true);
  const r = inbound.request;
  assert.deepEqual(r.messages, [
    { role: 'system', content: 'You are Claude Code.\n\nBe concise.' },
    { role: 'user', content: 'List files' },
    { role: 'assistant', content: 'Let me look.', tool_calls: [{ id: 'toolu_1', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }] },
    { role: 'tool', tool_call_id: 'toolu_1', content: 'a.ts\nb.ts' },
    { role: 'user', content: 'and now?' },
  ]);
  assert.equal(r.max_tokens, 32000);
  assert.equal(r.tool_choice, 'auto');
  assert.equal(r.tools?.[0]?.function.name, 'Bash');
  const back = toAnthropicBody(r, 'claude-sonnet-4-20250514', true);
  // A later turn: the system prompt and the last block are marked for Anthropic's prompt cache.
  assert.deepEqual(back.system, [{ type: 'text', text: 'You are Claude Code.\n\nBe concise.', cache_control: { type: 'ephemeral' } }]);
  assert.deepEqual(back.messages.map((m) => m.role), ['user', 'assistant', 'user']);
  assert.deepEqual(back.messages[2]?.content, [{ type: 'tool_result', tool_use_id: 'toolu_1', content: 'a.ts\nb.ts' }, { type: 'text', text: 'and now?', cache_control: { type: 'ephemeral' } }]);
});

test('server tools and top_k are unsupportedFeature errors; images become data URLs', () => {
  const bad = AnthropicRequest.parse({ ...claudeCodeLike, tools: [{ type: 'web_search_20250305', name: 'web_search', input_schema: {} }] });
  assert.throws(() => fromAnthropicRequest(bad), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature' && /web_search/.test(e.message));
  assert.throws(() => fromAnthropicRequest(AnthropicRequest.parse({ ...claudeCodeLike, top_k: 5 })), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature');
  const img = fromAnthropicRequest(AnthropicRequest.parse({ model: 'm', max_tokens: 5, messages: [{ role: 'user', content: [{ type: 'image', source: { type: 'base64', media_type: 'image/png', data: 'AAAA' } }, { type: 'text', text: 'what?' }] }] }));
  assert.deepEqual(img.request.messages[0]?.content, [{ type: 'image_url', image_url: { url: 'data:image/png;base64,AAAA' } }, { type: 'text', text: 'what?' }]);
});

test('a canonical answer becomes a Messages object that our own parser reads back', () => {
  const result = {
    text: 'Here.', finishReason: 'tool_calls' as const, providerModel: 'x',
    toolCalls: [{ id: 'toolu_9', type: 'function' as const, function: { name: 'Bash', arguments: '{"command":"pwd"}' } }],
    usage: { inputTokens: 100, outputTokens: 20, cachedInputTokens: 60, cacheWriteTokens: 10, reasoningTokens: 0 },
  };
  const msg = toAnthropicMessage(result, { id: 'msg_1', model: 'gpt-4o-mini' });
  assert.deepEqual(msg.usage, { input_tokens: 30, output_tokens: 20, cache_creation_input_tokens: 10, cache_read_input_tokens: 60 });
  const back = parseAnthropicResponse(JSON.stringify(msg));
  assert.deepEqual({ ...back, providerModel: 'x' }, result);
  assert.deepEqual(anthropicErrorBody('budgetExceeded', 'over'), { type: 'error', error: { type: 'billing_error', message: 'over' } });
});

test('the stream writer emits the exact Anthropic event sequence, and our parser reads it back', () => {
  const w = new AnthropicStreamWriter({ id: 'msg_s', model: 'gemini-2.5-flash', inputTokens: 12 });
  const events: StreamEvent[] = [
    { type: 'text', text: 'Checking' },
    { type: 'text', text: '...' },
    { type: 'tool_call_delta', index: 0, id: 'call_a', name: 'Bash', arguments: '' },
    { type: 'tool_call_delta', index: 0, arguments: '{"command":' },
    { type: 'tool_call_delta', index: 0, arguments: '"ls"}' },
    { type: 'finish', finishReason: 'tool_calls' },
    { type: 'usage', usage: { inputTokens: 12, outputTokens: 7, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } },
  ];
  const sse = w.start() + events.map((e) => w.write(e)).join('') + w.end();
  const names = [...sse.matchAll(/^event: (\w+)$/gm)].map((m) => m[1]);
  assert.deepEqual(names, [
    'message_start', 'ping',
    'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
    'content_block_start', 'content_block_delta', 'content_block_delta', 'content_block_stop',
    'message_delta', 'message_stop',
  ]);
  const f = fold(replay(new AnthropicStreamParser(), sse, 11));
  assert.equal(f.text, 'Checking...');
  assert.equal(f.finish, 'tool_calls');
  assert.deepEqual(f.toolCalls, [{ id: 'call_a', type: 'function', function: { name: 'Bash', arguments: '{"command":"ls"}' } }]);
  assert.deepEqual(f.usage, { type: 'usage', usage: { inputTokens: 12, outputTokens: 7, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 } });
});
