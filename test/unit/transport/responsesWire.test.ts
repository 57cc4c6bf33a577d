import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fromResponsesRequest, outputItems, ResponsesBody, ResponsesStreamWriter } from '../../../daemon/transport/responsesWire';
import { RouterError } from '../../../daemon/protocol/errors';
import type { ChatResult } from '../../../daemon/protocol/chat';

// The shape Codex CLI 0.171 sends (captured): developer messages, a freeform custom tool, reasoning
// items and tool outputs in the history, prompt_cache_key, include, text.verbosity.
const codexLike = {
  model: 'gpt-5.5-codex',
  stream: true,
  instructions: null,
  input: [
    { type: 'message', id: 'msg_1', role: 'developer', content: [{ type: 'input_text', text: 'You are Codex.' }] },
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'fix it' }] },
    { type: 'reasoning', id: 'rs_1', summary: [], encrypted_content: 'gAAAA' },
    { type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'Looking.' }] },
    { type: 'function_call', call_id: 'call_1', name: 'exec_command', arguments: '{"cmd":"ls"}' },
    { type: 'custom_tool_call', call_id: 'call_2', name: 'apply_patch', input: '*** Begin Patch\n*** End Patch\n' },
    { type: 'function_call_output', call_id: 'call_1', output: 'a.ts' },
    { type: 'custom_tool_call_output', call_id: 'call_2', output: [{ type: 'input_text', text: 'Done!' }] },
  ],
  tools: [
    { type: 'function', name: 'exec_command', description: 'Run', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
    { type: 'custom', name: 'apply_patch', description: 'Edit files. FREEFORM.', format: { type: 'grammar', syntax: 'lark', definition: 'start: "x"' } },
  ],
  tool_choice: 'auto',
  parallel_tool_calls: true,
  reasoning: { effort: 'medium' },
  store: false,
  include: ['reasoning.encrypted_content'],
  prompt_cache_key: 'thread-1',
  text: { verbosity: 'low' },
};

test('a Codex-shaped request: items become canonical messages, the custom tool a one-string function', () => {
  const r = fromResponsesRequest(ResponsesBody.parse(codexLike));
  assert.deepEqual(r.request.messages.map((m) => m.role), ['developer', 'user', 'assistant', 'tool', 'tool']);
  const assistant = r.request.messages[2];
  assert.equal(assistant?.content, 'Looking.');
  assert.deepEqual(assistant?.tool_calls?.map((c) => [c.id, c.function.name, c.function.arguments]), [
    ['call_1', 'exec_command', '{"cmd":"ls"}'],
    ['call_2', 'apply_patch', JSON.stringify({ input: '*** Begin Patch\n*** End Patch\n' })],
  ]);
  assert.equal(r.request.messages[4]?.content, 'Done!');
  const patch = r.request.tools?.find((t) => t.function.name === 'apply_patch');
  assert.deepEqual(patch?.function.parameters?.required, ['input']);
  assert.match(patch?.function.description ?? '', /grammar/);
  assert.ok(r.customTools.has('apply_patch'));
  assert.equal(r.effort, 'medium');
  assert.equal(r.stream, true);
});

test('a call of the custom tool comes back as a custom_tool_call item with its free text', () => {
  const r = fromResponsesRequest(ResponsesBody.parse(codexLike));
  const result: ChatResult = {
    text: '',
    toolCalls: [{ id: 'call_9', type: 'function', function: { name: 'apply_patch', arguments: JSON.stringify({ input: '*** Begin Patch\n' }) } }],
    finishReason: 'tool_calls',
    usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    providerModel: 'm',
  };
  assert.deepEqual(outputItems(result, r.customTools, 'x'), [{ type: 'custom_tool_call', id: 'fc_x_0', call_id: 'call_9', name: 'apply_patch', input: '*** Begin Patch\n', status: 'completed' }]);
  const w = new ResponsesStreamWriter({ id: 'resp_x', createdAt: 0, model: 'm', echo: r.echo }, r.customTools);
  const frames = w.start() + w.write({ type: 'tool_call_delta', index: 0, id: 'call_9', name: 'apply_patch', arguments: '' }) + w.write({ type: 'tool_call_delta', index: 0, arguments: result.toolCalls[0]?.function.arguments ?? '' }) + w.end(result);
  const events = frames.split('\n\n').filter(Boolean).map((f) => JSON.parse(f.split('\ndata: ')[1] ?? '{}') as { type: string; sequence_number: number; delta?: string });
  assert.deepEqual(events.map((e) => e.type), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed']);
  assert.deepEqual(events.map((e) => e.sequence_number), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(events[3]?.delta, '*** Begin Patch\n');
});

test('built-in tools and server-side state are refused with the field named', () => {
  const refuse = (body: Record<string, unknown>, param: string) =>
    assert.throws(() => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: 'x', ...body })), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature' && e.details?.param === param);
  refuse({ tools: [{ type: 'tool_search' }] }, 'tools.0');
  refuse({ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools.0');
  refuse({ conversation: 'conv_1' }, 'conversation');
  refuse({ background: true }, 'background');
  refuse({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'input.0');
  assert.throws(() => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: [{ type: 'message', role: 'developer', content: 'only instructions' }] })), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams');
});
