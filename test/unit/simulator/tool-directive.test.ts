import { test } from 'node:test';
import assert from 'node:assert/strict';
import { answerFor } from '../../../daemon/simulator/answer';
import type { ToolDefinition } from '../../../daemon/protocol/chat';

const tools: ToolDefinition[] = [
  { type: 'function', function: { name: 'Agent', parameters: { type: 'object' } } },
  { type: 'function', function: { name: 'Read', parameters: { type: 'object', properties: { file_path: { type: 'string' } } } } },
];

test('[sim-tool:NAME {json}] calls that offered tool with exactly those arguments, the same way every time', () => {
  const messages = [
    { role: 'system' as const, content: 'You are an agent.' },
    { role: 'user' as const, content: 'Read it [sim-tool:Read {"file_path": "/tmp/a.txt"}]' },
    // Claude Code sends its environment block as a system message after the prompt.
    { role: 'system' as const, content: 'Environment: linux' },
  ];
  const a = answerFor({ model: 'm', messages, tools });
  assert.equal(a.finishReason, 'tool_calls');
  assert.deepEqual(a.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]), [['Read', { file_path: '/tmp/a.txt' }]]);
  assert.deepEqual(answerFor({ model: 'm', messages, tools }), a);
  // Without a directive the first tool gets the prompt, as before.
  const plain = answerFor({ model: 'm', messages: [{ role: 'user', content: 'hello' }], tools });
  assert.deepEqual(plain.toolCalls.map((c) => [c.name, JSON.parse(c.arguments)]), [['Agent', { query: 'hello' }]]);
  // A directive naming a tool that is not offered falls back to that default.
  assert.equal(answerFor({ model: 'm', messages: [{ role: 'user', content: '[sim-tool:Nope]' }], tools }).toolCalls[0]?.name, 'Agent');
  // tool_choice none: text.
  assert.equal(answerFor({ model: 'm', messages, tools, toolChoice: 'none' }).toolCalls.length, 0);
});

test('once the turn holds a tool result the answer is text, even with user text after the result', () => {
  const a = answerFor({
    model: 'm',
    tools,
    messages: [
      { role: 'user', content: 'Read it [sim-tool:Read]' },
      { role: 'assistant', content: null },
      { role: 'tool', content: 'pelican' },
      { role: 'user', content: '<system-reminder>keep going</system-reminder>' },
    ],
  });
  assert.equal(a.finishReason, 'stop');
  assert.equal(a.text, 'Simulated answer from m: the tool said pelican');
  // A new user turn after the answer asks again.
  const next = answerFor({ model: 'm', tools, messages: [{ role: 'user', content: 'a' }, { role: 'assistant', content: 'done' }, { role: 'user', content: 'again [sim-tool:Read {"file_path":"b"}]' }] });
  assert.equal(next.toolCalls[0]?.name, 'Read');
});
