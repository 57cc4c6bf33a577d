// The daemon methods the editor added: the spending kill switch (every client refused, persisted
// across a restart, broadcast to windows), tokens/count, and tool calls in chat/complete's result.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { ChatCompleteResult, RequestDecisionResult, SpendingState, SpendRequestsResult, TokensCountResult } from '../../daemon/protocol';
import { MAX_CANDIDATES } from '../../daemon/service/requestDecisions';
import { PAUSE_FILE } from '../../daemon/service/spendingPause';
import { countTokens as countCl100k } from 'gpt-tokenizer/encoding/cl100k_base';
import { rpcCall, rpcOk, startTestDaemon } from './daemonHarness';
import { attachLsp } from './lspClient';

test('Pause all spending refuses every client before routing, is broadcast, survives a restart, and Resume lifts it', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-pause-'));
  try {
    const h = await startTestDaemon({ home });
    const c = await attachLsp(h.daemon.socketPath, h.token, 'Window A');
    try {
      assert.deepEqual(await rpcOk<SpendingState>(h, 'spending/status', {}), { paused: false, since: null, reason: null });
      const paused = await rpcOk<SpendingState>(h, 'spending/pause', { reason: 'runaway agent' });
      assert.equal(paused.paused, true);
      assert.equal(paused.reason, 'runaway agent');
      assert.equal(statSync(join(home, PAUSE_FILE)).mode & 0o777, 0o600);

      // A script on the OpenAI-compatible endpoint.
      const http = await fetch(`${h.url}/v1/chat/completions`, {
        method: 'POST',
        headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'auto', messages: [{ role: 'user', content: 'hello' }] }),
      });
      assert.equal(http.status, 423);
      assert.match(JSON.stringify(await http.json()), /All spending is paused/);
      // The editor's channel.
      await assert.rejects(c.connection.sendRequest('chat/complete', { messages: [{ role: 'user', content: 'hi' }] }), (err: { data?: { code?: string } }) => {
        assert.equal(err.data?.code, 'spendingPaused');
        return true;
      });
      // Nothing was recorded: the refusal happens before routing and reservations.
      const rows = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { limit: 10 });
      assert.equal(rows.rows.length, 0);
      await c.connection.sendRequest('daemon/status', {});
      const changes = c.notifications.filter((n) => n.method === 'spending/changed').map((n) => (n.params as SpendingState).paused);
      assert.deepEqual(changes, [true]);
    } finally {
      await c.close();
      await h.close();
    }

    // A restarted daemon (idle exit, crash) is still paused.
    const h2 = await startTestDaemon({ home });
    try {
      assert.equal((await rpcOk<SpendingState>(h2, 'spending/status', {})).paused, true);
      const refused = await rpcCall(h2, 'chat/complete', { messages: [{ role: 'user', content: 'hi' }] });
      assert.equal(refused.error?.data?.code, 'spendingPaused');
      assert.equal((await rpcOk<SpendingState>(h2, 'spending/resume', {})).paused, false);
      assert.equal(existsSync(join(home, PAUSE_FILE)), false);
      const ok = await rpcOk<ChatCompleteResult>(h2, 'chat/complete', { messages: [{ role: 'user', content: 'hi' }] });
      assert.ok(ok.text.length > 0);
    } finally {
      await h2.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('tokens/count counts a text exactly and a conversation as the router does; bad params are invalidParams', async () => {
  const h = await startTestDaemon();
  try {
    const one = await rpcOk<TokensCountResult>(h, 'tokens/count', { text: 'hello world' });
    assert.deepEqual(one, { tokens: 2, exact: true });
    // The bundle counts with the built tables (dist/tokenizer/*.bpe): the library's count, and
    // text that looks like a special token is text.
    const varied = '\ufeffconst x = "café 日本語 👩‍👩‍👧";\n\n\tif (a <= 10) { return 12345678; }  <|endoftext|> I\'LL   \r\n' + ' '.repeat(300) + '\ud800 done';
    assert.deepEqual(await rpcOk<TokensCountResult>(h, 'tokens/count', { text: varied }), { tokens: countCl100k(varied, { disallowedSpecial: new Set() }), exact: true });
    const conv = await rpcOk<TokensCountResult>(h, 'tokens/count', { messages: [{ role: 'user', content: 'hello world' }, { role: 'assistant', content: 'hi' }] });
    assert.ok(conv.tokens > one.tokens + 1, `framing counted (${conv.tokens})`);
    const decision = await rpcOk<{ inputTokens: number }>(h, 'route/decide', { messages: [{ role: 'user', content: 'hello world' }, { role: 'assistant', content: 'hi' }], dryRun: true });
    assert.equal(conv.tokens, decision.inputTokens, 'the same count the router decides with');
    const bad = await rpcCall(h, 'tokens/count', { text: 'a', messages: [] });
    assert.equal(bad.error?.data?.code, 'invalidParams');
  } finally {
    await h.close();
  }
});

test('chat/complete returns the tool calls a model asked for, and takes the tool result back', async () => {
  const h = await startTestDaemon();
  try {
    const tools = [{ type: 'function', function: { name: 'get_weather', description: 'Weather for a city', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const first = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'Weather in Paris?' }], tools, routing: { requiredCapabilities: ['tools'] } });
    assert.equal(first.finishReason, 'tool_calls');
    assert.equal(first.toolCalls.length, 1);
    const call = first.toolCalls[0];
    assert.ok(call);
    assert.equal(call.function.name, 'get_weather');
    const second = await rpcOk<ChatCompleteResult>(h, 'chat/complete', {
      messages: [
        { role: 'user', content: 'Weather in Paris?' },
        { role: 'assistant', content: null, tool_calls: [call] },
        { role: 'tool', tool_call_id: call.id, content: 'sunny, 21 C' },
      ],
      tools,
    });
    assert.equal(second.finishReason, 'stop');
    assert.deepEqual(second.toolCalls, []);
    assert.match(second.text, /sunny, 21 C/);
  } finally {
    await h.close();
  }
});

