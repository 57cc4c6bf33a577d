// Gemini 3 refuses a current-turn function call without its thought signature (the simulator
// refuses as Google does). Canonical messages cannot carry Gemini's own signatures, so the adapter
// sends the value Google documents for a call whose signature is not at hand: a tool loop on
// Gemini 3 works through every endpoint, whichever model made the earlier calls.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, type Harness } from './daemonHarness';

const TOOL = { type: 'function', function: { name: 'run_tests', description: 'Run the test suite', parameters: { type: 'object', properties: { path: { type: 'string' } } } } };
const loop = [
  { role: 'user', content: 'Fix the failing test in src/parser.ts.' },
  {
    role: 'assistant',
    content: null,
    tool_calls: [
      { id: 'call_01', type: 'function', function: { name: 'run_tests', arguments: '{"path":"src"}' } },
      { id: 'call_02', type: 'function', function: { name: 'run_tests', arguments: '{"path":"test"}' } },
    ],
  },
  { role: 'tool', tool_call_id: 'call_01', content: '3 passed, 1 failed' },
  { role: 'tool', tool_call_id: 'call_02', content: '9 passed' },
];

let h: Harness;
after(async () => {
  await h?.close();
});

test('a tool loop on Gemini 3 answers, streamed and not, named and routed', async () => {
  h = await startTestDaemon();
  for (const body of [
    { model: 'gemini-3-pro', messages: loop, tools: [TOOL] },
    { model: 'gemini-3-pro', stream: true, messages: loop, tools: [TOOL] },
    { model: 'auto', messages: loop, tools: [TOOL], routing: { allowedModels: ['gemini-3-pro'] } },
  ]) {
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(30_000),
    });
    const text = await res.text();
    assert.equal(res.status, 200, `${JSON.stringify({ model: body.model, stream: body.stream })}: ${text.slice(0, 500)}`);
    assert.equal(res.headers.get('x-llm-router-model'), 'gemini-3-pro');
  }
});
