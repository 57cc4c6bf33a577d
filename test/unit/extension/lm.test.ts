// The chat model provider's pure parts: VS Code messages → the daemon's chat messages, tools, and
// the models offered in the picker (capabilities and windows from the routed candidates).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ModelInfo } from '../../../daemon/protocol';
import { countableText, Role, toChatMessages, toolCallInput, toToolDefinitions } from '../../../extension/lm/messages';
import { routerChatModels } from '../../../extension/lm/models';

// Shaped like vscode.LanguageModelTextPart / ToolCallPart / ToolResultPart / DataPart.
const text = (value: string) => ({ value });
const call = (callId: string, name: string, input: object) => ({ callId, name, input });
const result = (callId: string, content: unknown[]) => ({ callId, content });
const data = (mimeType: string, bytes: number[]) => ({ mimeType, data: new Uint8Array(bytes) });

test('a tool-call round trip becomes assistant tool_calls followed by a tool message, then the user text', () => {
  const out = toChatMessages([
    { role: Role.system, content: [text('Be brief.')] },
    { role: Role.user, content: [text('Weather in '), text('Paris?')] },
    { role: Role.assistant, content: [text(''), call('c1', 'get_weather', { city: 'Paris' })] },
    { role: Role.user, content: [result('c1', [text('sunny'), data('application/json', [...Buffer.from('{"t":21}')])]), text('And tomorrow?')] },
  ]);
  assert.deepEqual(out, [
    { role: 'system', content: 'Be brief.' },
    { role: 'user', content: 'Weather in Paris?' },
    { role: 'assistant', content: null, tool_calls: [{ id: 'c1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
    { role: 'tool', tool_call_id: 'c1', content: 'sunny\n{"t":21}' },
    { role: 'user', content: 'And tomorrow?' },
  ]);
});

test('images become image_url parts with a data URL; unknown parts are dropped', () => {
  const out = toChatMessages([{ role: Role.user, content: [text('What is this?'), data('image/png', [1, 2, 3]), { kind: 'thinking' }] }]);
  assert.deepEqual(out, [
    {
      role: 'user',
      content: [
        { type: 'text', text: 'What is this?' },
        { type: 'image_url', image_url: { url: 'data:image/png;base64,AQID' } },
      ],
    },
  ]);
});

test('tools become function definitions; tool-call arguments parse to objects, broken JSON is kept raw', () => {
  assert.equal(toToolDefinitions([]), undefined);
  assert.deepEqual(toToolDefinitions([{ name: 'f', description: 'd', inputSchema: { type: 'object', properties: { a: { type: 'string' } } } }]), [
    { type: 'function', function: { name: 'f', description: 'd', parameters: { type: 'object', properties: { a: { type: 'string' } } } } },
  ]);
  assert.deepEqual(toToolDefinitions([{ name: 'g', description: '' }])?.[0]?.function.parameters, { type: 'object', properties: {} });
  assert.deepEqual(toolCallInput('{"a":1}'), { a: 1 });
  assert.deepEqual(toolCallInput(''), {});
  assert.deepEqual(toolCallInput('[1]'), { value: [1] });
  assert.deepEqual(toolCallInput('{broken'), { raw: '{broken' });
});

test('countable text covers a message\'s text, tool calls and tool results', () => {
  assert.equal(countableText('plain'), 'plain');
  assert.equal(countableText({ role: Role.user, content: [text('a'), call('c', 'f', { x: 1 }), result('c', [text('r')])] }), 'a\nf {"x":1}\nr');
});

const model = (id: string, over: Partial<ModelInfo>): ModelInfo => ({
  id,
  provider: 'openai',
  inputPerMTok: 1,
  outputPerMTok: 2,
  contextWindow: 100_000,
  maxOutputTokens: 8_000,
  capabilities: ['json'],
  qualityPrior: 0.5,
  hasKey: false,
  ...over,
});

test('the picker offers auto, each tradeoff and each policy, with capabilities and windows of their candidates', () => {
  const models = [
    model('small', { contextWindow: 32_000, capabilities: ['json'], hasKey: true }),
    model('big', { contextWindow: 1_000_000, maxOutputTokens: 32_000, capabilities: ['tools', 'vision'], hasKey: false }),
  ];
  const policies = [{ name: 'cheap', description: 'Only the small model.', models: ['small'] }];
  const live = routerChatModels({ models, policies, simulate: false, defaultTradeoff: 'balanced' });
  assert.deepEqual(live.map((m) => m.id), ['auto', 'auto:quality', 'auto:cost', 'auto:latency', 'auto:balanced', 'policy:cheap']);
  // Live: only the model with a key is a candidate.
  const auto = live[0];
  assert.ok(auto);
  assert.equal(auto.maxInputTokens, 32_000);
  assert.deepEqual(auto.capabilities, { toolCalling: false, imageInput: false });
  assert.deepEqual(live.find((m) => m.id === 'auto:cost')?.routing, { tradeoff: 'cost' });
  assert.deepEqual(live.find((m) => m.id === 'policy:cheap')?.routing, { policy: 'cheap' });
  assert.match(live.find((m) => m.id === 'policy:cheap')?.tooltip ?? '', /^Only the small model\. routes among 1 model\.$/);
  // Simulated: every catalog model answers.
  const sim = routerChatModels({ models, policies, simulate: true, defaultTradeoff: 'cost' });
  assert.equal(sim[0]?.maxInputTokens, 1_000_000);
  assert.equal(sim[0]?.maxOutputTokens, 32_000);
  assert.deepEqual(sim[0]?.capabilities, { toolCalling: true, imageInput: true });
  assert.deepEqual(sim.find((m) => m.id === 'policy:cheap')?.capabilities, { toolCalling: false, imageInput: false });
  assert.match(sim[0]?.tooltip ?? '', /default tradeoff: cost/);
  // No candidates (daemon unreachable): the modes are still listed with safe defaults.
  const none = routerChatModels({ models: [], policies: [], simulate: false, defaultTradeoff: 'balanced' });
  assert.equal(none.length, 5);
  assert.match(none[0]?.tooltip ?? '', /no model available yet/);
});
