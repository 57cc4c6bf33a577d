// The official openai SDK (v6) as a real client of the daemon's /v1/chat/completions.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import OpenAI from 'openai';
import { openAiSuite } from './openaiSuite';

const suite = openAiSuite();

interface Routing {
  requestId: string;
  model: string;
  actualCostUsd: number | null;
  costState: string;
  reason: string;
}

test('non-streaming: answer, usage, routing field and headers', async () => {
  const { data, response } = await suite.client.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'Say hello to the SDK' }] }).withResponse();
  assert.match(data.choices[0]?.message.content ?? '', /Say hello to the SDK$/);
  assert.ok(data.usage && data.usage.prompt_tokens > 0 && data.usage.completion_tokens > 0);
  assert.equal(data.usage.total_tokens, data.usage.prompt_tokens + data.usage.completion_tokens);
  const routing = (data as unknown as { routing: Routing }).routing;
  assert.equal(routing.model, data.model);
  assert.equal(response.headers.get('x-llm-router-model'), data.model);
  assert.equal(response.headers.get('x-llm-router-request-id'), routing.requestId);
  assert.ok(routing.actualCostUsd !== null && routing.actualCostUsd > 0);
  assert.equal(Number(response.headers.get('x-llm-router-cost')), Number(routing.actualCostUsd.toFixed(8)));
});

test('streaming: text deltas, then usage and routing in the last chunk', async () => {
  const { data: stream, response } = await suite.client.chat.completions.create({ model: 'auto:latency', stream: true, stream_options: { include_usage: true }, messages: [{ role: 'user', content: 'Stream to the SDK' }] }).withResponse();
  assert.ok(response.headers.get('x-llm-router-model'));
  let text = '';
  let usage: OpenAI.CompletionUsage | null | undefined;
  let routing: Routing | undefined;
  let finish: string | null | undefined;
  for await (const chunk of stream) {
    text += chunk.choices[0]?.delta.content ?? '';
    finish = chunk.choices[0]?.finish_reason ?? finish;
    usage = chunk.usage ?? usage;
    routing = (chunk as unknown as { routing?: Routing }).routing ?? routing;
  }
  assert.match(text, /Stream to the SDK$/);
  assert.equal(finish, 'stop');
  assert.ok(usage && usage.completion_tokens > 0);
  assert.ok(routing);
  assert.equal(routing.model, response.headers.get('x-llm-router-model'));
  assert.equal(routing.costState, 'known');
});

test('a tool call round trip, streamed and not', async () => {
  const tools: OpenAI.ChatCompletionTool[] = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { query: { type: 'string' } } } } }];
  const messages: OpenAI.ChatCompletionMessageParam[] = [{ role: 'user', content: 'Weather in Lyon?' }];
  const first = await suite.client.chat.completions.create({ model: 'auto', messages, tools, tool_choice: 'auto' });
  const call = first.choices[0]?.message.tool_calls?.[0];
  assert.equal(first.choices[0]?.finish_reason, 'tool_calls');
  assert.ok(call && call.type === 'function');
  assert.equal(call.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(call.function.arguments), { query: 'Weather in Lyon?' });

  const stream = suite.client.chat.completions.stream({ model: 'auto', messages, tools });
  const final = await stream.finalChatCompletion();
  const streamed = final.choices[0]?.message.tool_calls?.[0];
  assert.ok(streamed && streamed.type === 'function');
  assert.equal(streamed.function.name, 'get_weather');
  assert.deepEqual(JSON.parse(streamed.function.arguments), { query: 'Weather in Lyon?' });

  const second = await suite.client.chat.completions.create({
    model: 'auto',
    tools,
    messages: [...messages, first.choices[0]!.message, { role: 'tool', tool_call_id: call.id, content: 'Sunny, 24°C' }],
  });
  // Native formats wrap tool results differently (Gemini's functionResponse is an object).
  assert.match(second.choices[0]?.message.content ?? '', /the tool said .*Sunny, 24°C/);
});

test('errors surface as the SDK error classes with our codes', async () => {
  await assert.rejects(suite.client.chat.completions.create({ model: 'mystery-9-ultra', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.NotFoundError && (e.error as { code: string }).code === 'unknownModel');
  const wrong = new OpenAI({ baseURL: `${suite.h.url}/v1`, apiKey: 'wrong', maxRetries: 0 });
  await assert.rejects(wrong.chat.completions.create({ model: 'auto', messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof OpenAI.AuthenticationError);
  const models = await suite.client.models.list();
  assert.ok(models.data.some((m) => m.id === 'auto:cost'));
  assert.equal((await suite.client.models.retrieve('gpt-4o-mini')).owned_by, 'openai');
  assert.equal((await suite.client.models.retrieve('auto:cost')).id, 'auto:cost');
  await assert.rejects(suite.client.models.retrieve('mystery-9-ultra'), (e: unknown) => e instanceof OpenAI.NotFoundError);
});
