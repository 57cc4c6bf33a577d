// Every scripted simulator fault, through the whole daemon (simulate mode), streamed and not:
// each ends in a fallback that answers or in a clear error, never a hung request, and every
// attempt is in the ledger's attempts table with its error class.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTestDaemon, type Harness } from './daemonHarness';
import { namedFault } from '../../daemon/simulator/faults';

const PAIR = ['claude-sonnet-4', 'gpt-4o-mini'];
const ROUTING = { allowedModels: PAIR };
// Tight limits keep every case bounded: a hung provider costs at most ~1.5 s per try.
const CONFIG = {
  timeouts: { connectMs: 1000, firstByteMs: 1500, totalMs: 4000 },
  resilience: { maxRetries: 1, retryBudgetMs: 2500, firstTokenMs: 1500 },
};
const CLIENT_LIMIT_MS = 30_000;

const harnesses: Harness[] = [];
after(async () => {
  for (const h of harnesses) {
    await h.close();
  }
});

async function daemon(): Promise<Harness> {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-faults-'));
  writeFileSync(join(home, 'config.json'), JSON.stringify(CONFIG));
  const h = await startTestDaemon({ home });
  harnesses.push({ ...h, close: async () => { await h.close(); rmSync(home, { recursive: true, force: true }); } });
  return h;
}

interface Reply {
  status: number;
  requestId: string | null;
  model: string | null;
  text: string;
  errorCode: string | null;
}

/** One chat completion; the stream is read to the end. Aborts (and fails the test) past CLIENT_LIMIT_MS. */
async function ask(h: Harness, prompt: string, stream: boolean): Promise<Reply> {
  const res = await fetch(`${h.url}/v1/chat/completions`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
    body: JSON.stringify({ model: 'auto:quality', stream, messages: [{ role: 'user', content: prompt }], routing: ROUTING }),
    signal: AbortSignal.timeout(CLIENT_LIMIT_MS),
  });
  const requestId = res.headers.get('x-llm-router-request-id');
  const body = await res.text();
  if (!stream || res.status !== 200) {
    const json = JSON.parse(body) as { choices?: { message: { content: string } }[]; routing?: { model: string; requestId: string }; error?: { code: string; details?: { requestId?: string } } };
    return { status: res.status, requestId: json.routing?.requestId ?? json.error?.details?.requestId ?? requestId, model: json.routing?.model ?? null, text: json.choices?.[0]?.message.content ?? '', errorCode: json.error?.code ?? null };
  }
  let text = '';
  let errorCode: string | null = null;
  let model: string | null = res.headers.get('x-llm-router-model');
  for (const line of body.split('\n')) {
    if (!line.startsWith('data: ') || line === 'data: [DONE]') {
      continue;
    }
    const chunk = JSON.parse(line.slice(6)) as { choices?: { delta?: { content?: string } }[]; routing?: { model: string }; error?: { code: string } };
    text += chunk.choices?.[0]?.delta?.content ?? '';
    model = chunk.routing?.model ?? model;
    errorCode = chunk.error?.code ?? errorCode;
  }
  return { status: res.status, requestId, model, text, errorCode };
}

function attempts(h: Harness, requestId: string): { n: number; model: string; status: string; error_code: string | null }[] {
  return h.daemon.deps.store.read((tx) => tx.all<{ n: number; model: string; status: string; error_code: string | null }>('SELECT n, model, status, error_code FROM request_attempts WHERE request_id = ? ORDER BY n', [requestId]));
}

function requestRow(h: Harness, requestId: string): { status: string; error_code: string | null; model: string } | undefined {
  return h.daemon.deps.store.read((tx) => tx.get<{ status: string; error_code: string | null; model: string }>('SELECT status, error_code, model FROM requests WHERE id = ?', [requestId]));
}

interface Target {
  prompt: string;
  chosen: string;
  fallback: string;
}

/**
 * Scripts `fault` on the model the router chooses for the matrix's prompt (read from the router
 * itself, in the state the request will meet) through the simulator's fault script.
 */
function target(h: Harness, fault: string): Target {
  const prompt = 'What does a circuit breaker do?';
  const d = h.daemon.deps.router.decide({ request: { messages: [{ role: 'user', content: prompt }] }, requestedModel: 'auto:quality', routing: ROUTING });
  const chosen = h.daemon.deps.catalog.get(d.model);
  const named = namedFault(fault);
  assert.ok(chosen && named && h.daemon.simulator);
  assert.deepEqual(d.fallbacks, PAIR.filter((m) => m !== d.model));
  h.daemon.simulator.faults.set([{ match: chosen.apiModel, fault: named }]);
  return { prompt, chosen: chosen.id, fallback: d.fallbacks[0] as string };
}

// fault → the error class its failed attempts carry.
const FALLBACK_FAULTS: Record<string, string> = {
  rate_limit: 'providerRateLimited',
  server_error: 'providerError',
  overloaded: 'providerUnavailable',
  auth: 'providerAuth',
  context_length: 'providerContextLength',
  malformed: 'providerError',
  wrong_content_type: 'providerError',
  timeout: 'providerTimeout',
};

