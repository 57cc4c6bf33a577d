// The official @anthropic-ai/sdk as a real client of the daemon's /v1/messages (simulate mode):
// both auth styles, streaming and not, tool use, routing metadata, and one ledger row per call.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import Anthropic from '@anthropic-ai/sdk';
import { startTestDaemon, type Harness } from './daemonHarness';

let h: Harness;
let client: Anthropic;

before(async () => {
  h = await startTestDaemon();
  client = new Anthropic({ apiKey: h.token, baseURL: h.url, maxRetries: 0, timeout: 20_000 });
});
after(async () => {
  await h.close();
});

function ledgerRows(): { endpoint: string; model: string; provider: string; status: string; tokens_in: number; tokens_out: number }[] {
  return h.daemon.deps.store.read((tx) => tx.all<{ endpoint: string; model: string; provider: string; status: string; tokens_in: number; tokens_out: number }>("SELECT endpoint, model, provider, status, tokens_in, tokens_out FROM requests WHERE endpoint = 'messages' ORDER BY ts, id"));
}

const weatherTool = {
  name: 'get_weather',
  description: 'Current weather for a city',
  input_schema: { type: 'object' as const, properties: { query: { type: 'string' } }, required: ['query'] },
};

test('messages.create with model "auto": an Anthropic message with usage and the routing decision', async () => {
  const { data: msg, response } = await client.messages
    .create({ model: 'auto', max_tokens: 200, system: 'Be brief.', messages: [{ role: 'user', content: 'Say hello' }] })
    .withResponse();
  assert.equal(msg.type, 'message');
  assert.equal(msg.role, 'assistant');
  const first = msg.content[0];
  assert.ok(first && first.type === 'text' && /Simulated answer from .*Say hello/.test(first.text));
  assert.equal(msg.stop_reason, 'end_turn');
  assert.ok(msg.usage.input_tokens > 0 && msg.usage.output_tokens > 0);
  assert.ok(response.headers.get('x-llm-router-model'));
  assert.equal(response.headers.get('x-llm-router-model'), msg.model);
  const routing = (msg as unknown as { routing: { model: string; reason: string } }).routing;
  assert.equal(routing.model, msg.model);
  assert.ok(routing.reason.length > 0);
});

