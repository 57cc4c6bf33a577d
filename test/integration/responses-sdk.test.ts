// The official openai SDK (v6) as a real client of the daemon's POST /v1/responses.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { openAiSuite } from './openaiSuite';
import { rpcOk } from './daemonHarness';

const suite = openAiSuite();

interface Routing {
  requestId: string;
  model: string;
  actualCostUsd: number | null;
  costState: string;
}

const routingOf = (r: unknown): Routing => (r as { routing: Routing }).routing;

test('responses.create: text, usage, routing field and headers, ledger row on the responses endpoint', async () => {
  const { data, response } = await suite.client.responses.create({ model: 'auto', instructions: 'Be brief.', input: 'Say hello to the Responses API' }).withResponse();
  assert.equal(data.object, 'response');
  assert.equal(data.status, 'completed');
  assert.match(data.output_text, /Say hello to the Responses API$/);
  assert.ok(data.usage && data.usage.input_tokens > 0 && data.usage.output_tokens > 0);
  assert.equal(data.usage.total_tokens, data.usage.input_tokens + data.usage.output_tokens);
  const routing = routingOf(data);
  assert.equal(routing.model, data.model);
  assert.equal(response.headers.get('x-llm-router-model'), data.model);
  assert.equal(response.headers.get('x-llm-router-request-id'), routing.requestId);
  assert.ok(routing.actualCostUsd !== null && routing.actualCostUsd > 0);
  const page = await rpcOk<{ rows: { id: string; endpoint: string }[] }>(suite.h, 'spend/requests', { limit: 5 });
  assert.equal(page.rows.find((r) => r.id === routing.requestId)?.endpoint, 'responses');
});

test('function tools: call → output → answer round trip', async () => {
  const tools: OpenAI.Responses.Tool[] = [{ type: 'function', name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] }, strict: false }];
  const input: OpenAI.Responses.ResponseInputItem[] = [{ role: 'user', content: 'Weather in Lyon? [sim-tool:get_weather {"city":"Lyon"}]' }];
  const first = await suite.client.responses.create({ model: 'auto', input, tools, tool_choice: 'auto' });
  const call = first.output.find((o): o is OpenAI.Responses.ResponseFunctionToolCall => o.type === 'function_call');
  assert.ok(call, JSON.stringify(first.output));
  assert.equal(call.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.arguments), { city: 'Lyon' });
  const second = await suite.client.responses.create({
    model: routingOf(first).model,
    tools,
    input: [...input, { type: 'function_call', call_id: call.call_id, name: call.name, arguments: call.arguments }, { type: 'function_call_output', call_id: call.call_id, output: 'Sunny, 24°C' }],
  });
  // Some providers wrap a tool result (Gemini: {"content": …}); the simulator echoes what it got.
  assert.match(second.output_text, new RegExp(`^Simulated answer from ${routingOf(first).model.replace(/\./g, '\\.')}: the tool said .*Sunny, 24°C`));
});

test('text.format json_schema reaches the provider and the answer comes back as output_text', async () => {
  const r = await suite.client.responses.create({
    model: 'gpt-4.1-mini',
    input: 'Give me a city',
    text: { format: { type: 'json_schema', name: 'city', schema: { type: 'object', properties: { name: { type: 'string' } }, required: ['name'], additionalProperties: false }, strict: true } },
  });
  assert.equal(r.status, 'completed');
  assert.equal(r.model, 'gpt-4.1-mini');
  assert.deepEqual((r.text as { format: { type: string } }).format.type, 'json_schema');
  assert.ok(r.output_text.length > 0);
});

test('responses.stream: typed events in order, to response.completed with usage', async () => {
  const stream = suite.client.responses.stream({ model: 'auto:latency', input: 'Stream to the Responses SDK' });
  const types: string[] = [];
  let text = '';
  for await (const ev of stream) {
    types.push(ev.type);
    if (ev.type === 'response.output_text.delta') {
      text += ev.delta;
    }
  }
  const final = await stream.finalResponse();
  assert.match(text, /Stream to the Responses SDK$/);
  assert.equal(final.output_text, text);
  assert.ok(final.usage && final.usage.output_tokens > 0);
  assert.deepEqual(types.slice(0, 4), ['response.created', 'response.in_progress', 'response.output_item.added', 'response.content_part.added']);
  assert.deepEqual(types.slice(-4), ['response.output_text.done', 'response.content_part.done', 'response.output_item.done', 'response.completed']);
  assert.equal(routingOf(final).costState, 'known');
});

test('a streamed function call: argument deltas, then the call item', async () => {
  const stream = suite.client.responses.stream({
    model: 'auto',
    input: 'Look it up [sim-tool:lookup {"q":"x"}]',
    tools: [{ type: 'function', name: 'lookup', parameters: { type: 'object', properties: { q: { type: 'string' } } }, strict: false }],
  });
  const types = new Set<string>();
  for await (const ev of stream) {
    types.add(ev.type);
  }
  const final = await stream.finalResponse();
  assert.ok(types.has('response.function_call_arguments.delta') && types.has('response.function_call_arguments.done'), [...types].join(','));
  const call = final.output.find((o) => o.type === 'function_call');
  assert.ok(call && call.type === 'function_call' && JSON.parse(call.arguments).q === 'x');
});