test('request/decision reads any recorded request\'s decision from the store (after a restart too); a row without one shows the ledger; an unknown id is notFound', async () => {
  const home = mkdtempSync(join(tmpdir(), 'llm-router-decision-'));
  try {
    const h = await startTestDaemon({ home });
    let first: ChatCompleteResult;
    let second: ChatCompleteResult;
    try {
      first = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'Sort a list in Python' }], routing: { tradeoff: 'cost' } });
      second = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'Write a haiku about autumn' }], routing: { tradeoff: 'quality' } });
    } finally {
      await h.close();
    }
    // A new daemon holds nothing in memory: the decision comes from the store.
    const h2 = await startTestDaemon({ home });
    try {
      const d = await rpcOk<RequestDecisionResult>(h2, 'request/decision', { requestId: first.requestId });
      assert.equal(d.requestId, first.requestId);
      assert.ok(d.decision, 'the stored decision');
      assert.equal(d.decision.model, first.routing.model);
      assert.equal(d.decision.reason, first.routing.reason);
      assert.equal(d.decision.policy, first.routing.policy);
      assert.equal(d.decision.tradeoff, 'cost');
      assert.ok(d.decision.candidates.length > 1, 'every candidate with its estimate');
      assert.ok(d.decision.candidates.length <= MAX_CANDIDATES, 'bounded');
      const chosen = d.decision.candidates.find((c) => c.model === first.routing.model);
      assert.ok(chosen && chosen.excluded === undefined && Number.isFinite(chosen.quality) && Number.isFinite(chosen.score));
      assert.equal(d.row?.id, first.requestId);
      assert.equal(d.row?.model, first.routing.model);
      assert.equal(d.note, null);
      const stored = h2.daemon.deps.store.read((tx) => tx.get<{ n: number; longest: number }>('SELECT COUNT(*) AS n, MAX(LENGTH(detail)) AS longest FROM request_decisions'));
      assert.equal(stored?.n, 2);
      assert.ok(Number(stored?.longest) < 8_000, `a stored decision stays small (${String(stored?.longest)} chars)`);

      // A row recorded before decisions were stored: the ledger's facts and a note, not an error.
      await h2.daemon.deps.store.withWrite((tx) => {
        tx.run('DELETE FROM request_decisions WHERE request_id = ?', [second.requestId]);
      });
      const old = await rpcOk<RequestDecisionResult>(h2, 'request/decision', { requestId: second.requestId });
      assert.equal(old.decision, null);
      assert.equal(old.row?.model, second.routing.model);
      assert.equal(old.row?.reason, second.routing.reason);
      assert.match(old.note ?? '', /not stored/);

      const missing = await rpcCall(h2, 'request/decision', { requestId: 'req_unknown' });
      assert.equal(missing.error?.data?.code, 'notFound');
      const bad = await rpcCall(h2, 'request/decision', { requestId: first.requestId, ts: -1 });
      assert.equal(bad.error?.data?.code, 'invalidParams');
    } finally {
      await h2.close();
    }
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
});

