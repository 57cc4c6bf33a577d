// The daemon's HTTP face, in-process in simulate mode: the happy paths and every kind of bad input.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { request as httpRequest } from 'node:http';
import { cpSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Store } from '../../daemon/store/database';
import { startTestDaemon, type Harness } from './daemonHarness';

let h: Harness;
before(async () => {
  h = await startTestDaemon();
});
after(async () => {
  await h.close();
});

interface Reply {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  trailers: Record<string, string | undefined>;
  text: string;
  json(): unknown;
}

/** node:http directly, so tests control every header (fetch adds Origin-free but fixed Host). */
function call(method: string, path: string, o: { body?: string | Buffer; headers?: Record<string, string>; auth?: boolean } = {}): Promise<Reply> {
  const headers: Record<string, string> = { host: `127.0.0.1:${h.daemon.port}`, ...(o.auth === false ? {} : { authorization: `Bearer ${h.token}` }), ...o.headers };
  if (o.body !== undefined) {
    headers['content-type'] ??= 'application/json';
  }
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port: h.daemon.port, method, path, headers, setHost: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, trailers: res.trailers, text, json: () => JSON.parse(text) as unknown });
      });
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(o.body);
  });
}

const chatBody = (extra: Record<string, unknown> = {}) => JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'What is the capital of France?' }], ...extra });
const rpc = (method: string, params: unknown, id: number | string = 1) => call('POST', '/rpc', { body: JSON.stringify({ jsonrpc: '2.0', id, method, params }) });
type ErrBody = { error: { message: string; type: string; code: string } };
type RpcErr = { jsonrpc: string; id: unknown; error: { code: number; message: string; data: { code: string } } };
const requestCount = async () => ((await rpc('spend/requests', { limit: 500 })).json() as { result: { rows: unknown[] } }).result.rows.length;

test('GET /health needs no token and tells nothing secret', async () => {
  const r = await call('GET', '/health', { auth: false });
  assert.equal(r.status, 200);
  const body = r.json() as Record<string, unknown>;
  assert.deepEqual(Object.keys(body).sort(), ['pid', 'status', 'version']);
  assert.ok(!r.text.includes(h.token));
  assert.equal(r.headers['access-control-allow-origin'], undefined);
});

test('GET /v1/models lists the routing modes and every catalog model', async () => {
  const r = await call('GET', '/v1/models');
  const body = r.json() as { object: string; data: { id: string; object: string; owned_by: string }[] };
  assert.equal(body.object, 'list');
  const ids = body.data.map((m) => m.id);
  for (const id of ['auto', 'auto:quality', 'auto:balanced', 'auto:cost', 'auto:latency', 'gpt-4o-mini', 'claude-sonnet-4']) {
    assert.ok(ids.includes(id), id);
  }
  assert.ok(body.data.every((m) => m.object === 'model'));
});

test('POST /v1/chat/completions answers with usage, the routing field and headers, and records one row', async () => {
  const before = await requestCount();
  const r = await call('POST', '/v1/chat/completions', { body: chatBody() });
  assert.equal(r.status, 200, r.text);
  const body = r.json() as { object: string; model: string; choices: { message: { content: string } }[]; usage: { prompt_tokens: number; completion_tokens: number }; routing: { requestId: string; model: string; actualCostUsd: number; costState: string } };
  assert.equal(body.object, 'chat.completion');
  assert.equal(body.choices[0]?.message.content, `Simulated answer from ${Catalog(body.model)}: What is the capital of France?`);
  assert.ok(body.usage.prompt_tokens > 0 && body.usage.completion_tokens > 0);
  assert.equal(r.headers['x-llm-router-model'], body.routing.model);
  assert.equal(r.headers['x-llm-router-request-id'], body.routing.requestId);
  assert.equal(Number(r.headers['x-llm-router-cost']), Number(body.routing.actualCostUsd.toFixed(8)));
  assert.ok(r.headers['x-llm-router-reason']);
  assert.equal(body.routing.costState, 'known');
  assert.equal(await requestCount(), before + 1);
});

function Catalog(model: string): string {
  // The simulator answers with the provider's model id, which is ours unless the catalog maps it.
  return { 'claude-opus-4': 'claude-opus-4-20250514', 'claude-sonnet-4': 'claude-sonnet-4-20250514', 'claude-3-5-haiku': 'claude-3-5-haiku-20241022', 'mistral-large': 'mistral-large-latest', 'mistral-small': 'mistral-small-latest' }[model] ?? model;
}

