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
  assert.ok(r.tools.isCustom('apply_patch'));
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
  assert.deepEqual(outputItems(result, r.tools, 'x'), [{ type: 'custom_tool_call', id: 'fc_x_0', call_id: 'call_9', name: 'apply_patch', input: '*** Begin Patch\n', status: 'completed' }]);
  const w = new ResponsesStreamWriter({ id: 'resp_x', createdAt: 0, model: 'm', echo: r.echo }, r.tools);
  const frames = w.start() + w.write({ type: 'tool_call_delta', index: 0, id: 'call_9', name: 'apply_patch', arguments: '' }) + w.write({ type: 'tool_call_delta', index: 0, arguments: result.toolCalls[0]?.function.arguments ?? '' }) + w.end(result);
  const events = frames.split('\n\n').filter(Boolean).map((f) => JSON.parse(f.split('\ndata: ')[1] ?? '{}') as { type: string; sequence_number: number; delta?: string });
  assert.deepEqual(events.map((e) => e.type), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.custom_tool_call_input.delta', 'response.custom_tool_call_input.done', 'response.output_item.done', 'response.completed']);
  assert.deepEqual(events.map((e) => e.sequence_number), [0, 1, 2, 3, 4, 5, 6]);
  assert.equal(events[3]?.delta, '*** Begin Patch\n');
});

test('built-in tools and server-side state are refused with the field named', () => {
  const refuse = (body: Record<string, unknown>, param: string) =>
    assert.throws(() => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: 'x', ...body })), (e: unknown) => e instanceof RouterError && e.code === 'unsupportedFeature' && e.details?.param === param);
  refuse({ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools.0');
  refuse({ tools: [{ type: 'namespace', name: 'ns', tools: [{ type: 'web_search' }] }] }, 'tools.0.tools.0');
  refuse({ tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'tool_choice');
  refuse({ tools: [{ type: 'code_interpreter', container: { type: 'auto' } }] }, 'tools.0');
  refuse({ conversation: 'conv_1' }, 'conversation');
  refuse({ background: true }, 'background');
  refuse({ input: [{ type: 'message', role: 'user', content: [{ type: 'input_file', file_id: 'f' }] }] }, 'input.0');
  assert.throws(() => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: [{ type: 'message', role: 'developer', content: 'only instructions' }] })), (e: unknown) => e instanceof RouterError && e.code === 'invalidParams');
});

