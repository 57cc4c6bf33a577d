// DeepSeek's thinking mode refuses a history whose tool-calling turns lack their reasoning_content
// (the simulator refuses as DeepSeek does); canonical messages do not keep it. So once a
// conversation has called tools, routing leaves deepseek-reasoner out and says why, instead of
// sending a request DeepSeek answers with 400.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, type Harness } from './daemonHarness';

const TOOL = { type: 'function', function: { name: 'run_tests', description: 'Run the test suite', parameters: { type: 'object', properties: {} } } };
const ask = { role: 'user', content: 'Prove that the algorithm terminates for every input, step by step.' };
const loop = [
  ask,
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_01', type: 'function', function: { name: 'run_tests', arguments: '{}' } }] },
  { role: 'tool', tool_call_id: 'call_01', content: '3 passed, 1 failed' },
];

let h: Harness;
after(async () => {
  await h?.close();
});

async function post(body: Record<string, unknown>): Promise<{ status: number; text: string; model: string | null }> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text(), model: res.headers.get('x-llm-router-model') };
}

test('after a tool call, routing leaves deepseek-reasoner out with its reason; before one it may answer', async () => {
  h = await startTestDaemon();
  const first = await post({ model: 'auto', messages: [ask], tools: [TOOL], routing: { allowedModels: ['deepseek-reasoner'] } });
  assert.equal(first.status, 200, first.text.slice(0, 400));
  assert.equal(first.model, 'deepseek-reasoner');

  const only = await post({ model: 'auto', messages: loop, tools: [TOOL], routing: { allowedModels: ['deepseek-reasoner'] } });
  assert.notEqual(only.status, 200);
  assert.doesNotMatch(only.text, /providerError/, 'refused by routing, not by DeepSeek');
  assert.match(only.text, /DeepSeek needs its earlier tool-calling turns' reasoning back/);

  const either = await post({ model: 'auto', messages: loop, tools: [TOOL], routing: { allowedModels: ['deepseek-reasoner', 'deepseek-chat'] } });
  assert.equal(either.status, 200, either.text.slice(0, 400));
  assert.equal(either.model, 'deepseek-chat');
});
