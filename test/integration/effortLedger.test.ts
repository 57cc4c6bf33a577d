// The reasoning effort a request ran at, and the wall time its decision expected, are ledger
// columns (migration 15), written on every path: chat/complete, /v1/chat/completions, /v1/messages
// and /v1/responses, streamed and not, and when a fallback answers; `spend/requests` returns them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTestDaemon, rpcOk, type Harness } from './daemonHarness';
import { namedFault } from '../../daemon/simulator/faults';
import type { ChatCompleteResult, SpendRequestsResult } from '../../daemon/protocol/methods';
import type { RequestDecisionResult } from '../../daemon/protocol/editor';
import type { LedgerRow } from '../../daemon/protocol/ledger';

// A reasoning model (effort levels minimal..high) and one that does not reason.
const REASONER = 'gpt-5-mini';
const PLAIN = 'gpt-4o-mini';
// Another provider's: the failures open the failing provider's circuit, not this one's.
const PLAIN_ELSEWHERE = 'gemini-2.0-flash';
const HARD = 'Prove that there are infinitely many primes p such that p + 2 is not prime, step by step, and check every case.';

let h: Harness;
after(async () => {
  await h?.close();
});

async function rowOf(requestId: string): Promise<LedgerRow> {
  const page = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { limit: 500 });
  const row = page.rows.find((r) => r.id === requestId);
  assert.ok(row, `row ${requestId} in spend/requests`);
  return row;
}

async function decisionOf(requestId: string): Promise<NonNullable<RequestDecisionResult['decision']>> {
  const { decision } = await rpcOk<RequestDecisionResult>(h, 'request/decision', { requestId });
  // The store keeps every recorded request's decision (null only for rows recorded without one).
  assert.ok(decision, `no stored decision for ${requestId}`);
  return decision;
}

/** One request on an HTTP endpoint, body read to the end; the request id from the header. */
async function post(path: string, body: Record<string, unknown>): Promise<string> {
  const res = await fetch(`${h.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', 'anthropic-version': '2023-06-01' },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(30_000),
  });
  const text = await res.text();
  assert.equal(res.status, 200, text.slice(0, 500));
  const id = res.headers.get('x-llm-router-request-id');
  assert.ok(id, `${path} names its request`);
  return id;
}

const routing = { allowedModels: [REASONER] };
const user = [{ role: 'user', content: HARD }];

test('every endpoint, streamed and not, records the effort it ran at and the expected wall time', async () => {
  h = await startTestDaemon();
  const ids: Record<string, string> = {};
  ids.rpc = (await rpcOk<ChatCompleteResult>(h, 'chat/complete', { model: 'auto:quality', messages: user, routing })).requestId;
  for (const stream of [false, true]) {
    const s = stream ? ' stream' : '';
    ids[`chat.completions${s}`] = await post('/v1/chat/completions', { model: 'auto:quality', stream, messages: user, routing });
    ids[`messages${s}`] = await post('/v1/messages', { model: 'auto:quality', stream, max_tokens: 4000, messages: user, routing });
    ids[`responses${s}`] = await post('/v1/responses', { model: 'auto:quality', stream, input: HARD, routing });
  }
  for (const [path, id] of Object.entries(ids)) {
    const row = await rowOf(id);
    const d = await decisionOf(id);
    assert.equal(row.model, REASONER, path);
    assert.ok(d.effort, `${path}: the decision chose an effort`);
    assert.equal(row.effort, d.effort, `${path}: the row records the chosen effort`);
    assert.equal(row.expectedWallMs, d.expectedWallMs, `${path}: and the expected wall time`);
    assert.ok((row.expectedWallMs ?? 0) > 0, path);
  }
  // A model that does not reason runs at no effort: NULL, not a made-up level.
  const plain = (await rpcOk<ChatCompleteResult>(h, 'chat/complete', { model: 'auto', messages: user, routing: { allowedModels: [PLAIN] } })).requestId;
  assert.equal((await rowOf(plain)).effort, null);
  const stored = h.daemon.deps.store.read((tx) => tx.get<{ effort: string | null; w: number | null }>('SELECT effort, expected_wall_ms AS w FROM requests WHERE id = ?', [ids.rpc as string]));
  assert.equal(stored?.effort, (await rowOf(ids.rpc as string)).effort, 'a real column, not only the reason text');
  assert.ok((stored?.w ?? 0) > 0);
});

for (const stream of [false, true]) {
  test(`when a fallback answers (${stream ? 'stream' : 'JSON'}), the row names the effort that model ran at: none for a model that does not reason`, async () => {
    await h.close();
    // A fresh daemon: the failures below open the failing model's circuit.
    h = await startTestDaemon();
    const chosen = h.daemon.deps.catalog.get(REASONER);
    const fault = namedFault('server_error');
    assert.ok(chosen && fault && h.daemon.simulator);
    h.daemon.simulator.faults.set([{ match: chosen.apiModel, fault }]);
    const id = await post('/v1/chat/completions', { model: 'auto:quality', stream, messages: user, routing: { allowedModels: [REASONER, PLAIN_ELSEWHERE], preferredModels: [REASONER] } });
    const d = await decisionOf(id);
    const row = await rowOf(id);
    assert.equal(d.model, REASONER);
    assert.ok(d.effort);
    assert.equal(row.model, PLAIN_ELSEWHERE, 'the fallback answered');
    assert.equal(row.effort, null, `${PLAIN_ELSEWHERE} does not reason`);
    assert.equal(row.expectedWallMs, d.expectedWallMs);
  });
}