test('streaming: decision in headers, usage and routing in the last chunk before [DONE], cost as a trailer', async () => {
  const r = await call('POST', '/v1/chat/completions', { body: chatBody({ stream: true, model: 'auto:cost' }) });
  assert.equal(r.status, 200);
  assert.match(String(r.headers['content-type']), /text\/event-stream/);
  assert.ok(r.headers['x-llm-router-model']);
  assert.ok(r.headers['x-llm-router-request-id']);
  const events = r.text.split('\n\n').filter(Boolean);
  assert.equal(events[events.length - 1], 'data: [DONE]');
  const chunks = events.slice(0, -1).map((e) => JSON.parse(e.slice(6)) as { choices: { delta: { content?: string } }[]; usage?: { completion_tokens: number }; routing?: { actualCostUsd: number; model: string; requestId: string } });
  const last = chunks[chunks.length - 1];
  assert.ok(last?.usage && last.routing);
  assert.equal(last.routing.model, r.headers['x-llm-router-model']);
  assert.equal(last.routing.requestId, r.headers['x-llm-router-request-id']);
  const text = chunks.map((c) => c.choices[0]?.delta.content ?? '').join('');
  assert.match(text, /What is the capital of France\?$/);
  assert.equal(Number(r.trailers['x-llm-router-cost']), Number(last.routing.actualCostUsd.toFixed(8)));
});

test('routing constraints in the body steer the choice, and OpenAI fields we do not use are ignored', async () => {
  const r = await call('POST', '/v1/chat/completions', { body: chatBody({ routing: { allowedProviders: ['groq'] }, user: 'u-1', seed: 7, logit_bias: {}, metadata: { a: 'b' } }) });
  assert.equal(r.status, 200, r.text);
  assert.equal(r.headers['x-llm-router-provider'], 'groq');
  const named = await call('POST', '/v1/chat/completions', { body: chatBody({ model: 'gpt-4.1-nano', max_completion_tokens: 3 }) });
  const body = named.json() as { model: string; choices: { finish_reason: string }[]; usage: { completion_tokens: number } };
  assert.equal(body.model, 'gpt-4.1-nano');
  assert.equal(body.choices[0]?.finish_reason, 'length');
  assert.ok(body.usage.completion_tokens <= 3);
});

test('POST /rpc serves the method table', async () => {
  const status = (await rpc('daemon/status', {})).json() as { result: { simulate: boolean; port: number; version: string } };
  assert.equal(status.result.simulate, true);
  assert.equal(status.result.port, h.daemon.port);
  const chat = (await rpc('chat/complete', { messages: [{ role: 'user', content: 'hi from rpc' }] })).json() as { result: { text: string; routing: { model: string } } };
  assert.match(chat.result.text, /hi from rpc$/);
  const batch = (await call('POST', '/rpc', { body: JSON.stringify([{ jsonrpc: '2.0', id: 1, method: 'models/list', params: {} }, { jsonrpc: '2.0', id: 2, method: 'nope/nope', params: {} }]) })).json() as { id: number }[];
  assert.deepEqual(batch.map((b) => b.id), [1, 2]);
});