for (const [fault, code] of Object.entries(FALLBACK_FAULTS)) {
  for (const stream of [false, true]) {
    test(`${fault} on the chosen model (${stream ? 'stream' : 'JSON'}) → fallback answers; attempts recorded with ${code}`, async () => {
      const h = await daemon();
      const t = target(h, fault);
      const r = await ask(h, t.prompt, stream);
      assert.equal(r.status, 200, JSON.stringify(r));
      assert.equal(r.model, t.fallback);
      assert.match(r.text, /Simulated answer from /);
      assert.ok(r.requestId);
      const rows = attempts(h, r.requestId);
      const failed = rows.filter((a) => a.model === t.chosen);
      assert.ok(failed.length >= 1, JSON.stringify(rows));
      assert.ok(failed.every((a) => a.status === 'error' && a.error_code === code), JSON.stringify(rows));
      assert.deepEqual(rows[rows.length - 1], { n: rows.length, model: t.fallback, status: 'ok', error_code: null });
      assert.equal(requestRow(h, r.requestId)?.status, 'ok');
    });
  }
}

test('a stream cut after its first tokens ends in a clear error event (the answer was committed), recorded', async () => {
  const h = await daemon();
  const t = target(h, 'cut');
  const r = await ask(h, t.prompt, true);
  assert.equal(r.status, 200);
  assert.ok(r.text.length > 0, 'the first pieces reached the client');
  assert.equal(r.errorCode, 'providerError');
  assert.ok(r.requestId);
  assert.deepEqual(attempts(h, r.requestId).map((a) => [a.model, a.error_code]), [[t.chosen, 'providerError']]);
  assert.equal(requestRow(h, r.requestId)?.status, 'error');
});

test('a JSON answer cut short falls back', async () => {
  const h = await daemon();
  const t = target(h, 'cut');
  const r = await ask(h, t.prompt, false);
  assert.equal(r.status, 200);
  assert.equal(r.model, t.fallback);
});

test('a content-policy refusal is a clear error without fallback (another model would be sent the same content)', async () => {
  const h = await daemon();
  const r = await ask(h, target(h, 'content_filter').prompt, false);
  assert.equal(r.status, 400);
  assert.equal(r.errorCode, 'providerContentPolicy');
  assert.ok(r.requestId);
  assert.deepEqual(attempts(h, r.requestId).map((a) => a.error_code), ['providerContentPolicy']);
});

for (const stream of [false, true]) {
  test(`a slow drip (${stream ? 'stream' : 'JSON'}) either completes or fails over within the limits`, async () => {
    const h = await daemon();
    const r = await ask(h, target(h, 'drip').prompt, stream);
    assert.equal(r.status, 200);
    assert.ok(r.requestId);
    const rows = attempts(h, r.requestId);
    assert.ok(rows.length >= 1);
    if (r.errorCode === null) {
      assert.match(r.text, /Simulated answer/);
    } else {
      assert.equal(r.errorCode, 'providerTimeout');
    }
  });
}

for (const stream of [false, true]) {
  test(`every model failing (${stream ? 'stream' : 'JSON'}) is one clear error naming the last failure, with every attempt recorded`, async () => {
    const h = await daemon();
    const r = await ask(h, '[sim-fault:server_error] every model fails', stream);
    assert.equal(r.status, 502);
    assert.equal(r.errorCode, 'providerError');
    assert.ok(r.requestId);
    const rows = attempts(h, r.requestId);
    assert.deepEqual([...new Set(rows.map((a) => a.model))].sort(), [...PAIR].sort());
    assert.ok(rows.every((a) => a.status === 'error' && a.error_code === 'providerError'));
    const req = requestRow(h, r.requestId);
    assert.deepEqual([req?.status, req?.error_code], ['error', 'providerError']);
  });
}

test('repeated failures open the circuit: the failing model is then skipped, and routing demotes it', async () => {
  const h = await daemon();
  const t = target(h, 'server_error');
  const first = await ask(h, t.prompt, false);
  assert.equal(first.status, 200);
  assert.ok(first.requestId);
  assert.equal(attempts(h, first.requestId).filter((a) => a.model === t.chosen).length, 2, 'one try and one retry');
  for (let i = 0; i < 2; i++) {
    assert.equal((await ask(h, t.prompt, false)).status, 200);
  }
  // Five failures in a row opened the circuit: the router no longer offers the model at all.
  const d = h.daemon.deps.router.decide({ request: { messages: [{ role: 'user', content: t.prompt }] }, requestedModel: 'auto:quality', routing: ROUTING });
  assert.equal(d.model, t.fallback);
  const rpc = await fetch(`${h.url}/rpc`, { method: 'POST', headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' }, body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'providers/health', params: {} }) });
  const health = ((await rpc.json()) as { result: { entries: { key: string; kind: string; state: string; errorRate: number | null }[] } }).result.entries;
  const entry = health.find((e) => e.kind === 'model' && e.key === t.chosen);
  assert.equal(entry?.state, 'open');
  assert.ok((entry?.errorRate ?? 0) > 0.5);
  const again = await ask(h, t.prompt, false);
  assert.ok(again.requestId);
  assert.deepEqual(attempts(h, again.requestId).map((a) => [a.model, a.status]), [[t.fallback, 'ok']]);
});