// What Codex CLI 0.171 sends with its default config (captured from the real binary): a namespace of
// sub-agent tools (model "auto"), a client-run tool_search (gpt-5.5-codex), and web_search.
const codexDefaults = {
  model: 'gpt-5.5-codex',
  input: [
    { type: 'message', role: 'user', content: [{ type: 'input_text', text: 'find the agent tools' }] },
    { type: 'tool_search_call', id: 'ts_1', call_id: 'call_s', execution: 'client', status: 'completed', arguments: { query: 'agents', limit: 3 } },
    { type: 'tool_search_output', call_id: 'call_s', execution: 'client', status: 'completed', tools: [{ type: 'function', name: 'deferred_lint', description: 'Lint', parameters: { type: 'object', properties: {} } }] },
    { type: 'function_call', call_id: 'call_a', name: 'spawn_agent', namespace: 'multi_agent_v1', arguments: '{"task":"x"}' },
    { type: 'function_call_output', call_id: 'call_a', output: 'agent-1' },
  ],
  tools: [
    { type: 'function', name: 'exec_command', description: 'Run', strict: false, parameters: { type: 'object', properties: { cmd: { type: 'string' } } } },
    {
      type: 'namespace', name: 'multi_agent_v1', description: 'Tools for sub-agents.',
      tools: [
        { type: 'function', name: 'spawn_agent', description: 'Spawn', strict: false, parameters: { type: 'object', properties: { task: { type: 'string' } } } },
        { type: 'function', name: 'close_agent', description: 'Close', strict: false, parameters: { type: 'object', properties: { target: { type: 'string' } } } },
      ],
    },
    { type: 'tool_search', execution: 'client', description: 'Searches deferred tools.', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
    { type: 'web_search', external_web_access: false, search_content_types: ['text'] },
  ],
};

test('Codex defaults: namespace members become functions, tool_search a function, web_search is left out and named', () => {
  const r = fromResponsesRequest(ResponsesBody.parse(codexDefaults));
  assert.deepEqual(r.request.tools?.map((t) => t.function.name), ['exec_command', 'multi_agent_v1__spawn_agent', 'multi_agent_v1__close_agent', 'tool_search', 'deferred_lint']);
  assert.match(r.request.tools?.[1]?.function.description ?? '', /Tools for sub-agents\.\s+Spawn/);
  assert.deepEqual(r.tools.dropped, ['web_search']);
  // History: the search call and its output, then the namespaced call under its flat name.
  const calls = r.request.messages.filter((m) => m.role === 'assistant').flatMap((m) => m.tool_calls ?? []);
  assert.deepEqual(calls.map((c) => [c.id, c.function.name, JSON.parse(c.function.arguments) as unknown]), [
    ['call_s', 'tool_search', { query: 'agents', limit: 3 }],
    ['call_a', 'multi_agent_v1__spawn_agent', { task: 'x' }],
  ]);
  const outputs = r.request.messages.filter((m) => m.role === 'tool');
  assert.deepEqual(outputs.map((m) => [m.tool_call_id, m.content]), [['call_s', 'Loaded tools: deferred_lint'], ['call_a', 'agent-1']]);
  // Every call of the model goes back in the client's own shape.
  const result: ChatResult = {
    text: '',
    toolCalls: [
      { id: 'c1', type: 'function', function: { name: 'multi_agent_v1__close_agent', arguments: '{"target":"agent-1"}' } },
      { id: 'c2', type: 'function', function: { name: 'tool_search', arguments: '{"query":"lint"}' } },
      { id: 'c3', type: 'function', function: { name: 'exec_command', arguments: '{"cmd":"ls"}' } },
    ],
    finishReason: 'tool_calls',
    usage: { inputTokens: 10, outputTokens: 5, cachedInputTokens: 0, cacheWriteTokens: 0, reasoningTokens: 0 },
    providerModel: 'm',
  };
  assert.deepEqual(outputItems(result, r.tools, 'x'), [
    { type: 'function_call', id: 'fc_x_0', call_id: 'c1', name: 'close_agent', namespace: 'multi_agent_v1', arguments: '{"target":"agent-1"}', status: 'completed' },
    { type: 'tool_search_call', id: 'fc_x_1', call_id: 'c2', execution: 'client', arguments: { query: 'lint' }, status: 'completed' },
    { type: 'function_call', id: 'fc_x_2', call_id: 'c3', name: 'exec_command', arguments: '{"cmd":"ls"}', status: 'completed' },
  ]);
  // Streamed: a namespaced call's events carry its own name; a tool search has no argument deltas.
  const w = new ResponsesStreamWriter({ id: 'resp_y', createdAt: 0, model: 'm', echo: r.echo }, r.tools);
  const frames = w.start() +
    w.write({ type: 'tool_call_delta', index: 0, id: 'c1', name: 'multi_agent_v1__close_agent', arguments: '{"target":"agent-1"}' }) +
    w.write({ type: 'tool_call_delta', index: 1, id: 'c2', name: 'tool_search', arguments: '{"query":"lint"}' }) +
    w.end({ ...result, toolCalls: result.toolCalls.slice(0, 2) });
  const events = frames.split('\n\n').filter(Boolean).map((f) => JSON.parse(f.split('\ndata: ')[1] ?? '{}') as { type: string; name?: string; item?: Record<string, unknown> });
  assert.deepEqual(events.map((e) => e.type), [
    'response.created', 'response.in_progress',
    'response.output_item.added', 'response.function_call_arguments.delta', 'response.function_call_arguments.done', 'response.output_item.done',
    'response.output_item.added', 'response.output_item.done',
    'response.completed',
  ]);
  assert.equal(events[4]?.name, 'close_agent');
  assert.equal(events[5]?.item?.namespace, 'multi_agent_v1');
  assert.deepEqual(events[7]?.item, { type: 'tool_search_call', id: 'fc_y_1', call_id: 'c2', execution: 'client', arguments: { query: 'lint' }, status: 'completed' });
});

test('tool names: a long namespace is cut with a hash under 64 characters; two tools with one name are refused; server tool_search is left out', () => {
  const long = 'n'.repeat(60);
  const r = fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: 'x', tools: [{ type: 'namespace', name: long, tools: [{ type: 'function', name: 'go' }] }, { type: 'tool_search', execution: 'server' }] }));
  const name = r.request.tools?.[0]?.function.name ?? '';
  assert.ok(name.length <= 64 && /^[a-zA-Z0-9_-]+$/.test(name), name);
  assert.deepEqual(r.tools.of(name), { kind: 'function', name: 'go', namespace: long });
  assert.deepEqual(r.tools.dropped, ['tool_search']);
  assert.throws(
    () => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: 'x', tools: [{ type: 'function', name: 'a__b' }, { type: 'namespace', name: 'a', tools: [{ type: 'function', name: 'b' }] }] })),
    (e: unknown) => e instanceof RouterError && e.code === 'invalidParams' && e.details?.param === 'tools.1.tools.0',
  );
  assert.throws(
    () => fromResponsesRequest(ResponsesBody.parse({ model: 'auto', input: [{ type: 'message', role: 'user', content: 'x' }, { type: 'tool_search_output', tools: [] }] })),
    (e: unknown) => e instanceof RouterError && e.code === 'invalidParams' && e.details?.param === 'input.1',
  );
});
