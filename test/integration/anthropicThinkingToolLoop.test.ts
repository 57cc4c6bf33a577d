// Anthropic refuses budgeted thinking with a forced tool choice, and inside a tool loop unless the
// final assistant turn starts with its own signed thinking block, which the router does not carry
// (the simulator refuses both as Anthropic does). So a Claude model runs without thinking there:
// offered, sent and recorded at effort `none`, on the routed and the named path, whichever endpoint.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, rpcOk, type Harness } from './daemonHarness';
import { namedFault } from '../../daemon/simulator/faults';
import type { SpendRequestsResult } from '../../daemon/protocol/methods';
import type { RequestDecisionResult } from '../../daemon/protocol/editor';
import type { LedgerRow } from '../../daemon/protocol/ledger';

const CLAUDE = 'claude-sonnet-4-5';
const HARD = 'Prove that there are infinitely many primes p such that p + 2 is not prime, step by step, and check every case.';
const TOOL = { name: 'run_tests', description: 'Run the test suite', input_schema: { type: 'object', properties: { path: { type: 'string' } } } };
const OPENAI_TOOL = { type: 'function', function: { name: TOOL.name, description: TOOL.description, parameters: TOOL.input_schema } };
const routing = { allowedModels: [CLAUDE] };

let h: Harness;
after(async () => {
  await h?.close();
});

async function post(path: string, body: Record<string, unknown>): Promise<{ status: number; text: string; id: string | null }> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  return { status: res.status, text: await res.text(), id: res.headers.get('x-llm-router-request-id') };
}

async function ok(path: string, body: Record<string, unknown>): Promise<{ row: LedgerRow; effort: string | null | undefined; reason: string }> {
  const r = await post(path, body);
  assert.equal(r.status, 200, `${path}: ${r.text.slice(0, 600)}`);
  assert.ok(r.id);
  const page = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { limit: 500 });
  const row = page.rows.find((x) => x.id === r.id);
  assert.ok(row, `row ${r.id}`);
  const { decision } = await rpcOk<RequestDecisionResult>(h, 'request/decision', { requestId: r.id });
  return { row, effort: decision?.effort, reason: decision?.reason ?? '' };
}

// Claude Code's shape: the assistant's tool_use turn, then the user's tool_result.
const messagesLoop = [
  { role: 'user', content: HARD },
  { role: 'assistant', content: [{ type: 'text', text: 'Running the tests first.' }, { type: 'tool_use', id: 'toolu_01', name: TOOL.name, input: { path: '.' } }] },
  { role: 'user', content: [{ type: 'tool_result', tool_use_id: 'toolu_01', content: '3 passed, 1 failed' }] },
];
const chatLoop = [
  { role: 'user', content: HARD },
  { role: 'assistant', content: null, tool_calls: [{ id: 'call_01', type: 'function', function: { name: TOOL.name, arguments: '{"path":"."}' } }] },
  { role: 'tool', tool_call_id: 'call_01', content: '3 passed, 1 failed' },
];

test('a hard prompt outside a tool loop still thinks on Claude (the premise of the cases below)', async () => {
  h = await startTestDaemon();
  const r = await ok('/v1/messages', { model: 'auto:quality', max_tokens: 8000, messages: [{ role: 'user', content: HARD }], tools: [TOOL], routing });
  assert.equal(r.row.model, CLAUDE);
  assert.ok(r.effort !== undefined && r.effort !== null && r.effort !== 'none', `effort ${String(r.effort)}`);
  assert.equal(r.row.effort, r.effort);
});

test('inside a tool loop Claude answers without thinking, routed or named, on /v1/messages and /v1/chat/completions, streamed or not', async () => {
  const cases: [string, Record<string, unknown>][] = [
    ['/v1/messages', { model: 'auto:quality', max_tokens: 8000, messages: messagesLoop, tools: [TOOL], routing }],
    ['/v1/messages', { model: 'auto:quality', max_tokens: 8000, stream: true, messages: messagesLoop, tools: [TOOL], routing }],
    ['/v1/messages', { model: CLAUDE, max_tokens: 8000, messages: messagesLoop, tools: [TOOL] }],
    ['/v1/chat/completions', { model: 'auto:quality', messages: chatLoop, tools: [OPENAI_TOOL], routing }],
    ['/v1/chat/completions', { model: CLAUDE, stream: true, messages: chatLoop, tools: [OPENAI_TOOL] }],
    // A pinned effort cannot be honoured there either: it runs at none rather than fail.
    ['/v1/chat/completions', { model: CLAUDE, reasoning_effort: 'high', messages: chatLoop, tools: [OPENAI_TOOL] }],
  ];
  for (const [path, body] of cases) {
    const r = await ok(path, body);
    assert.equal(r.row.model, CLAUDE, path);
    assert.equal(r.effort, 'none', `${path} ${JSON.stringify({ model: body.model, stream: body.stream })}: decision`);
    assert.equal(r.row.effort, 'none', `${path}: the ledger records what ran`);
    assert.match(r.reason, /thinking off: inside a tool loop/, `${path}: the decision says why`);
  }
});

test('a forced tool choice runs Claude without thinking', async () => {
  const first = [{ role: 'user', content: HARD }];
  for (const [path, body] of [
    ['/v1/messages', { model: 'auto:quality', max_tokens: 8000, messages: first, tools: [TOOL], tool_choice: { type: 'any' }, routing }],
    ['/v1/chat/completions', { model: CLAUDE, messages: first, tools: [OPENAI_TOOL], tool_choice: 'required' }],
    ['/v1/chat/completions', { model: 'auto:quality', messages: first, tools: [OPENAI_TOOL], tool_choice: { type: 'function', function: { name: TOOL.name } }, routing }],
  ] as [string, Record<string, unknown>][]) {
    const r = await ok(path, body);
    assert.equal(r.row.effort, 'none', path);
    assert.match(r.reason, /thinking off: Anthropic refuses thinking with a forced tool choice/, path);
  }
});

test('a fallback Claude inside a tool loop is sent no thinking either, whatever effort the failed first choice had', async () => {
  const reasoner = 'gpt-5';
  const fault = namedFault('server_error');
  assert.ok(fault && h.daemon.simulator);
  h.daemon.simulator.faults.set([{ match: reasoner, fault }]);
  try {
    // A conversation of its own (the others' affinity would keep Claude first); the pinned effort
    // holds Claude at none here, so the reasoner at high comes first and Claude is its fallback.
    const messages = [{ role: 'user', content: `${HARD} Then list the first ten such primes.` }, ...chatLoop.slice(1)];
    const body = { model: 'auto:quality', reasoning_effort: 'high', messages, tools: [OPENAI_TOOL], routing: { allowedModels: [reasoner, CLAUDE] } };
    const r = await ok('/v1/chat/completions', body);
    assert.equal(r.row.model, CLAUDE, 'the fallback answered');
    assert.ok(r.row.fallbacks.includes(reasoner), `after the first choice failed: ${r.reason}`);
    assert.equal(r.row.effort, 'none');
  } finally {
    h.daemon.simulator.faults.set([]);
  }
});
