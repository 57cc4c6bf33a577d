// Which requests a model must answer without thinking (effort.ts thinkingBlocked), and that what
// is sent and what is recorded follow it.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Catalog } from '../../../daemon/routing/catalog';
import { effortRanAt, reasoningFor, thinkingBlocked } from '../../../daemon/routing/effort';
import type { ChatRequest } from '../../../daemon/protocol/chat';

const catalog = Catalog.builtIn();
const claude = catalog.get('claude-sonnet-4-5');
const gemini = catalog.get('gemini-2.5-flash');
const o4 = catalog.get('gpt-5-mini');
const call = { id: 'c1', type: 'function' as const, function: { name: 'run', arguments: '{}' } };
type Req = Pick<ChatRequest, 'messages' | 'tool_choice'>;
const plain: Req = { messages: [{ role: 'user', content: 'prove it' }] };
const loop: Req = { messages: [{ role: 'user', content: 'prove it' }, { role: 'assistant', content: null, tool_calls: [call] }, { role: 'tool', tool_call_id: 'c1', content: 'ok' }] };
// The loop ended with a text answer, and a new user turn began: no thinking block is owed.
const after: Req = { messages: [...loop.messages, { role: 'assistant', content: 'done' }, { role: 'user', content: 'next' }] };

test('Claude cannot think inside a tool loop or with a forced tool; elsewhere, and other providers, can', () => {
  assert.ok(claude && gemini && o4);
  assert.equal(thinkingBlocked(claude, plain), null);
  assert.match(thinkingBlocked(claude, loop) ?? '', /tool loop/);
  assert.equal(thinkingBlocked(claude, after), null);
  assert.match(thinkingBlocked(claude, { ...plain, tool_choice: 'required' }) ?? '', /forced tool/);
  assert.match(thinkingBlocked(claude, { ...plain, tool_choice: { type: 'function', function: { name: 'run' } } }) ?? '', /forced tool/);
  assert.equal(thinkingBlocked(claude, { ...plain, tool_choice: 'auto' }), null);
  assert.equal(thinkingBlocked(gemini, loop), null);
  assert.equal(thinkingBlocked(o4, loop), null);
});

test('what is sent and what is recorded: no thinking for Claude in a loop, the chosen level elsewhere', () => {
  assert.ok(claude);
  assert.equal(reasoningFor(claude, 'high', loop), undefined);
  assert.equal(reasoningFor(claude, 'high', plain)?.effort, 'high');
  assert.ok((reasoningFor(claude, 'high', plain)?.budgetTokens ?? 0) > 0);
  assert.equal(effortRanAt(claude, 'high', loop), 'none');
  assert.equal(effortRanAt(claude, 'high', plain), 'high');
});