test('a concrete Anthropic API model id routes straight to that model, through the Anthropic wire format', async () => {
  const msg = await client.messages.create({ model: 'claude-sonnet-4-20250514', max_tokens: 100, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(msg.model, 'claude-sonnet-4');
  const first = msg.content[0];
  assert.ok(first && first.type === 'text' && first.text.includes('claude-sonnet-4-20250514'), 'the simulator saw the provider model id');
});

test('Authorization: Bearer works as well as x-api-key; a wrong token is refused with an authentication error', async () => {
  const bearer = new Anthropic({ authToken: h.token, apiKey: null, baseURL: h.url, maxRetries: 0 });
  const msg = await bearer.messages.create({ model: 'gemini-2.5-flash', max_tokens: 50, messages: [{ role: 'user', content: 'Hi' }] });
  assert.equal(msg.model, 'gemini-2.5-flash');
  const wrong = new Anthropic({ apiKey: 'not-the-token', baseURL: h.url, maxRetries: 0 });
  await assert.rejects(wrong.messages.create({ model: 'auto', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }), (e: unknown) => e instanceof Anthropic.AuthenticationError);
});

test('streaming: the SDK assembles the text and the final message from our event sequence', async () => {
  const stream = client.messages.stream({ model: 'gpt-4o-mini', max_tokens: 200, messages: [{ role: 'user', content: 'Stream me a sentence' }] });
  const seen: string[] = [];
  let text = '';
  stream.on('streamEvent', (e) => seen.push(e.type));
  stream.on('text', (t) => (text += t));
  const final = await stream.finalMessage();
  assert.match(text, /Simulated answer from gpt-4o-mini/);
  assert.equal(seen[0], 'message_start');
  assert.equal(seen[seen.length - 1], 'message_stop');
  assert.ok(seen.includes('content_block_delta') && seen.includes('message_delta'));
  assert.equal(final.stop_reason, 'end_turn');
  assert.ok(final.usage.output_tokens > 0);
  const block = final.content[0];
  assert.ok(block && block.type === 'text' && block.text === text);
});

test('tool use, not streamed and streamed, then a tool_result turn', async () => {
  for (const model of ['claude-3-5-haiku', 'gpt-4o', 'gemini-2.0-flash']) {
    const msg = await client.messages.create({ model, max_tokens: 200, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Oslo?' }] });
    assert.equal(msg.stop_reason, 'tool_use', model);
    const use = msg.content.find((b) => b.type === 'tool_use');
    assert.ok(use && use.type === 'tool_use');
    assert.equal(use.name, 'get_weather');
    assert.deepEqual(use.input, { query: 'Weather in Oslo?' });

    const streamed = await client.messages.stream({ model, max_tokens: 200, tools: [weatherTool], messages: [{ role: 'user', content: 'Weather in Oslo?' }] }).finalMessage();
    const suse = streamed.content.find((b) => b.type === 'tool_use');
    assert.ok(suse && suse.type === 'tool_use', model);
    assert.deepEqual(suse.input, { query: 'Weather in Oslo?' });

    const answer = await client.messages.create({
      model,
      max_tokens: 200,
      tools: [weatherTool],
      messages: [
        { role: 'user', content: 'Weather in Oslo?' },
        { role: 'assistant', content: msg.content },
        { role: 'user', content: [{ type: 'tool_result', tool_use_id: use.id, content: '-3 C and snowing' }] },
      ],
    });
    const t = answer.content[0];
    assert.ok(t && t.type === 'text' && t.text.includes('-3 C and snowing'), model);
  }
});

test('bad input gets an Anthropic-shaped error; unknown fields and any anthropic-version are accepted', async () => {
  await assert.rejects(
    client.messages.create({ model: 'no-such-model', max_tokens: 5, messages: [{ role: 'user', content: 'x' }] }),
    (e: unknown) => e instanceof Anthropic.NotFoundError,
  );
  const res = await fetch(`${h.url}/v1/messages`, {
    method: 'POST',
    headers: { 'x-api-key': h.token, 'anthropic-version': '2099-01-01', 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto', max_tokens: 20, messages: [{ role: 'user', content: 'hi' }], some_future_option: { on: true } }),
  });
  assert.equal(res.status, 200);
  const bad = await fetch(`${h.url}/v1/messages`, { method: 'POST', headers: { 'x-api-key': h.token, 'content-type': 'application/json' }, body: JSON.stringify({ model: 'auto', messages: [] }) });
  assert.equal(bad.status, 400);
  const body = (await bad.json()) as { type: string; error: { type: string } };
  assert.deepEqual([body.type, body.error.type], ['error', 'invalid_request_error']);
});

test('count_tokens answers an estimate', async () => {
  const r = await client.messages.countTokens({ model: 'auto', messages: [{ role: 'user', content: 'Count these few words please' }] });
  assert.ok(r.input_tokens > 0);
});

test('every call above is one ledger row on the messages endpoint', () => {
  const rows = ledgerRows();
  assert.ok(rows.length >= 12, String(rows.length));
  assert.ok(rows.some((r) => r.provider === 'anthropic' && r.status === 'ok'));
  assert.ok(rows.some((r) => r.provider === 'google' && r.status === 'ok'));
  assert.ok(rows.filter((r) => r.status === 'ok').every((r) => r.tokens_in > 0 && r.tokens_out > 0));
});

test('GET /v1/models lists auto, the four routing modes, the policies and every catalog model', async () => {
  const res = await fetch(`${h.url}/v1/models`, { headers: { 'x-api-key': h.token } });
  const ids = ((await res.json()) as { data: { id: string }[] }).data.map((m) => m.id);
  for (const id of ['auto', 'auto:quality', 'auto:balanced', 'auto:cost', 'auto:latency', 'normal', 'code', 'ops', 'deep-research']) {
    assert.ok(ids.includes(id), id);
  }
  for (const m of h.daemon.deps.catalog.list()) {
    assert.ok(ids.includes(m.id), m.id);
  }
  const viaPolicy = await client.messages.create({ model: 'ops', max_tokens: 50, messages: [{ role: 'user', content: 'rename this variable' }] });
  assert.equal(viaPolicy.type, 'message');
});

test('a stream that breaks after its first tokens raises an error in the SDK (Anthropic error event), and one that fails before falls back', async () => {
  const sim = h.daemon.simulator;
  assert.ok(sim);
  const haiku = h.daemon.deps.catalog.get('claude-3-5-haiku');
  assert.ok(haiku);
  sim.faults.set([{ match: haiku.apiModel, fault: { kind: 'cut', afterPieces: 3 } }]);
  const cut = client.messages.stream({ model: 'claude-3-5-haiku', max_tokens: 100, messages: [{ role: 'user', content: 'A longer answer please' }] });
  let text = '';
  cut.on('text', (t) => (text += t));
  await assert.rejects(cut.finalMessage(), (e: unknown) => e instanceof Error);
  assert.ok(text.length > 0, 'pieces before the cut reached the client');
  sim.faults.set([{ match: haiku.apiModel, fault: { kind: 'error', status: 529, type: 'overloaded_error', code: null, message: 'Overloaded' } }]);
  const fellBack = await client.messages.create({ model: 'auto', max_tokens: 100, messages: [{ role: 'user', content: 'hello' }], ...({ routing: { allowedModels: ['claude-3-5-haiku', 'gemini-2.0-flash'] } } as object) });
  assert.equal(fellBack.model, 'gemini-2.0-flash', 'routing options honoured and the failing model avoided');
  sim.faults.clear();
});