test('bad input: every case has a stable code and an actionable message, and the daemon keeps serving', async () => {
  const before = await requestCount();
  const cases: [string, Promise<Reply>, number, string][] = [
    ['no token', call('GET', '/v1/models', { auth: false }), 401, 'unauthorized'],
    ['wrong token', call('GET', '/v1/models', { headers: { authorization: 'Bearer wrong' } }), 401, 'unauthorized'],
    ['Origin present', call('GET', '/v1/models', { headers: { origin: 'https://evil.example' } }), 403, 'forbiddenOrigin'],
    ['Origin on /health', call('GET', '/health', { auth: false, headers: { origin: 'http://127.0.0.1' } }), 403, 'forbiddenOrigin'],
    ['bad Host', call('GET', '/v1/models', { headers: { host: 'attacker.example:80' } }), 403, 'forbiddenOrigin'],
    ['malformed JSON', call('POST', '/v1/chat/completions', { body: '{"model": "auto", ' }), 400, 'parseError'],
    ['empty body', call('POST', '/v1/chat/completions', { body: '' }), 400, 'parseError'],
    ['wrong params', call('POST', '/v1/chat/completions', { body: JSON.stringify({ model: 'auto', messages: [{ role: 'wizard', content: 'x' }] }) }), 400, 'invalidParams'],
    ['no messages', call('POST', '/v1/chat/completions', { body: JSON.stringify({ model: 'auto' }) }), 400, 'invalidParams'],
    ['unknown model', call('POST', '/v1/chat/completions', { body: chatBody({ model: 'mystery-9-ultra' }) }), 404, 'unknownModel'],
    ['bad routing mode', call('POST', '/v1/chat/completions', { body: chatBody({ model: 'auto:fastest' }) }), 404, 'unknownModel'],
    ['n > 1', call('POST', '/v1/chat/completions', { body: chatBody({ n: 2 }) }), 400, 'unsupportedFeature'],
    ['oversized body', call('POST', '/v1/chat/completions', { body: Buffer.alloc(5 * 1024 * 1024, 0x61) }), 413, 'payloadTooLarge'],
    ['unknown path', call('GET', '/v2/nothing'), 404, 'notFound'],
  ];
  for (const [name, pending, status, code] of cases) {
    const r = await pending;
    assert.equal(r.status, status, `${name}: ${r.text}`);
    const body = r.json() as ErrBody;
    assert.equal(body.error.code, code, name);
    assert.ok(body.error.message.length > 10, `${name}: ${body.error.message}`);
    assert.equal(typeof body.error.type, 'string', name);
    assert.equal(r.headers['access-control-allow-origin'], undefined, name);
  }
  assert.match(((await cases[0]![1]).json() as ErrBody).error.message, /daemon\.json/);
  assert.match(((await cases[9]![1]).json() as ErrBody).error.message, /\/v1\/models/);
  assert.match(((await cases[7]![1]).json() as ErrBody).error.message, /messages\.0\.role/);

  const rpcCases: [string, Promise<Reply>, number, string][] = [
    ['malformed JSON', call('POST', '/rpc', { body: '{"jsonrpc":' }), -32700, 'parseError'],
    ['not a request', call('POST', '/rpc', { body: '{"hello":"world"}' }), -32600, 'invalidRequest'],
    ['unknown method', rpc('spend/everything', {}), -32601, 'methodNotFound'],
    ['wrong params', rpc('spend/requests', { limit: 'many' }), -32602, 'invalidParams'],
    ['unknown model', rpc('chat/complete', { model: 'nope', messages: [{ role: 'user', content: 'x' }] }), -32010, 'unknownModel'],
    ['bad cursor', rpc('spend/requests', { cursor: 'garbage' }), -32602, 'invalidParams'],
  ];
  for (const [name, pending, rpcCode, code] of rpcCases) {
    const r = await pending;
    const body = r.json() as RpcErr;
    assert.equal(body.jsonrpc, '2.0', name);
    assert.equal(body.error.code, rpcCode, `${name}: ${r.text}`);
    assert.equal(body.error.data.code, code, name);
    assert.ok(body.error.message.length > 10, name);
  }
  const noToken = await call('POST', '/rpc', { auth: false, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'daemon/status', params: {} }) });
  assert.equal(noToken.status, 401);

  // Still serving, and nothing above was recorded.
  assert.equal((await call('POST', '/v1/chat/completions', { body: chatBody() })).status, 200);
  assert.equal(await requestCount(), before + 1);
});

test('the store stays whole after all of it', async () => {
  await h.daemon.deps.store.flush();
  // Open a copy: a second live Store on the daemon's own files could touch them.
  const dir = mkdtempSync(join(tmpdir(), 'llm-router-copy-'));
  for (const f of readdirSync(h.home).filter((n) => n.startsWith('ledger'))) {
    cpSync(join(h.home, f), join(dir, f));
  }
  const copy = await Store.open({ dir });
  try {
    assert.equal(copy.read((tx) => tx.get<{ integrity_check: string }>('PRAGMA integrity_check'))?.integrity_check, 'ok');
    const live = h.daemon.deps.store.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))?.n;
    assert.equal(copy.read((tx) => tx.get<{ n: number }>('SELECT COUNT(*) AS n FROM requests'))?.n, live);
  } finally {
    await copy.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
