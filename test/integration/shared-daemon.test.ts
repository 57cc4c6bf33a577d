// Two editor windows (LSP clients) and a script (HTTP) share one daemon and see one ledger.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { ChatCompleteResult, SpendRequestsResult } from '../../daemon/protocol/methods';
import { createHttpRpcClient } from '../../daemon/client/httpClient';
import { startTestDaemon } from './daemonHarness';
import { attachLsp } from './lspClient';

test('two windows and a script share one daemon and see the same ledger rows', async () => {
  const h = await startTestDaemon();
  const a = await attachLsp(h.daemon.socketPath, h.token, 'Window A');
  const b = await attachLsp(h.daemon.socketPath, h.token, 'Window B');
  const script = createHttpRpcClient({ port: h.daemon.port, token: h.token });
  try {
    assert.equal(h.daemon.clientCount(), 2);
    assert.notEqual(a.hello.sessionId, b.hello.sessionId);
    const fromA = (await a.connection.sendRequest('chat/complete', { messages: [{ role: 'user', content: 'from window A' }] })) as ChatCompleteResult;
    const fromB = (await b.connection.sendRequest('chat/complete', { messages: [{ role: 'user', content: 'from window B' }] })) as ChatCompleteResult;
    const res = await fetch(`${h.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { authorization: `Bearer ${h.token}`, 'content-type': 'application/json', 'user-agent': 'nightly-script' },
      body: JSON.stringify({ model: 'auto:cost', messages: [{ role: 'user', content: 'from a script' }] }),
    });
    assert.equal(res.status, 200);
    const fromScript = res.headers.get('x-llm-router-request-id');
    assert.ok(fromScript);

    const expected = [fromScript, fromB.requestId, fromA.requestId];
    const viaA = (await a.connection.sendRequest('spend/requests', { limit: 10 })) as SpendRequestsResult;
    const viaB = (await b.connection.sendRequest('spend/requests', { limit: 10 })) as SpendRequestsResult;
    const viaScript = await script.call('spend/requests', { limit: 10 });
    assert.deepEqual(viaA.rows.map((r) => r.id), expected);
    assert.deepEqual(viaB.rows, viaA.rows);
    assert.deepEqual(viaScript.rows, viaA.rows);
    assert.deepEqual(viaA.rows.map((r) => [r.clientKind, r.clientName]), [['script', 'nightly-script'], ['editor', 'Window B'], ['editor', 'Window A']]);

    // Every window heard about every ledger row, whoever caused it.
    await a.connection.sendRequest('daemon/status', {});
    await b.connection.sendRequest('daemon/status', {});
    for (const c of [a, b]) {
      const heard = c.notifications.filter((n) => n.method === 'spend/changed').map((n) => (n.params as { requestId: string }).requestId);
      assert.deepEqual(heard.sort(), [...expected].sort());
    }
    // Closing one window detaches only that window.
    await a.close();
    for (let i = 0; i < 100 && h.daemon.clientCount() > 1; i++) {
      await new Promise((r) => setTimeout(r, 10));
    }
    assert.equal(h.daemon.clientCount(), 1);
    const again = (await b.connection.sendRequest('spend/requests', { limit: 1 })) as SpendRequestsResult;
    assert.equal(again.rows[0]?.id, fromScript);
    assert.ok(again.nextCursor);
    const page2 = (await b.connection.sendRequest('spend/requests', { limit: 5, cursor: again.nextCursor })) as SpendRequestsResult;
    assert.deepEqual(page2.rows.map((r) => r.id), [fromB.requestId, fromA.requestId]);
    assert.equal(page2.nextCursor, null);
  } finally {
    script.close();
    await b.close();
    await a.close().catch(() => undefined);
    await h.close();
  }
});