test('spend/requests with ids returns exactly the rows a spend/changed named, newest first', async () => {
  const h = await startTestDaemon();
  const c = await attachLsp(h.daemon.socketPath, h.token, 'Window A');
  try {
    const a = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'one' }] });
    const b = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'two' }] });
    await c.connection.sendRequest('daemon/status', {});
    const named = c.notifications.filter((n) => n.method === 'spend/changed').map((n) => (n.params as { requestId: string }).requestId);
    assert.deepEqual(new Set(named), new Set([a.requestId, b.requestId]));
    const page = await rpcOk<SpendRequestsResult>(h, 'spend/requests', { ids: [a.requestId, 'req_unknown', b.requestId, a.requestId] });
    assert.deepEqual(page.rows.map((r) => r.id), [b.requestId, a.requestId]);
    assert.equal(page.nextCursor, null);
    const tooMany = await rpcCall(h, 'spend/requests', { ids: Array.from({ length: 201 }, (_, i) => `req_${i}`) });
    assert.equal(tooMany.error?.data?.code, 'invalidParams');
  } finally {
    await c.close();
    await h.close();
  }
});

test('request/decision after the row moved to the cold ledger: found by its ts, with the decision that moved with it', async () => {
  const h = await startTestDaemon();
  try {
    const r = await rpcOk<ChatCompleteResult>(h, 'chat/complete', { messages: [{ role: 'user', content: 'Name a prime number' }] });
    const [row] = (await rpcOk<SpendRequestsResult>(h, 'spend/requests', { ids: [r.requestId] })).rows;
    assert.ok(row);
    const hot = await rpcOk<RequestDecisionResult>(h, 'request/decision', { requestId: r.requestId, ts: row.ts });
    const cold = h.daemon.deps.cold;
    assert.ok(cold, 'the test daemon has a cold ledger');
    // Everything before "in a second" is cold, as if two months had passed.
    assert.equal(await cold.moveOlderThan(Date.now() + 1000), 1);
    const details = h.daemon.deps.store.read((tx) => tx.get('SELECT count(*) AS n FROM request_decisions'))?.n;
    assert.equal(Number(details), 0, 'the hot detail left with its row');
    const moved = await rpcOk<RequestDecisionResult>(h, 'request/decision', { requestId: r.requestId, ts: row.ts });
    assert.equal(moved.row?.id, r.requestId, 'the row read back from its cold segment');
    assert.deepEqual(moved, hot, 'the same answer as while the row was hot');
    assert.equal(moved.decision?.model, r.routing.model);
    assert.equal(moved.note, null);
    // Without its ts too: the id carries the time it was made (ColdLedger.findById).
    const withoutTs = await rpcOk<RequestDecisionResult>(h, 'request/decision', { requestId: r.requestId });
    assert.deepEqual(withoutTs, hot);
    const unknown = await rpcCall(h, 'request/decision', { requestId: 'req_unknown' });
    assert.equal(unknown.error?.data?.code, 'notFound');
    assert.match(unknown.error?.message ?? '', /give its ts/);
  } finally {
    await h.close();
  }
});