test('the same request costs the same through /v1/responses and /v1/chat/completions', async () => {
  const prompt = 'Compare the cost of this exact prompt';
  const viaResponses = await suite.client.responses.create({ model: 'gpt-4o-mini', instructions: 'Answer briefly.', input: prompt, max_output_tokens: 200 });
  const viaChat = await suite.client.chat.completions.create({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'system', content: 'Answer briefly.' }, { role: 'user', content: prompt }] });
  assert.equal(viaResponses.usage?.input_tokens, viaChat.usage?.prompt_tokens);
  assert.equal(viaResponses.usage?.output_tokens, viaChat.usage?.completion_tokens);
  assert.equal(routingOf(viaResponses).actualCostUsd, routingOf(viaChat).actualCostUsd);
});

test('Codex\'s default tools: a namespaced call and a client tool search come back in their own shape; web_search is left out and named', async () => {
  const tools = [
    { type: 'function', name: 'exec_command', description: 'Run a command', parameters: { type: 'object', properties: { cmd: { type: 'string' } } }, strict: false },
    { type: 'namespace', name: 'multi_agent_v1', description: 'Sub-agents.', tools: [{ type: 'function', name: 'spawn_agent', description: 'Spawn', parameters: { type: 'object', properties: { task: { type: 'string' } } }, strict: false }] },
    { type: 'tool_search', execution: 'client', description: 'Search deferred tools.', parameters: { type: 'object', properties: { query: { type: 'string' } }, required: ['query'] } },
    { type: 'web_search' },
  ] as unknown as OpenAI.Responses.Tool[];
  {
    const { data, response } = await suite.client.responses
      .create({ model: 'gpt-4o-mini', tools, input: 'Delegate it [sim-tool:multi_agent_v1__spawn_agent {"task":"tests"}]' })
      .withResponse();
    assert.equal(response.headers.get('x-llm-router-dropped-tools'), 'web_search');
    const call = data.output.find((o) => o.type === 'function_call') as unknown as { name: string; namespace?: string; arguments: string } | undefined;
    assert.deepEqual(call && { name: call.name, namespace: call.namespace, args: JSON.parse(call.arguments) as unknown }, { name: 'spawn_agent', namespace: 'multi_agent_v1', args: { task: 'tests' } });
  }
  {
    const s = suite.client.responses.stream({ model: 'gpt-4o-mini', tools, input: 'Find tools [sim-tool:tool_search {"query":"lint"}]' });
    const done: unknown[] = [];
    s.on('response.output_item.done', (ev) => done.push(ev.item));
    const final = await s.finalResponse();
    const item = done.find((i) => (i as { type: string }).type === 'tool_search_call') as { call_id: string; execution: string; arguments: unknown } | undefined;
    assert.deepEqual(item && { execution: item.execution, arguments: item.arguments }, { execution: 'client', arguments: { query: 'lint' } });
    assert.ok(final.output.some((o) => (o as { type: string }).type === 'tool_search_call'), JSON.stringify(final.output));
    // The client's answer to its search (the loaded tools) continues the conversation.
    const next = await suite.client.responses.create({
      model: 'gpt-4o-mini',
      tools,
      input: [
        { role: 'user', content: 'Find tools' },
        { type: 'tool_search_call', call_id: item?.call_id, execution: 'client', arguments: { query: 'lint' }, status: 'completed' },
        { type: 'tool_search_output', call_id: item?.call_id, execution: 'client', status: 'completed', tools: [{ type: 'function', name: 'run_lint', description: 'Lint', parameters: { type: 'object', properties: {} }, strict: false }] },
      ] as unknown as OpenAI.Responses.ResponseInputItem[],
    });
    assert.match(next.output_text, /the tool said .*Loaded tools: run_lint/);
  }
  {
    // A streamed answer names the left-out tool in its head too.
    const { data, response } = await suite.client.responses.create({ model: 'gpt-4o-mini', tools, input: 'Say hi', stream: true }).withResponse();
    assert.equal(response.headers.get('x-llm-router-dropped-tools'), 'web_search');
    for await (const ev of data) {
      void ev;
    }
  }
});

test('server-side state and built-in tools are refused, naming the field or tool', async () => {
  const refused = async (body: Record<string, unknown>, param: string, text: RegExp): Promise<void> => {
    await assert.rejects(suite.client.responses.create({ model: 'auto', input: 'x', ...body } as never), (e: unknown) => {
      const err = (e as { error?: { code?: string; param?: string; message?: string } }).error;
      return e instanceof OpenAI.BadRequestError && err?.code === 'unsupportedFeature' && text.test(err.message ?? '') && err.param === param;
    });
  };
  await refused({ previous_response_id: 'resp_123' }, 'previous_response_id', /previous_response_id/);
  await refused({ store: true }, 'store', /store/);
  await refused({ tools: [{ type: 'web_search' }], tool_choice: { type: 'web_search' } }, 'tool_choice', /web_search/);
  await refused({ tools: [{ type: 'file_search', vector_store_ids: ['vs_1'] }] }, 'tools.0', /file_search/);
  await refused({ input: [{ type: 'item_reference', id: 'msg_1' }] }, 'input.0', /item_reference/);
  // The daemon is still up and answers.
  assert.equal((await suite.client.responses.create({ model: 'auto', input: 'still here?' })).status, 'completed');
});
